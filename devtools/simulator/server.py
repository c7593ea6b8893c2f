"""HTTP plumbing: a threaded HTTP/1.1 server (keep-alive, one thread per connection) and the route table.

Each response is written with a single send (headers and body together, TCP_NODELAY), so keep-alive
clients such as a requests.Session do not stall on delayed ACKs. `close_all` ends every open
connection and joins its thread, so an embedded simulator leaves nothing running after stop().
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import unquote

from devtools.simulator import account_api, admin_api, bandwidth_api
from devtools.simulator.web import Request, Response, json_response, redirect

logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024
IDLE_TIMEOUT = 75  # seconds a keep-alive connection may sit idle

Handler = Callable[..., Response]
ACCOUNT = r"(?P<account_id>[^/]+)"
DASHBOARD = rf"/api/accounts/{ACCOUNT}"
PEER = rf"{DASHBOARD}/sites/(?P<site_id>[^/]+)/sippeers/(?P<peer_id>[^/]+)"
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(pattern), methods) for pattern, methods in [
        (r"/api/v1/oauth2/token", {"POST": bandwidth_api.oauth_token}),
        (rf"/api/v2/users/{ACCOUNT}/messages", {"POST": bandwidth_api.send_message,
                                                 "GET": bandwidth_api.search_messages}),
        (rf"/api/v2/users/{ACCOUNT}/media/?", {"GET": bandwidth_api.list_media}),
        (rf"/api/v2/users/{ACCOUNT}/media/(?P<name>.+)", dict.fromkeys(("GET", "PUT", "DELETE"),
                                                                        bandwidth_api.media_item)),
        (rf"{DASHBOARD}/applications", {"GET": account_api.applications, "POST": account_api.applications}),
        (rf"{DASHBOARD}/applications/(?P<application_id>[^/]+)",
         dict.fromkeys(("GET", "PUT", "PATCH", "DELETE"), account_api.application)),
        (rf"{DASHBOARD}/applications/(?P<application_id>[^/]+)/associatedsippeers",
         {"GET": account_api.associated_sip_peers}),
        (r"/api/tns/(?P<tn>[0-9]{1,15})/sites", {"GET": account_api.tn_site}),
        (r"/api/tns/(?P<tn>[0-9]{1,15})/sippeers", {"GET": account_api.tn_sip_peer}),
        (rf"{DASHBOARD}/sites", {"GET": account_api.sites}),
        (rf"{DASHBOARD}/sites/(?P<site_id>[^/]+)/sippeers", {"GET": account_api.sip_peers}),
        (rf"{PEER}/tns", {"GET": account_api.sip_peer_numbers}),
        (rf"{PEER}/products/messaging/applicationSettings", dict.fromkeys(("GET", "PUT"),
                                                                          account_api.application_settings)),
        (rf"{DASHBOARD}/products/messaging/a2pCampaigns", {"GET": account_api.a2p_campaigns}),
        (rf"{DASHBOARD}/campaignManagement/10dlc/campaigns/(?P<campaign_id>[^/]+)/tn",
         {"GET": account_api.campaign_numbers}),
        (rf"/api/v2/accounts/{ACCOUNT}/phoneNumbers/(?P<number>[^/]+)/tollFreeVerification",
         {"GET": account_api.toll_free_status}),
        (rf"/api/v2/accounts/{ACCOUNT}/tollFreeVerification/webhooks/subscriptions",
         dict.fromkeys(("GET", "POST"), account_api.tfv_subscriptions)),
        (r"/", {"GET": lambda sim, request: redirect("/simulator/")}),
        (r"/simulator/?", {"GET": admin_api.home}),
        (r"/simulator/health", {"GET": admin_api.health}),
        (r"/simulator/config", dict.fromkeys(("GET", "PUT"), admin_api.config)),
        (r"/simulator/applications", {"GET": admin_api.applications}),
        (r"/simulator/applications/(?P<application_id>[^/]+)", dict.fromkeys(("GET", "PUT", "DELETE"),
                                                                              admin_api.application)),
        (r"/simulator/credentials", {"GET": admin_api.credentials}),
        (r"/simulator/credentials/(?P<username>[^/]+)", dict.fromkeys(("PUT", "DELETE"), admin_api.credential)),
        (r"/simulator/tokens", {"DELETE": admin_api.tokens}),
        (rf"/simulator/accounts/{ACCOUNT}/(?P<kind>locations|campaigns|toll-free)",
         dict.fromkeys(("GET", "PUT"), admin_api.account_fixture)),
        (r"/simulator/inbound", {"POST": admin_api.inject}),
        (r"/simulator/messages", {"GET": admin_api.messages}),
        (r"/simulator/callbacks", {"GET": admin_api.callbacks}),
        (r"/simulator/reset", {"POST": admin_api.reset}),
    ]
]


def route(sim: Any, request: Request) -> Response:
    """Find the handler for a request and call it; 404/405 in Bandwidth's error shape otherwise."""
    for pattern, methods in ROUTES:
        match = pattern.fullmatch(request.path)
        if not match:
            continue
        handler = methods.get(request.method)
        if handler is None:
            return json_response({"type": "method-not-allowed", "description": f"{request.method} not allowed"},
                                 405, [("Allow", ", ".join(sorted(methods)))])
        # Path parameters arrive percent-encoded; media names keep their "/" separators.
        params = {key: "/".join(unquote(part) for part in value.split("/")) for key, value in match.groupdict().items()}
        return handler(sim, request, **params)
    return json_response({"type": "not-found", "description": f"No route for {request.path}"}, 404)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BandwidthSimulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server: SimulatorHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - the names BaseHTTPRequestHandler looks for
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET  # noqa: N815

    def _handle(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._write(json_response({"type": "length-required", "description": "send Content-Length"}, 411))
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            self._write(json_response({"type": "request-too-large", "description": "body too large"}, 413))
            return
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request.build(self.command, self.path, headers, body)
        try:
            response = route(self.server.simulator, request)
        except Exception:
            logger.exception("simulator failed on %s %s", self.command, request.path)
            response = json_response({"type": "simulator-error", "description": "the simulator crashed"}, 500)
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"HTTP/1.1 {response.status} {reason}", f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}"]
        if response.status not in (204, 304):
            lines.append(f"Content-Length: {len(response.body)}")
        if response.content_type:
            lines.append(f"Content-Type: {response.content_type}")
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body)
        logger.debug("%s %s -> %s", self.command, self.path, response.status)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        logger.debug("%s - " + format, self.address_string(), *args)


class SimulatorHTTPServer(HTTPServer):
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], simulator: Any) -> None:
        self.simulator = simulator
        self._lock = threading.Lock()
        self._connections: dict[threading.Thread, socket.socket] = {}
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's FQDN (slow on some machines); the name is unused.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self._serve, args=(request, client_address), daemon=True,
                                  name="bw-sim-connection")
        with self._lock:
            self._connections[thread] = request
        thread.start()

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_all(self, timeout: float = 5.0) -> None:
        """End every open connection (idle keep-alive ones included) and wait for their threads."""
        with self._lock:
            connections = list(self._connections.items())
        for _, sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread, _ in connections:
            thread.join(timeout)
