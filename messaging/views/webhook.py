"""POST /webhooks/bandwidth/<token>/: where Bandwidth delivers inbound messages and delivery receipts.

The hot path (docs/benchmarks.md, "Webhook ingest"): one query for the token, the tenant's schema and the
callback credentials' hash; one INSERT into the tenant's inbox; no ORM, no transaction, no tenant switch.
"""

import re

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.exceptions import CallbackRejected
from messaging.services.inbound import webhook
from portal import logs, metrics
from portal.errors import error_response

REALM = "Bandwidth callbacks"
# What a token can look like (secrets.token_urlsafe, at most the column's 64 characters): anything else
# is unknown without asking the database, which could not even take a NUL.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _challenge() -> HttpResponse:
    return error_response(
        CallbackRejected(401, "Callback credentials required."), headers={"WWW-Authenticate": f'Basic realm="{REALM}"'}
    )


def _unknown() -> HttpResponse:
    return error_response(CallbackRejected(404, "Unknown webhook URL."))


def _declared_length(request) -> int | None:
    """Content-Length as sent (0 when absent); None when it is not a number, which Django's request.body
    would raise on."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


@csrf_exempt
@metrics.timed_webhook
@require_POST
def bandwidth_callback(request, token: str):
    if not TOKEN_SHAPE.fullmatch(token):
        return _unknown()
    endpoint = webhook.get_endpoint(token)
    if endpoint is None:
        return _unknown()
    logs.name_tenant(endpoint.schema_name)  # the lines of this request name the tenant it writes for
    try:
        if not webhook.accepts_callback(endpoint, request.headers.get("Authorization")):
            return _challenge()
        length = _declared_length(request)
        if length is None or length < 0:
            return error_response(CallbackRejected(400, "The Content-Length header is not a number of bytes."))
        if length > settings.WEBHOOK_MAX_BODY_BYTES:
            return error_response(CallbackRejected(413, f"Body over {settings.WEBHOOK_MAX_BODY_BYTES} bytes."))
        callbacks = webhook.parse_callbacks(request.body)
    except CallbackRejected as exc:
        return error_response(exc)
    stored, duplicates = webhook.record_callbacks(
        schema_name=endpoint.schema_name, configuration_id=endpoint.configuration_id,
        events=callbacks.events, events_json=callbacks.json,
    )
    # 200 only now: the rows are committed. An unknown event type is stored and acknowledged too.
    return HttpResponse(b'{"status": "ok", "stored": %d, "duplicates": %d}' % (stored, duplicates),
                        content_type="application/json")
