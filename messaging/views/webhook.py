"""POST /webhooks/bandwidth/<token>/: where Bandwidth delivers inbound messages and delivery receipts."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from messaging.exceptions import CallbackRejected
from messaging.models import SmsConfiguration
from messaging.services.inbound import webhook
from tenants.models import WebhookEndpoint

REALM = "Bandwidth callbacks"


def _challenge() -> HttpResponse:
    response = JsonResponse({"detail": "Callback credentials required."}, status=401)
    response["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    return response


@csrf_exempt
@require_POST
def bandwidth_callback(request, token: str):
    endpoint = WebhookEndpoint.objects.select_related("tenant").filter(token=token).first()
    if endpoint is None:
        return JsonResponse({"detail": "Unknown webhook URL."}, status=404)
    with schema_context(endpoint.tenant.schema_name):
        expected = (
            SmsConfiguration.objects.filter(pk=endpoint.configuration_id)
            .values_list("callback_username", "callback_password").first()
        )
        if expected is None:
            return JsonResponse({"detail": "Unknown webhook URL."}, status=404)
        username, password = expected
        if username and not webhook.credentials_match(
            request.headers.get("Authorization"), username=username, password=password
        ):
            return _challenge()
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.WEBHOOK_MAX_BODY_BYTES:
            return JsonResponse({"detail": f"Body over {settings.WEBHOOK_MAX_BODY_BYTES} bytes."}, status=413)
        try:
            events = webhook.parse_callbacks(request.body)
        except CallbackRejected as exc:
            return JsonResponse({"detail": exc.message}, status=exc.status)
        stored, duplicates = webhook.record_callbacks(configuration_id=endpoint.configuration_id, events=events)
    # 200 only now: the rows are committed. An unknown event type is stored and acknowledged too.
    return JsonResponse({"status": "ok", "stored": stored, "duplicates": duplicates})
