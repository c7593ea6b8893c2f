"""Store a callback in the inbox and process it, as the webhook and the task would."""

from messaging.models import WebhookEvent
from messaging.services import callbacks, inbound


def deliver(configuration, events: list[dict]) -> list[WebhookEvent]:
    callbacks.record_callbacks(configuration_id=configuration.pk, events=events)
    stored = list(WebhookEvent.objects.filter(processed_at__isnull=True).order_by("id"))
    for event in stored:
        inbound.process_callback(event_id=event.pk)
    return [WebhookEvent.objects.get(pk=e.pk) for e in stored]
