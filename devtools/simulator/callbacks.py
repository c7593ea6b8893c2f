"""Calling the applications' callback URLs back, the way Bandwidth does.

Each event goes out as a one-element JSON array: inbound messages to the application's inbound callback URL,
status events to its outbound (status) callback URL, each with its own credentials. With callback
credentials the first call carries no Authorization; only a 401 with a `WWW-Authenticate: Basic`
challenge earns the repeat with HTTP Basic.
A non-2xx answer or a connection error is retried `callback_retries` times with doubling delays.
Faults: a delivered event may be sent a second time (duplicate rate); with reordering, the final
event of an MMS/group message goes out before its `message-sending`.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from devtools.simulator import shapes
from devtools.simulator.config import SimulatorConfig
from devtools.simulator.faults import Faults, failure_description
from devtools.simulator.state import State

logger = logging.getLogger(__name__)
USER_AGENT = "BandwidthSimulator/1.0 (callbacks)"


class Scheduler:
    """Runs functions after a delay on a thread pool; `wait_idle` waits until nothing is due or running."""

    def __init__(self, workers: int) -> None:
        self._heap: list[tuple[float, int, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._pending = 0
        self._generation = 0
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bw-sim-callback")
        self._thread = threading.Thread(target=self._loop, name="bw-sim-scheduler", daemon=True)
        self._thread.start()

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        with self._cond:
            if self._stopping:
                return
            self._pending += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._counter), self._generation, fn))
            self._cond.notify_all()

    def cancel_all(self) -> None:
        """Forget everything not yet started (running calls finish)."""
        with self._cond:
            self._pending -= len(self._heap)
            self._heap.clear()
            self._generation += 1
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return self._pending

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def stop(self) -> None:
        self.cancel_all()
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        with self._cond:
            while not self._stopping:
                if not self._heap:
                    self._cond.wait()
                    continue
                due = self._heap[0][0] - time.monotonic()
                if due > 0:
                    self._cond.wait(due)
                    continue
                _, _, generation, fn = heapq.heappop(self._heap)
                if generation != self._generation:
                    continue
                self._pool.submit(self._run, fn)

    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            logger.exception("simulator callback job failed")
        finally:
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()


class Dispatcher:
    def __init__(self, *, state: State, faults: Faults, config: SimulatorConfig) -> None:
        self.state, self.faults, self.config = state, faults, config
        self.scheduler = Scheduler(config.callback_workers)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []

    def stop(self) -> None:
        self.scheduler.stop()
        for session in self._sessions:
            session.close()

    def schedule_outbound(self, record: dict[str, Any]) -> list[str]:
        """Plan the events of an accepted send now (seeded decisions), post them after the delay.
        Returns the recipients it will be delivered to."""
        message = record["message"]
        group_or_mms = len(message["to"]) > 1 or bool(message["media"])
        sending, final = [], []
        for recipient in message["to"]:
            if group_or_mms:
                sending.append(shapes.status_event("message-sending", message, to=recipient))
            code = self.faults.delivery_error(recipient)
            if code is None:
                final.append(shapes.status_event("message-delivered", message, to=recipient))
            else:
                final.append(shapes.status_event("message-failed", message, to=recipient, error_code=code,
                                                 description=failure_description(code)))
        events = final + sending if self.config.reorder_callbacks else sending + final
        self._schedule_chain(record["applicationId"], events)
        return [event["to"] for event in final if event["type"] == "message-delivered"]

    def schedule_inbound(self, application_id: str, event: dict[str, Any]) -> None:
        self._schedule_chain(application_id, [event])

    def _schedule_chain(self, application_id: str, events: list[dict[str, Any]]) -> None:
        duplicates = [self.faults.duplicate() for _ in events]
        delay = self.config.callback_delay_ms / 1000
        self.scheduler.call_later(delay, lambda: self._run_chain(application_id, events, duplicates))

    def _run_chain(self, application_id: str, events: list[dict[str, Any]], duplicates: list[bool]) -> None:
        app = self.state.application(application_id)
        for event, duplicate in zip(events, duplicates, strict=True):
            event["time"] = shapes.iso_now()
            _apply_status(self.state, event)
            url, username, password = callback_target(app, event["type"]) if app else ("", "", "")
            if not url:
                continue
            for copy_number in range(2 if duplicate else 1):
                entry = self.state.add_callback({
                    "applicationId": application_id, "url": url, "type": event["type"],
                    "messageId": event["message"]["id"], "to": event["to"], "events": [event],
                    "duplicate": copy_number == 1, "state": "pending", "attempts": [],
                })
                self._attempt(entry, (username, password), retry=0)

    def post_later(self, entry: dict[str, Any], credentials: tuple[str, str]) -> None:
        """Deliver a logged callback entry whose `body` is already set (toll-free verification status),
        after the callback delay, with the same retries and Basic challenge as message callbacks."""
        logged = self.state.add_callback({**entry, "duplicate": False, "state": "pending", "attempts": []})
        self.scheduler.call_later(self.config.callback_delay_ms / 1000,
                                  lambda: self._attempt(logged, credentials, retry=0))

    def _attempt(self, entry: dict[str, Any], credentials: tuple[str, str], *, retry: int) -> None:
        if self._post(entry, credentials):
            self.state.update_callback(entry, state="delivered")
        elif retry < self.config.callback_retries:
            delay = self.config.callback_retry_delay_ms / 1000 * (2 ** retry)
            self.scheduler.call_later(delay, lambda: self._attempt(entry, credentials, retry=retry + 1))
        else:
            self.state.update_callback(entry, state="failed")

    def _post(self, entry: dict[str, Any], credentials: tuple[str, str]) -> bool:
        body = json.dumps(entry["body"] if "body" in entry else entry["events"]).encode()
        username, password = credentials
        response = self._send(entry, body, None)
        if response is None:
            return False
        if response.status_code == 401 and username:
            challenge = response.headers.get("WWW-Authenticate", "")
            if not challenge.lower().startswith("basic"):
                self._note(entry, "401 without a 'WWW-Authenticate: Basic' challenge: credentials not sent")
                return False
            response = self._send(entry, body, (username, password))
            if response is None:
                return False
        return 200 <= response.status_code < 300

    def _send(self, entry: dict[str, Any], body: bytes, auth: tuple[str, str] | None) -> requests.Response | None:
        attempt: dict[str, Any] = {"time": shapes.iso_now(), "authorization": "basic" if auth else "none",
                                   "status": None, "error": None}
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # callback URLs are local: no proxy from the environment
            self._sessions.append(session)
        try:
            response = session.post(
                entry["url"], data=body, auth=auth, timeout=self.config.callback_timeout, allow_redirects=False,
                headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
            )
            response.content  # noqa: B018 - read the answer so the connection goes back to the pool
            attempt["status"] = response.status_code
            return response
        except requests.RequestException as exc:
            attempt["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            return None
        finally:
            self.state.update_callback(entry, attempt=attempt)

    def _note(self, entry: dict[str, Any], note: str) -> None:
        self.state.update_callback(entry, note=note)


def callback_target(app: dict[str, Any], event_type: str) -> tuple[str, str, str]:
    """(url, username, password) an event of this type goes to; url "" when it is not sent.

    Inbound messages go to the InboundCallbackUrl, status events to the OutboundCallbackUrl (only the
    RequestedCallbackTypes when the application lists some). An application registered through the admin
    API without an outbound URL has every event go to its one callback URL.
    """
    inbound = (app.get("callbackUrl") or "", app.get("callbackUsername") or "", app.get("callbackPassword") or "")
    if event_type == "message-received" or "outboundCallbackUrl" not in app:
        return inbound
    requested = app.get("requestedCallbackTypes") or []
    if requested and event_type not in requested:
        return "", "", ""
    return (app.get("outboundCallbackUrl") or "", app.get("outboundCallbackUsername") or "",
            app.get("outboundCallbackPassword") or "")


def _apply_status(state: State, event: dict[str, Any]) -> None:
    kind, message_id, to = event["type"], event["message"]["id"], event["to"]
    if kind == "message-sending":
        state.set_status(message_id, to, "SENDING")
    elif kind == "message-delivered":
        state.set_status(message_id, to, "DELIVERED")
    elif kind == "message-failed":
        state.set_status(message_id, to, "FAILED", event.get("errorCode") or 0)
