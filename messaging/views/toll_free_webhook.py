"""POST /webhooks/bandwidth/toll-free/<slug>/<token>/: Bandwidth's toll-free verification status changes.

Unknown tenant or token: 404. Missing or wrong HTTP Basic credentials: 401 with a challenge. A body Bandwidth does
not document: 400, nothing stored. 204 only once the number's row is updated (or the number is not one of the
tenant's: nothing to store, and Bandwidth should not retry).
"""

import re

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import tenant_context

from messaging.bandwidth.toll_free_webhooks import CallbackInvalid, parse_callback
from messaging.exceptions import CallbackRejected
from messaging.services.compliance import toll_free_webhooks as service
from portal.errors import error_response
from tenants.models import Tenant

REALM = "Bandwidth toll-free verification"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SLUG_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,48}")


@csrf_exempt
@require_POST
def toll_free_callback(request, slug: str, token: str):
    if not (SLUG_SHAPE.fullmatch(slug) and TOKEN_SHAPE.fullmatch(token)):
        return error_response(CallbackRejected(404, "Unknown webhook URL."))
    tenant = Tenant.objects.customers().filter(slug=slug).first()
    if tenant is None:
        return error_response(CallbackRejected(404, "Unknown webhook URL."))
    with tenant_context(tenant):
        subscription = service.find_subscription(token)
        if subscription is None:
            return error_response(CallbackRejected(404, "Unknown webhook URL."))
        if not service.accepts(subscription, request.headers.get("Authorization")):
            return error_response(CallbackRejected(401, "Callback credentials required."),
                                  headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > settings.WEBHOOK_MAX_BODY_BYTES:
            return error_response(CallbackRejected(413 if length > 0 else 400, "The body's length is not accepted."))
        try:
            callback = parse_callback(request.body)
        except CallbackInvalid as exc:
            return error_response(CallbackRejected(400, str(exc)))
        service.apply_callback(callback)
    return HttpResponse(status=204)
