"""The Simulator: state, faults, callback dispatcher and HTTP server, started and stopped together.

    with Simulator(SimulatorConfig(port=0, seed=1)) as sim:      # or sim = Simulator(...).start(); sim.stop()
        sim.register_application(APP_ID, callback_url="http://127.0.0.1:8000/webhooks/bandwidth/<token>/")
        BandwidthClient(creds, messaging_api_url=sim.api_url, oauth_token_url=sim.token_url).send_message(...)
        sim.wait_idle()
        sim.messages(), sim.callbacks()
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

from devtools.simulator import fixtures, inbound
from devtools.simulator.admin_api import validate_numbers
from devtools.simulator.callbacks import Dispatcher
from devtools.simulator.config import RUNTIME_FIELDS, SimulatorConfig
from devtools.simulator.faults import Faults
from devtools.simulator.server import SimulatorHTTPServer
from devtools.simulator.state import State

logger = logging.getLogger(__name__)
SAVE_EVERY_SECONDS = 2.0
ROLES = ("numbers", "campaign", "tfv")
SNAKE_TO_CAMEL = {attr: key for key, attr in RUNTIME_FIELDS.items()}


class Simulator:
    def __init__(self, config: SimulatorConfig | None = None, **overrides: Any) -> None:
        base = config or SimulatorConfig()
        self.config = dataclasses.replace(base, **overrides) if overrides else base.copy()
        self._initial = self.config.copy()
        self._config_lock = threading.Lock()
        self.state = State(self.config.history)
        self.faults = Faults(self.config)
        self.dispatcher: Dispatcher | None = None
        self._server: SimulatorHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Simulator:
        """Listen and serve in background threads; returns self. Raises OSError if the port is taken."""
        if self.config.state_file:
            self.state.load(self.config.state_file)
        self.dispatcher = Dispatcher(state=self.state, faults=self.faults, config=self.config)
        try:
            self._server = SimulatorHTTPServer((self.config.host, self.config.port), self)
        except OSError:
            self.dispatcher.stop()
            raise
        self._spawn(self._server.serve_forever, "bw-sim-http", 0.05)
        if self.config.state_file:
            self._spawn(self._save_periodically, "bw-sim-save")
        logger.info("Bandwidth simulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving, end open connections, drop callbacks not yet sent, save the state file."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_all()
            self._server.server_close()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        for thread in self._threads:
            thread.join(5)
        if self.config.state_file:
            self.state.save(self.config.state_file)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def request_stop(self) -> None:
        """Ask serve_until_interrupted() to return (safe from a signal handler)."""
        self._stopping.set()

    def serve_until_interrupted(self) -> None:
        """Block until Ctrl-C or request_stop(), then stop."""
        try:
            while not self._stopping.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def _spawn(self, target: Any, name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _save_periodically(self) -> None:
        while not self._stopping.wait(SAVE_EVERY_SECONDS):
            if self.state.dirty:
                try:
                    self.state.save(self.config.state_file)
                except OSError:
                    logger.exception("could not save the simulator state file")

    # -- addresses -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self.config.port

    @property
    def base_url(self) -> str:
        host = self.config.host
        if host in ("", "0.0.0.0"):  # noqa: S104 - only rewriting a wildcard address into a usable one
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def public_url(self) -> str:
        """Where media URLs point: --public-url, or base_url (the portal must reach the same origin)."""
        return (self.config.public_url or self.base_url).rstrip("/")

    @property
    def api_url(self) -> str:
        return f"{self.public_url}/api/v2"

    @property
    def token_url(self) -> str:
        return f"{self.public_url}/api/v1/oauth2/token"

    # -- control (the admin API calls these too) ------------------------------------------------

    def configure(self, **changes: Any) -> None:
        """Change runtime settings (camelCase or snake_case names); all or nothing. Raises ValueError."""
        data = {SNAKE_TO_CAMEL.get(key, key): value for key, value in changes.items()}
        with self._config_lock:
            self.config.update(data)
            if "seed" in data:
                self.faults.reseed(self.config.seed)

    def register_application(self, application_id: str, *, callback_url: str = "", callback_username: str = "",
                             callback_password: str = "", account_id: str | None = None,
                             numbers: Any = None, location: str | None = None,
                             status_callback_url: str | None = None, status_callback_username: str = "",
                             status_callback_password: str = "") -> dict[str, Any]:
        """Register (or replace) a messaging application and where its callbacks go. Raises ValueError.

        Status callbacks go to `status_callback_url` (Bandwidth's OutboundCallbackUrl) with its own
        credentials; without one, to `callback_url` with the same credentials. The name, service type and
        requested callback types set through the account API are kept.
        """
        for url in (callback_url, status_callback_url or ""):
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise ValueError("callbackUrl must be an http:// or https:// URL")
        if (callback_password and not callback_username) or (status_callback_password and not status_callback_username):
            raise ValueError("callbackPassword needs callbackUsername")
        if location is not None and not isinstance(location, str):
            raise ValueError("location must be a string (the Bandwidth location id)")
        if status_callback_url is None:
            status_callback_url, status_callback_username, status_callback_password = (
                callback_url, callback_username, callback_password)
        previous = self.state.application(application_id) or {}
        app = {
            "applicationId": application_id, "callbackUrl": callback_url,
            "callbackUsername": callback_username, "callbackPassword": callback_password,
            "outboundCallbackUrl": status_callback_url, "outboundCallbackUsername": status_callback_username,
            "outboundCallbackPassword": status_callback_password,
            "appName": previous.get("appName") or "Simulator application",
            "serviceType": previous.get("serviceType") or "Messaging-V2",
            "requestedCallbackTypes": previous.get("requestedCallbackTypes", []),
            "accountId": str(account_id).strip() if account_id else previous.get("accountId"),
            "numbers": validate_numbers(numbers) if numbers else previous.get("numbers", []),
            # The location (sub-account "site" and SIP peer) the numbers sit in: message search reports it.
            "location": location or previous.get("location"),
        }
        self.state.put_application(app)
        return app

    def add_credential(self, username: str, secret: str, *, auth_type: str = "oauth",
                       account_id: str | None = None, roles: list[str] | None = None) -> None:
        """Register a Client ID/Secret (oauth) or legacy user; from then on only registered ones work.

        `roles` (some of "numbers", "campaign", "tfv"): the account API answers 403 for a call needing a
        role the credential lacks; None gives every role.
        """
        if auth_type not in ("oauth", "legacy"):
            raise ValueError("authType must be 'oauth' or 'legacy'")
        if not username or not secret:
            raise ValueError("a credential needs a name and a secret")
        if roles is not None and (not isinstance(roles, list) or not set(roles) <= set(ROLES)):
            raise ValueError(f"roles must be a list of: {', '.join(ROLES)}")
        self.state.put_credential(username, secret, auth_type=auth_type, account_id=account_id, roles=roles)

    # -- account fixtures (the admin API's /simulator/accounts/{id}/... calls these) ----------------

    def set_locations(self, account_id: str, data: Any) -> list[dict[str, Any]]:
        """Replace the account's sites and SIP peers ({"sites": [...]}, see fixtures.clean_locations)."""
        sites = fixtures.clean_locations(data)
        self.state.put_fixture("locations", account_id, sites)
        return sites

    def set_campaigns(self, account_id: str, data: Any) -> list[dict[str, Any]]:
        """Replace the account's 10DLC campaigns ({"campaigns": [...]})."""
        campaigns = fixtures.clean_campaigns(data, account_id)
        self.state.put_fixture("campaigns", account_id, campaigns)
        return campaigns

    def set_toll_free(self, account_id: str, data: Any) -> dict[str, dict[str, Any]]:
        """Replace the account's toll-free verification statuses ({"numbers": {"+1833...": {"status"}}});
        each number whose status became VERIFIED or UNVERIFIED is reported to the account's TFV webhook
        subscriptions."""
        with self.state.lock:
            previous = self.state.fixture("toll_free", account_id, {})
            numbers = fixtures.clean_toll_free(data, previous)
            self.state.put_fixture("toll_free", account_id, numbers)
        for number, record in numbers.items():
            if record["status"] != previous.get(number, {}).get("status") and record["status"] != "PENDING":
                self._tfv_callbacks(account_id, record)
        return numbers

    def _tfv_callbacks(self, account_id: str, record: dict[str, Any]) -> None:
        body: dict[str, Any] = {"accountId": account_id, "phoneNumber": record["phoneNumber"],
                                "status": record["status"], "internalTicketNumber": record["internalTicketNumber"]}
        if record["status"] == "UNVERIFIED":
            body.update(declineReasonDescription=record["declineReason"] or "Declined in the simulator",
                        denialStatusCode=record["denialStatusCode"] or 0, resubmitAllowed=True)
        for subscription in self.state.fixture("tfv_subscriptions", account_id, []):
            if self.dispatcher is None:
                return
            self.dispatcher.post_later(
                {"applicationId": "", "url": subscription["callbackUrl"], "type": "tfv-status",
                 "messageId": "", "to": record["phoneNumber"], "events": [], "body": body},
                (subscription.get("username") or "", subscription.get("password") or ""),
            )

    def inject_inbound(self, *, to: str | list[str], from_: str, text: str = "", media: list[str] | None = None,
                       picture: bool = False, application_id: str | None = None,
                       account_id: str | None = None) -> dict[str, Any]:
        """Inject an inbound message; return its message-received event. Raises inbound.InjectError."""
        return inbound.inject(self, {"to": to, "from": from_, "text": text, "media": media or [],
                                     "picture": picture, "applicationId": application_id,
                                     "accountId": account_id})

    def reset(self, *, everything: bool = False) -> None:
        """Forget recorded traffic and pending callbacks; `everything` also clears applications,
        credentials and tokens and restores the starting fault settings."""
        if self.dispatcher is not None:
            self.dispatcher.scheduler.cancel_all()
        self.state.reset(everything=everything)
        if everything:
            initial = self._initial.copy()
            with self._config_lock:
                for field in dataclasses.fields(initial):
                    setattr(self.config, field.name, getattr(initial, field.name))
                self.faults.reseed(self.config.seed)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no callback is due or being sent; False on timeout."""
        return self.dispatcher.scheduler.wait_idle(timeout) if self.dispatcher else True

    def messages(self, direction: str = "out") -> list[dict[str, Any]]:
        return [m for m in self.state.list_messages() if direction == "all" or m["direction"] == direction]

    def callbacks(self) -> list[dict[str, Any]]:
        return self.state.list_callbacks()
