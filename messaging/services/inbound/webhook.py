"""The webhook's hot path: check, parse and store Bandwidth's callbacks, then hand them to a task.

Nothing here talks to Bandwidth, downloads media or evaluates rules: Bandwidth waits for our answer.
Plain SQL and no transaction: one SELECT finds the token, its tenant's schema and the callback credentials'
hash in the public schema; one INSERT (atomic and committed when it returns, in autocommit) stores the events
in the tenant's inbox by qualified name, so no `SET search_path` is needed for the tenant either.
See docs/benchmarks.md, "Webhook ingest", for what each step cost.
"""

import hmac
import json
import math
import re
from base64 import b64decode
from binascii import Error as Base64Error
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import quote_schema_name

from messaging.exceptions import CallbackRejected
from messaging.fields import decrypt
from messaging.models import SmsConfiguration, WebhookEvent
from messaging.services.configuration import callback_credentials
from messaging.services.inbound import handoff

# A surrogate can only enter through a \uD800-\uDFFF escape: only then is the parsed body checked.
ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
IDENTITY_LIMITS = {"type": 40, "message_id": 64, "to": 32, "time": 40}
MAX_EVENTS = 1000


class Endpoint(NamedTuple):
    """A webhook token's public row: where its callbacks go and the credentials they must carry."""

    id: int
    configuration_id: int
    schema_name: str
    callback_username: str | None  # None: not known on the row; check against the configuration
    credentials_hash: str | None


ENDPOINT_SQL = (
    "SELECT e.id, e.configuration_id, t.schema_name, e.callback_username, e.callback_credentials_hash "
    "FROM public.tenants_webhookendpoint e JOIN public.tenants_tenant t ON t.id = e.tenant_id WHERE e.token = %s"
)


def get_endpoint(token: str) -> Endpoint | None:
    """The endpoint of a webhook token, or None when no configuration has it (one query, public schema)."""
    with connection.cursor() as cursor:
        cursor.execute(ENDPOINT_SQL, [token])
        row = cursor.fetchone()
    return Endpoint(*row) if row else None


def accepts_callback(endpoint: Endpoint, authorization: str | None) -> bool:
    """Whether a callback with this Authorization header may be stored (False: answer 401 with a challenge).

    Checked against the hash on the public row, without a decrypt. When the row does not know the credentials
    (NULL) or a header does not match its hash, the configuration itself decides, as the truth, and a match
    is written back to the row: that covers rows no service has written yet and a changed SECRET_KEY (the key
    of the hash). Raises CallbackRejected(404) when the configuration is gone.
    """
    if endpoint.credentials_hash is not None and endpoint.callback_username is not None:
        if not endpoint.callback_username:
            return True
        if callback_credentials.header_matches(authorization, endpoint.credentials_hash):
            return True
        if not authorization:
            return False
    return _accepts_by_configuration(endpoint, authorization)


def _accepts_by_configuration(endpoint: Endpoint, authorization: str | None) -> bool:
    table = f"{quote_schema_name(endpoint.schema_name)}.{SmsConfiguration._meta.db_table}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT callback_username, callback_password FROM {table} WHERE id = %s",
                       [endpoint.configuration_id])
        row = cursor.fetchone()
        if row is None:
            raise CallbackRejected(404, "Unknown webhook URL.")
        username, stored_password = row
        password = decrypt(stored_password) if stored_password else ""
        if username and not credentials_match(authorization, username=username, password=password):
            return False
        fields = callback_credentials.endpoint_fields(username=username, password=password)
        # Only over what this request read: a service that changed the row meanwhile (or is changing it,
        # holding its lock) wins, so rotated-out credentials are never written back.
        cursor.execute(
            "UPDATE public.tenants_webhookendpoint SET callback_username = %s, callback_credentials_hash = %s "
            "WHERE id = %s AND callback_username IS NOT DISTINCT FROM %s "
            "AND callback_credentials_hash IS NOT DISTINCT FROM %s",
            [fields["callback_username"], fields["callback_credentials_hash"], endpoint.id,
             endpoint.callback_username, endpoint.credentials_hash],
        )
    return True


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


class Callbacks(NamedTuple):
    events: list[dict]
    json: str  # the same events as a JSON array, as received: stored without dumping them again


def parse_callbacks(body: bytes) -> Callbacks:
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
    events, array = ([parsed], f"[{text}]") if isinstance(parsed, dict) else (parsed, text)
    if not isinstance(events, list) or not events:
        raise CallbackRejected(400, "Expected a JSON array of event objects.")
    if len(events) > MAX_EVENTS:
        raise CallbackRejected(400, f"At most {MAX_EVENTS} events per request.")
    for index, event in enumerate(events):
        _check_event(index, event)
    return Callbacks(events, array)


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


# The identity is read from the JSON array in SQL the way identity() reads it (parse_callbacks checked each part
# is a string when present), so the events are not dumped to JSON again. "{table}" is the tenant's inbox by
# qualified name.
INSERT_SQL = (
    "INSERT INTO {table} "
    "(configuration_id, event_type, carrier_message_id, recipient, event_time, payload, received_at, state, "
    "attempts, note) "
    "SELECT %s, e->>'type', coalesce(e->'message'->>'id', ''), coalesce(e->>'to', ''), coalesce(e->>'time', ''), "
    "e, now(), 'pending', 0, '' "
    "FROM jsonb_array_elements(%s::jsonb) AS e "
    "ON CONFLICT ON CONSTRAINT webhook_event_identity DO NOTHING RETURNING id"
)


def record_callbacks(*, configuration_id: int, events: list[dict], schema_name: str | None = None,
                     events_json: str | None = None) -> tuple[int, int]:
    """Store each event once in tenant `schema_name`'s inbox (default: the current tenant's) and hand the
    stored ones to processing (inbound.handoff) once they are committed.

    One INSERT for the whole request, outside any transaction (a single statement is atomic and committed when
    it returns; inside a caller's transaction, the hand-off waits for its commit). Events already stored
    (Bandwidth redelivers) are skipped by the unique identity. `events_json`, the same events as a JSON array,
    spares dumping them again. Returns (stored, duplicates).
    """
    schema_name = schema_name or connection.schema_name
    table = f"{quote_schema_name(schema_name)}.{WebhookEvent._meta.db_table}"
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL.format(table=table), [configuration_id, events_json or json.dumps(events)])
        stored_ids = [row[0] for row in cursor.fetchall()]
    if stored_ids:
        # At once in autocommit (the rows are committed already); after the commit inside a caller's transaction.
        transaction.on_commit(lambda: handoff.callbacks_stored(schema_name=schema_name, event_ids=stored_ids))
    return len(stored_ids), len(events) - len(stored_ids)
