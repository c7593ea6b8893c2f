"""Every log line with its context: the tenant, the request id and the message id.

- The request id comes from the proxy's X-Request-ID when it looks like one (RequestIdMiddleware), else
  a new one; the answer carries it back in X-Request-ID. Tasks published while it is set carry it in their
  headers (messaging/dispatch.py), and the worker sets it again around the task (task_prerun), so the web's
  and the worker's lines about one message share it. A task nobody's request queued (beat, the sweepers)
  uses its own task id.
- The message id is set by the tasks that work on one message (messaging/tasks.py: `bound(message_id=...)`)
  or passed as `extra={"message_id": ...}`.
- The tenant is the schema the database connection is in (django-tenants' TenantContextFilter), shown
  as the tenant's slug; the webhook, which writes into a tenant's schema without switching to it, names its
  tenant with `bound(tenant=...)`.

LOG_FORMAT=json writes one JSON object per line (python-json-logger); the plain format stays a line of
text. Neither ever holds a secret or a message's text: only ids are bound here.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from contextlib import contextmanager

from django_tenants.log import TenantContextFilter
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from portal import log_redaction

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's request id may look like to be kept (UUIDs, hex, nginx's $request_id, AWS trace ids);
# anything longer or with other characters (a newline, quotes) is replaced, so it cannot forge log lines.
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")

_context: dict[str, contextvars.ContextVar] = {
    name: contextvars.ContextVar(f"portal_log_{name}", default=None)
    for name in ("request_id", "message_id", "tenant")
}


def current(name: str):
    """The bound value of `name` (request_id, message_id, tenant), or None."""
    return _context[name].get()


@contextmanager
def bound(**values):
    """Bind request_id, message_id and/or tenant for the log lines written inside the block."""
    tokens = [(_context[name], _context[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def name_tenant(schema_name: str) -> None:
    """The lines written from now on in this request name this tenant (the webhook writes into a tenant's
    schema without switching to it); request_done forgets it when the request is finished."""
    _context["tenant"].set(tenant_label(schema_name))


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is sane, else a new one."""
    if header and REQUEST_ID_SHAPE.fullmatch(header):
        return header
    return new_request_id()


def tenant_label(schema_name: str | None) -> str | None:
    """The tenant's slug from its schema name (tenants.services.schema_name_for: `t_` + slug with `_` for
    `-`; slugs hold no `_`), None for the public schema; another schema (the template) by its name."""
    if not schema_name or schema_name == "public":
        return None
    if schema_name.startswith("t_"):
        return schema_name[2:].replace("_", "-")
    return schema_name


class RequestIdMiddleware:
    """First in MIDDLEWARE: every line written while a request is answered carries its id, and so does
    the answer (X-Request-ID). Bound until request_finished (`request_done`), not only inside the middleware:
    Django logs a 4xx answer (django.request) after the middleware chain has returned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        for name, value in (("request_id", request_id), ("message_id", None), ("tenant", None)):
            _context[name].set(value)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def request_done(**_kwargs) -> None:
    """request_finished: the thread's next lines (a sync server reuses it) belong to no request."""
    for var in _context.values():
        var.set(None)


# A webhook URL's token is a credential: Django's lines about 4xx answers (django.request) quote the path.
WEBHOOK_TOKEN = log_redaction.WEBHOOK_TOKEN


class ContextFilter(TenantContextFilter):
    """Adds `tenant`, `request_id` and `message_id` to every record (None where there is none); values given
    with `extra=` win. Webhook tokens in Django's request lines are replaced by `***`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and isinstance(record.args, tuple):
            record.args = tuple(log_redaction.redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        try:
            super().filter(record)
            schema_name = record.schema_name
        except Exception:  # noqa: BLE001 - no connection (early start-up): a line without a tenant, not none
            schema_name = None
        if getattr(record, "tenant", None) is None:
            record.tenant = current("tenant") or tenant_label(schema_name)
        for name in ("request_id", "message_id"):
            if getattr(record, name, None) is None:
                setattr(record, name, current(name))
        return True


class PortalJsonFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, tenant, request_id, message_id, and the
    traceback (exc_info) or any `extra=` field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "schema_name", "domain_url", "request"])
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("rename_fields_keep_missing", True)
        super().__init__(["asctime", "levelname", "name", "message", "tenant", "request_id", "message_id"],
                         **kwargs)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class PlainFormatter(logging.Formatter):
    """The plain line, with `[tenant request_id message=id]` after the logger's name when there is a context."""

    def __init__(self, **kwargs):
        super().__init__(PLAIN_FORMAT, **kwargs)
        self._with_context = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s",
                                               **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        tenant, request_id = getattr(record, "tenant", None), getattr(record, "request_id", None)
        message_id = getattr(record, "message_id", None)
        if tenant is None and request_id is None and message_id is None:
            return super().format(record)
        record.context = " ".join([str(tenant or "-"), str(request_id or "-"),
                                   *([f"message={message_id}"] if message_id is not None else [])])
        return self._with_context.format(record)


# --- Celery: the request id into the task's headers, and bound again around the task ------------------
# (The tenant travels as tenant-schemas-celery's `_schema_name` header; the worker's connection names it.)

def task_headers() -> dict:
    """Headers a task published now carries (messaging/dispatch.py): the request id, when there is one."""
    request_id = current("request_id")
    return {"request_id": request_id} if request_id else {}


_task_tokens: dict[str, list] = {}


def task_started(task_id=None, task=None, **_kwargs) -> None:
    """task_prerun: bind the request id the task was published with (else its own id)."""
    request = getattr(task, "request", None)
    headers = getattr(request, "headers", None) or {}
    request_id = (headers.get("request_id") if isinstance(headers, dict) else None) or (
        request.get("request_id") if request is not None else None)
    value = request_id if request_id and REQUEST_ID_SHAPE.fullmatch(str(request_id)) else (task_id or new_request_id())
    manager = bound(request_id=value, message_id=None)
    manager.__enter__()
    _task_tokens.setdefault(task_id, []).append(manager)


def task_finished(task_id=None, **_kwargs) -> None:
    """task_postrun: what task_started bound is unbound (an eager task runs inside its caller's request)."""
    managers = _task_tokens.get(task_id)
    if managers:
        managers.pop().__exit__(None, None, None)
        if not managers:
            del _task_tokens[task_id]
