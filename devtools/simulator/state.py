"""What the simulator knows and remembers: credentials, tokens, applications, messages, media, callbacks,
and each account's fixtures (locations, 10DLC campaigns, toll-free verification and its webhook subscriptions).

One lock guards everything (calls are short); readers get copies, never the live dicts. With a state
file, everything but the callback log is saved as JSON (media base64) and loaded at start.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import os
import tempfile
import threading
import time
from collections import OrderedDict, deque
from typing import Any

FIXTURES = ("locations", "campaigns", "toll_free", "tfv_subscriptions")
STATUS_RANK = {"QUEUED": 0, "SENDING": 1, "RECEIVED": 2, "DELIVERED": 2, "FAILED": 2}


class State:
    def __init__(self, history: int = 100_000) -> None:
        self.lock = threading.RLock()
        self.history = history
        self.credentials: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.applications: dict[str, dict[str, Any]] = {}
        self.messages: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.tag_counts: dict[str, int] = {}
        self.media: dict[tuple[str, str], dict[str, Any]] = {}
        self.callbacks: deque[dict[str, Any]] = deque(maxlen=history)
        self.callback_seq = 0
        # Account fixtures, keyed by account id (see account_api and the admin API's /simulator/accounts/).
        self.locations: dict[str, list[dict[str, Any]]] = {}
        self.campaigns: dict[str, list[dict[str, Any]]] = {}
        self.toll_free: dict[str, dict[str, dict[str, Any]]] = {}
        self.tfv_subscriptions: dict[str, list[dict[str, Any]]] = {}
        self.dirty = False

    # -- credentials and tokens ------------------------------------------------------------------

    def closed(self) -> bool:
        """True once any credential is registered: from then on only registered ones are accepted."""
        return bool(self.credentials)

    def put_credential(self, username: str, password: str, *, auth_type: str, account_id: str | None,
                       roles: list[str] | None = None) -> None:
        with self.lock:
            self.credentials[username] = {"username": username, "password": password,
                                          "authType": auth_type, "accountId": account_id, "roles": roles}
            self.dirty = True

    def delete_credential(self, username: str) -> bool:
        with self.lock:
            self.dirty = True
            return self.credentials.pop(username, None) is not None

    def credential(self, username: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.credentials.get(username)
            return dict(found) if found else None

    def issue_token(self, token: str, *, client_id: str, account_id: str | None, lifetime: int) -> None:
        with self.lock:
            now = time.time()
            if len(self.tokens) > 10_000:
                self.tokens = {k: v for k, v in self.tokens.items() if v["expiresAt"] > now}
            self.tokens[token] = {"clientId": client_id, "accountId": account_id, "expiresAt": now + lifetime}
            self.dirty = True

    def token(self, token: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.tokens.get(token)
            return dict(found) if found and found["expiresAt"] > time.time() else None

    def revoke_tokens(self) -> int:
        with self.lock:
            count, self.tokens, self.dirty = len(self.tokens), {}, True
            return count

    # -- applications ----------------------------------------------------------------------------

    def put_application(self, app: dict[str, Any]) -> None:
        with self.lock:
            self.applications[app["applicationId"]] = app
            self.dirty = True

    def application(self, application_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.applications.get(application_id)
            return copy.deepcopy(found) if found else None

    def delete_application(self, application_id: str) -> bool:
        with self.lock:
            self.dirty = True
            return self.applications.pop(application_id, None) is not None

    def learn(self, application_id: str, *, account_id: str, number: str) -> None:
        """Remember which account and number a send used, so inbound messages find their way back."""
        with self.lock:
            app = self.applications.get(application_id)
            if app is None:
                return
            if not app.get("accountId"):
                app["accountId"] = account_id
            if number not in app["numbers"]:
                app["numbers"].append(number)

    def application_for_number(self, number: str) -> dict[str, Any] | None:
        """The application inbound messages to `number` go to: the one assigned to the SIP peer holding the
        number, else the one that registered or sent from it, else the only application there is."""
        with self.lock:
            found = self._owner(number)
            if found is None and len(self.applications) == 1:
                found = next(iter(self.applications.values()))
            return copy.deepcopy(found) if found else None

    def owner_of(self, number: str) -> dict[str, Any] | None:
        """The application that owns `number` (through a SIP peer, or registered/learned), or None."""
        with self.lock:
            found = self._owner(number)
            return copy.deepcopy(found) if found else None

    def _owner(self, number: str) -> dict[str, Any] | None:
        with self.lock:
            for sites in self.locations.values():
                for site in sites:
                    for peer in site["sipPeers"]:
                        if number in peer["numbers"] and peer.get("applicationId") in self.applications:
                            return self.applications[peer["applicationId"]]
            matches = [app for app in self.applications.values() if number in app["numbers"]]
            return matches[-1] if matches else None

    def peer_numbers(self, application_id: str) -> list[str]:
        """The numbers of the SIP peers the application is assigned to."""
        with self.lock:
            return [number for sites in self.locations.values() for site in sites for peer in site["sipPeers"]
                    if peer.get("applicationId") == application_id for number in peer["numbers"]]

    # -- account fixtures ------------------------------------------------------------------------

    def put_fixture(self, kind: str, account_id: str, value: Any) -> None:
        """Replace one account's locations, campaigns, toll_free or tfv_subscriptions."""
        with self.lock:
            getattr(self, kind)[account_id] = value
            self.dirty = True

    def fixture(self, kind: str, account_id: str, default: Any = None) -> Any:
        with self.lock:
            return copy.deepcopy(getattr(self, kind).get(account_id, default))

    # -- messages --------------------------------------------------------------------------------

    def add_message(self, record: dict[str, Any]) -> int:
        """Store an accepted or received message; return how often its tag has been accepted (0: no tag)."""
        with self.lock:
            self.messages[record["id"]] = record
            while len(self.messages) > self.history:
                self.messages.popitem(last=False)
            tag = record.get("tag") or ""
            if tag and record["direction"] == "out":
                self.tag_counts[tag] = self.tag_counts.get(tag, 0) + 1
            self.dirty = True
            return self.tag_counts.get(tag, 0) if tag else 0

    def set_status(self, message_id: str, recipient: str, status: str, error_code: int = 0) -> None:
        """Move one recipient's status forward (a late `message-sending` never undoes `DELIVERED`)."""
        with self.lock:
            record = self.messages.get(message_id)
            if record is None:
                return
            current = record["recipients"].get(recipient)
            if current and STATUS_RANK[current["status"]] >= STATUS_RANK[status]:
                return
            record["recipients"][recipient] = {"status": status, "errorCode": error_code}
            self.dirty = True

    def list_messages(self) -> list[dict[str, Any]]:
        with self.lock:
            out = copy.deepcopy(list(self.messages.values()))
            counts = dict(self.tag_counts)
        for record in out:
            record["tagCount"] = counts.get(record.get("tag") or "", 0) if record.get("tag") else 0
        return out

    def recent_messages(self, direction: str, limit: int) -> list[dict[str, Any]]:
        """The newest `limit` messages of a direction ("out", "in"), newest first."""
        with self.lock:
            found = []
            for record in reversed(self.messages.values()):
                if len(found) >= limit:
                    break
                if record["direction"] == direction:
                    found.append(copy.deepcopy(record))
            counts = dict(self.tag_counts)
        for record in found:
            record["tagCount"] = counts.get(record["tag"], 0) if record.get("tag") else 0
        return found

    def recent_callbacks(self, limit: int) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(list(itertools.islice(reversed(self.callbacks), limit)))

    def account_messages(self, account_id: str, message_id: str | None = None) -> list[dict[str, Any]]:
        """Shallow copies (the message object is never changed after acceptance), cheap enough for search."""
        with self.lock:
            if message_id is not None:
                found = self.messages.get(message_id)
                records = [found] if found else []
            else:
                records = list(self.messages.values())
            return [{**r, "recipients": {k: dict(v) for k, v in r["recipients"].items()}}
                    for r in records if r["accountId"] == account_id]

    def duplicate_tags(self) -> dict[str, int]:
        with self.lock:
            return {tag: count for tag, count in self.tag_counts.items() if count > 1}

    # -- media -----------------------------------------------------------------------------------

    def put_media(self, account_id: str, name: str, content: bytes, content_type: str) -> None:
        with self.lock:
            self.media[(account_id, name)] = {"content": content, "contentType": content_type,
                                              "created": time.time()}
            self.dirty = True

    def get_media(self, account_id: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            return self.media.get((account_id, name))

    def delete_media(self, account_id: str, name: str) -> bool:
        with self.lock:
            self.dirty = True
            return self.media.pop((account_id, name), None) is not None

    def list_media(self, account_id: str) -> list[tuple[str, int, str]]:
        with self.lock:
            return sorted((name, len(item["content"]), item["contentType"])
                          for (account, name), item in self.media.items() if account == account_id)

    # -- callbacks -------------------------------------------------------------------------------

    def add_callback(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.callback_seq += 1
            entry["id"] = self.callback_seq
            self.callbacks.append(entry)
            return entry

    def update_callback(self, entry: dict[str, Any], **changes: Any) -> None:
        with self.lock:
            attempt = changes.pop("attempt", None)
            if attempt:
                entry["attempts"].append(attempt)
            entry.update(changes)

    def list_callbacks(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(list(self.callbacks))

    # -- reset and persistence -------------------------------------------------------------------

    def reset(self, *, everything: bool = False) -> None:
        with self.lock:
            self.messages.clear()
            self.tag_counts.clear()
            self.media.clear()
            self.callbacks.clear()
            if everything:
                self.credentials.clear()
                self.tokens.clear()
                self.applications.clear()
                for kind in FIXTURES:
                    getattr(self, kind).clear()
            self.dirty = True

    def save(self, path: str) -> None:
        with self.lock:
            data = {
                "credentials": self.credentials,
                "tokens": self.tokens,
                "applications": self.applications,
                "messages": list(self.messages.values()),
                "tagCounts": self.tag_counts,
                **{kind: getattr(self, kind) for kind in FIXTURES},
                "media": [{"accountId": account, "name": name, "contentType": item["contentType"],
                           "created": item["created"], "content": base64.b64encode(item["content"]).decode()}
                          for (account, name), item in self.media.items()],
            }
            text = json.dumps(data)
            self.dirty = False
        folder = os.path.dirname(os.path.abspath(path))
        # Write then rename: a crash mid-write never leaves half a state file behind.
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, path)

    def load(self, path: str) -> None:
        """Load a state file written by save(); a missing file is an empty state."""
        if not os.path.exists(path):
            return
        with open(path) as handle:
            data = json.load(handle)
        with self.lock:
            self.credentials = data.get("credentials", {})
            self.tokens = data.get("tokens", {})
            self.applications = data.get("applications", {})
            self.messages = OrderedDict((m["id"], m) for m in data.get("messages", []))
            self.tag_counts = data.get("tagCounts", {})
            for kind in FIXTURES:
                setattr(self, kind, data.get(kind, {}))
            self.media = {(m["accountId"], m["name"]): {"content": base64.b64decode(m["content"]),
                                                        "contentType": m["contentType"], "created": m["created"]}
                          for m in data.get("media", [])}
