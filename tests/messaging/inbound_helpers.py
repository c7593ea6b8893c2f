"""Store a callback in the inbox and process it, as the webhook and the task would."""

from messaging.models import WebhookEvent
from messaging.services.inbound import process, webhook


def deliver(configuration, events: list[dict]) -> list[WebhookEvent]:
    webhook.record_callbacks(configuration_id=configuration.pk, events=events)
    stored = list(WebhookEvent.objects.filter(processed_at__isnull=True).order_by("id"))
    for event in stored:
        process.process_callback(event_id=event.pk)
    return [WebhookEvent.objects.get(pk=e.pk) for e in stored]
