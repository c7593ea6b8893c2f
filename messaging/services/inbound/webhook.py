"""The webhook's hot path: check, parse and store Bandwidth's callbacks, then hand them to a task.

Nothing here talks to Bandwidth, downloads media or evaluates rules: Bandwidth waits for our answer.
"""

import hmac
import json
import math
import re
from base64 import b64decode
from binascii import Error as Base64Error

from django.conf import settings
from django.db import connection, transaction

from messaging.exceptions import CallbackRejected
from messaging.models import WebhookEvent
from messaging.services.inbound import handoff

# A surrogate can only enter through a \uD800-\uDFFF escape: only then is the parsed body checked.
ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
IDENTITY_LIMITS = {"type": 40, "message_id": 64, "to": 32, "time": 40}
MAX_EVENTS = 1000


def credentials_match(authorization: str | None, *, username: str, password: str) -> bool:
    """Whether an HTTP Basic header carries exactly these credentials (constant-time comparison)."""
    if not authorization or not authorization.startswith("Basic "):
        return False
    try:
        given_user, _, given_password = b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
    except (Base64Error, UnicodeDecodeError, ValueError):
        return False
    user_ok = hmac.compare_digest(given_user.encode(), username.encode())
    password_ok = hmac.compare_digest(given_password.encode(), password.encode())
    return user_ok and password_ok


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _holds_lone_surrogate(parsed) -> bool:
    try:
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_callbacks(body: bytes) -> list[dict]:
    """Bandwidth's JSON: a list of event objects (a single object is accepted too).

    Raises CallbackRejected(413 or 400) with the reason; never anything else for bad input: a body that is
    not UTF-8, not JSON, holds a NUL or a lone surrogate (both valid JSON, neither storable text) is 400.
    """
    if len(body) > settings.WEBHOOK_MAX_BODY_BYTES:
        raise CallbackRejected(413, f"Body over {settings.WEBHOOK_MAX_BODY_BYTES} bytes.")
    try:
        text = body.decode("utf-8")
        # PostgreSQL's jsonb cannot hold \u0000; refuse it here rather than fail at insert.
        if "\\u0000" in text or "\x00" in text:
            raise ValueError("NUL character")
        parsed = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CallbackRejected(400, f"The body is not valid JSON ({exc.__class__.__name__}).") from None
    if ESCAPED_SURROGATE.search(text) and _holds_lone_surrogate(parsed):
        # Valid JSON to Python, but not text: PostgreSQL cannot store it, so the body can never be accepted.
        # A 400 (not a 500) tells Bandwidth to stop retrying it for 24 hours.
        raise CallbackRejected(400, "The body holds a lone UTF-16 surrogate (an escape such as \\ud800 "
                                    "without its pair), which is not text.")
    events = [parsed] if isinstance(parsed, dict) else parsed
    if not isinstance(events, list) or not events:
        raise CallbackRejected(400, "Expected a JSON array of event objects.")
    if len(events) > MAX_EVENTS:
        raise CallbackRejected(400, f"At most {MAX_EVENTS} events per request.")
    for index, event in enumerate(events):
        _check_event(index, event)
    return events


def _check_event(index: int, event) -> None:
    if not isinstance(event, dict):
        raise CallbackRejected(400, f"Event {index} is not an object.")
    if not isinstance(event.get("type"), str) or not event["type"]:
        raise CallbackRejected(400, f'Event {index} has no "type".')
    message = event.get("message", {})
    if not isinstance(message, dict):
        raise CallbackRejected(400, f'Event {index}: "message" is not an object.')
    for key, value in (
        ("type", event["type"]),
        ("message_id", message.get("id", "")),
        ("to", event.get("to", "")),
        ("time", event.get("time", "")),
    ):
        if not isinstance(value, str):
            raise CallbackRejected(400, f'Event {index}: "{key}" must be a string.')
        if len(value) > IDENTITY_LIMITS[key]:
            raise CallbackRejected(400, f'Event {index}: "{key}" is longer than {IDENTITY_LIMITS[key]} characters.')


def identity(event: dict) -> tuple[str, str, str, str]:
    """(type, carrier message id, recipient, event time): one event, however often it is delivered."""
    message = event.get("message") or {}
    return event["type"], message.get("id", ""), event.get("to", ""), event.get("time", "")


INSERT_SQL = (
    f"INSERT INTO {WebhookEvent._meta.db_table} "
    "(configuration_id, event_type, carrier_message_id, recipient, event_time, payload, received_at, state, "
    "attempts, note) "
    "SELECT %s, e.etype, e.mid, e.rcpt, e.etime, e.payload, now(), 'pending', 0, '' "
    "FROM jsonb_to_recordset(%s::jsonb) AS e(etype text, mid text, rcpt text, etime text, payload jsonb) "
    "ON CONFLICT ON CONSTRAINT webhook_event_identity DO NOTHING RETURNING id"
)


def record_callbacks(*, configuration_id: int, events: list[dict]) -> tuple[int, int]:
    """Store each event once in the current tenant's inbox and queue its processing after commit.

    One INSERT for the whole request; events already stored (Bandwidth redelivers) are skipped by the
    unique identity; the stored ones go to messaging.process_callbacks in batches. Returns (stored,
    duplicates). When this returns, the rows are committed.
    """
    rows = [
        dict(zip(("etype", "mid", "rcpt", "etime"), identity(event), strict=True), payload=event) for event in events
    ]
    schema_name = connection.schema_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, [configuration_id, json.dumps(rows)])
        stored_ids = [row[0] for row in cursor.fetchall()]
        transaction.on_commit(lambda: handoff.callbacks_stored(schema_name=schema_name, event_ids=stored_ids))
    return len(stored_ids), len(events) - len(stored_ids)
