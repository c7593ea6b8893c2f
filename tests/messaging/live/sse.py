"""A small text/event-stream reader for the tests: one HTTP connection, events read with a deadline."""

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Received:
    id: str
    type: str
    data: dict


class EventStream:
    def __init__(self, base_url: str, path: str, *, session: str = "", last_event_id: str = ""):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        headers = {"Accept": "text/event-stream"}
        if session:
            headers["Cookie"] = f"sessionid={session}"
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.content_type = self.response.getheader("Content-Type", "")

    def next_event(self, within: float = 5.0) -> Received:
        """The next event (comments and `retry` skipped); TimeoutError when none comes within `within` s,
        EOFError when the server ends the stream."""
        deadline = time.monotonic() + within
        fields: dict[str, str] = {}
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no event in time")
            self.connection.sock.settimeout(remaining)
            line = self.response.readline()
            if not line:
                raise EOFError("the stream ended")
            line = line.decode().rstrip("\n")
            if line == "":
                if "event" in fields:
                    return Received(fields.get("id", ""), fields["event"], json.loads(fields.get("data", "{}")))
                fields = {}
                continue
            name, _, value = line.partition(":")
            if name:
                fields[name] = value.removeprefix(" ")

    def close(self) -> None:
        self.connection.close()
