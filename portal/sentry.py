"""Optional error reports to Sentry (SENTRY_DSN), with nothing secret and no message text in them.

What leaves the portal is cut down before it is sent (`scrub`, Sentry's before_send and
before_breadcrumb): no request bodies (webhook callbacks and message sends carry message text), no
Authorization, Cookie or other credential headers, no local variables of stack frames (they hold decrypted
credentials and message text), no value under a key that names a text, password, secret, token or
credential, and webhook URLs' tokens replaced by `***`. send_default_pii stays off (no user, no IP address,
no SQL parameters). Each report is tagged with the tenant, request id and message id of the log lines
(portal/logs.py), so a report and its lines find each other.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from portal import logs

FILTERED = "[Filtered]"
# Keys whose values never leave: message text and every kind of credential. A key is read as its words
# (`callback_password`, `HTTP_AUTHORIZATION`, `X-Api-Key`), so `contexts` is not `text`.
SENSITIVE_WORDS = frozenset({
    "text", "body", "password", "passwd", "secret", "token", "authorization", "cookie", "cookies", "credential",
    "credentials", "key", "apikey", "session", "sessionid", "csrftoken", "signature", "dsn", "payload", "media",
})
WORD = re.compile(r"[a-z0-9]+")
WEBHOOK_TOKEN = logs.WEBHOOK_TOKEN


def init(dsn: str, *, environment: str, release: str | None) -> None:
    """Start the Sentry client with Django's and Celery's integrations (no network until a report is sent).
    Errors only: no performance tracing (its spans would describe every query of every request)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
    )


def before_send(event: dict, hint: dict | None = None) -> dict:
    """The event with request bodies, credential headers, frame variables and sensitive values removed, and
    tagged with the log lines' context."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("env", None)
        if isinstance(request.get("query_string"), str):
            request["query_string"] = _scrubbed_query(request["query_string"])
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in ((exception or {}).get("stacktrace") or {}).get("frames") or []:
            if isinstance(frame, dict):
                frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in ((thread or {}).get("stacktrace") or {}).get("frames") or []:
            if isinstance(frame, dict):
                frame.pop("vars", None)
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        for name in ("tenant", "request_id", "message_id"):
            value = logs.current(name)
            if value is not None:
                tags.setdefault(name, str(value))
    return scrub(event)


def _scrubbed_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(name, FILTERED if sensitive(name) else value) for name, value in pairs])


def before_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return scrub(crumb)


def sensitive(key: str) -> bool:
    return not SENSITIVE_WORDS.isdisjoint(WORD.findall(key.lower()))


def scrub(value: Any, key: str = "") -> Any:
    """`value` with every sensitive key's value replaced and webhook tokens cut out of strings."""
    if key and sensitive(key) and value not in (None, "", [], {}):
        return FILTERED
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        # Headers come as [name, value] pairs too.
        if len(value) == 2 and isinstance(value[0], str) and sensitive(value[0]):
            return [value[0], FILTERED]
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return WEBHOOK_TOKEN.sub(r"\1***", value)
    return value
