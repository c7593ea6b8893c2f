"""Injecting an inbound SMS/MMS: store it, put its media under the account, and call the application back
with `message-received` (media URLs point at the simulator's own media API, so the portal downloads
them with the same credentials it sends with)."""

from __future__ import annotations

import struct
import zlib
from typing import Any
from urllib.parse import quote

from devtools.simulator import shapes
from devtools.simulator.config import E164_RE


class InjectError(ValueError):
    """The injection request cannot be carried out; the message says why."""


def inject(sim: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Inject one inbound message from the admin API's JSON; return the message-received event.

    Raises InjectError for a bad request (unknown application, bad numbers, unknown media).
    """
    to = data.get("to")
    to = [to] if isinstance(to, str) else to
    from_, text = data.get("from"), data.get("text") or ""
    if not isinstance(to, list) or not to or not all(isinstance(n, str) and E164_RE.match(n) for n in to):
        raise InjectError("'to' must be an E.164 number or a list of them (the first is our number)")
    if not isinstance(from_, str) or not E164_RE.match(from_):
        raise InjectError("'from' must be an E.164 number")
    if not isinstance(text, str):
        raise InjectError("'text' must be a string")
    names = data.get("media") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InjectError("'media' must be a list of media names stored in the simulator")
    app = _application(sim, data.get("applicationId"), to[0])
    account_id = str(data.get("accountId") or app.get("accountId") or "")
    if not account_id:
        raise InjectError("the application has no accountId yet: register it with one, or pass accountId")
    if not text and not names and not data.get("picture"):
        raise InjectError("give 'text', 'media' or 'picture'")

    message_id = shapes.message_id()
    files = [_stored(sim, account_id, name) for name in names]
    if data.get("picture"):
        files.append(("picture.png", sample_png(), "image/png"))
    urls = []
    for index, (name, content, content_type) in enumerate(files):
        media_name = f"{message_id}/{index}/{name.rsplit('/', 1)[-1]}"
        sim.state.put_media(account_id, media_name, content, content_type)
        urls.append(f"{sim.public_url}/api/v2/users/{quote(account_id, safe='')}/media/"
                    + "/".join(quote(part, safe="") for part in media_name.split("/")))

    now = shapes.iso_now()
    message = {
        "id": message_id, "time": now, "to": to, "from": from_, "text": text,
        "applicationId": app["applicationId"], "media": urls, "owner": to[0], "direction": "in",
        "segmentCount": shapes.segment_count(text),
    }
    sim.state.add_message({
        "id": message_id, "direction": "in", "accountId": account_id, "applicationId": app["applicationId"],
        "receivedAt": now, "body": None, "message": message, "tag": "", "dropped": False,
        "recipients": {to[0]: {"status": "RECEIVED", "errorCode": 0}},
    })
    event = {"type": "message-received", "time": now, "description": "Incoming message received",
             "to": to[0], "message": message}
    sim.dispatcher.schedule_inbound(app["applicationId"], event)
    return event


def loop_back(sim: Any, record: dict[str, Any], *, to: str, app: dict[str, Any]) -> dict[str, Any]:
    """Deliver a sent message to `to`, a number of one of the simulator's applications, as that
    application's inbound message (message-received after the callback delay); return the event.

    The media URLs are the ones the sender gave; a group message lists the other recipients after `to`.
    """
    sent = record["message"]
    message_id = shapes.message_id()
    now = shapes.iso_now()
    account_id = app.get("accountId") or record["accountId"]
    message = {
        "id": message_id, "time": now, "to": [to, *(n for n in sent["to"] if n != to)], "from": sent["from"],
        "text": sent.get("text") or "", "applicationId": app["applicationId"], "media": list(sent["media"]),
        "owner": to, "direction": "in", "segmentCount": sent.get("segmentCount") or shapes.segment_count(
            sent.get("text") or ""),
    }
    sim.state.add_message({
        "id": message_id, "direction": "in", "accountId": account_id, "applicationId": app["applicationId"],
        "receivedAt": now, "body": None, "message": message, "tag": "", "dropped": False, "loopback": True,
        "recipients": {to: {"status": "RECEIVED", "errorCode": 0}},
    })
    event = {"type": "message-received", "time": now, "description": "Incoming message received",
             "to": to, "message": message}
    sim.dispatcher.schedule_inbound(app["applicationId"], event)
    return event


def _application(sim: Any, application_id: Any, number: str) -> dict[str, Any]:
    if application_id:
        app = sim.state.application(str(application_id))
        if app is None:
            raise InjectError(f"unknown application {application_id!r}: register it with PUT "
                              "/simulator/applications/{id} first")
        return app
    app = sim.state.application_for_number(number)
    if app is None:
        raise InjectError(f"no application is known for {number}: pass applicationId, or register the "
                          "application with this number in 'numbers'")
    return app


def _stored(sim: Any, account_id: str, name: str) -> tuple[str, bytes, str]:
    item = sim.state.get_media(account_id, name)
    if item is None:
        raise InjectError(f"no media named {name!r} under account {account_id}: upload it first "
                          "(PUT /api/v2/users/{accountId}/media/{name})")
    return name, item["content"], item["contentType"]


def sample_png(size: int = 48) -> bytes:
    """A small valid PNG (a colour gradient) made with the standard library only."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // size, y * 255 // size, 160)) for x in range(size))
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
