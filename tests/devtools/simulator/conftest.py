"""An embedded Bandwidth simulator, a tiny callback receiver, and the portal's client pointed at both.

Every server and thread started here is stopped when its test ends (see _no_threads_left).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.core.cache import cache

from devtools.simulator import Simulator, SimulatorConfig
from messaging.bandwidth import BandwidthClient, Credentials

ACCOUNT = "9900123"
APP_ID = "93de2206-9669-4e07-948d-329f4b722ee2"
OUR_NUMBER = "+19195550100"
THEIR_NUMBER = "+19195550199"
CLIENT_ID, CLIENT_SECRET = "client-id-123", "s3cret-Client-Secret-value-42"


class Receiver:
    """A callback endpoint: records what arrives; can demand Basic credentials or fail the first calls."""

    def __init__(self, *, username: str = "", password: str = "", challenge: bool = True,
                 fail_first: int = 0) -> None:
        self.username, self.password, self.challenge = username, password, challenge
        self.fail_first = fail_first
        self.calls: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, headers = receiver.answer(self.headers.get("Authorization"), body)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/bandwidth/token123/"

    def answer(self, authorization: str | None, body: list) -> tuple[int, list[tuple[str, str]]]:
        with self.lock:
            self.calls.append({"authorization": authorization, "body": body})
            if self.fail_first > 0:
                self.fail_first -= 1
                return 500, []
        if self.username:
            expected = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            if authorization != expected:
                return 401, [("WWW-Authenticate", 'Basic realm="portal"')] if self.challenge else []
        return 200, []

    def events(self, *, authorized_only: bool = False) -> list[dict]:
        """Events of the calls that were accepted (or all calls' events)."""
        with self.lock:
            calls = list(self.calls)
        if authorized_only:
            calls = [c for c in calls if c["authorization"]]
        return [event for call in calls for event in call["body"]]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(autouse=True)
def _no_threads_left():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
        if not left:
            return
        time.sleep(0.02)
    pytest.fail(f"threads left running: {[t.name for t in left]}")


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    """The client caches OAuth tokens in Redis through Django's cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def simulator():
    sim = Simulator(SimulatorConfig(port=0, seed=7, callback_retry_delay_ms=20)).start()
    yield sim
    sim.stop()


@pytest.fixture
def receiver():
    rx = Receiver()
    yield rx
    rx.stop()


@pytest.fixture
def app(simulator, receiver):
    """The portal's messaging application at the simulator, calling `receiver` back."""
    return simulator.register_application(APP_ID, callback_url=receiver.url, account_id=ACCOUNT)


@pytest.fixture
def session():
    with requests.Session() as s:
        s.trust_env = False
        yield s


@pytest.fixture
def bw(simulator, session):
    """The portal's own Bandwidth client, OAuth credentials, both base URLs at the simulator."""
    return BandwidthClient(Credentials(account_id=ACCOUNT, username=CLIENT_ID, password=CLIENT_SECRET),
                           messaging_api_url=simulator.api_url, oauth_token_url=simulator.token_url,
                           session=session)


@pytest.fixture
def token(simulator, session) -> str:
    answer = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET),
                          data={"grant_type": "client_credentials"})
    return answer.json()["access_token"]


@pytest.fixture
def api(simulator, session, token):
    """requests against the simulator's Bandwidth API with a bearer token: api("POST", "/messages", json=...)."""
    def call(method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return session.request(method, f"{simulator.api_url}/users/{ACCOUNT}{path}", headers=headers, **kwargs)
    return call


def send_body(**overrides) -> dict:
    return {"applicationId": APP_ID, "to": [THEIR_NUMBER], "from": OUR_NUMBER, "text": "Hello", "tag": "msg-1",
            **overrides}


def wait_for(predicate, timeout: float = 3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")
