"""The backstop for lost inbound tasks: the webhook inbox and the media rows say what is left to do.

Run periodically in each tenant (messaging.sweep_inbound). Re-queueing is always safe: processing locks
the event row and skips one it is done with (processed, ignored or failed); a stored attachment is left
alone.
"""

from django.db.models import Q
from django.utils import timezone

from messaging import dispatch
from messaging.models import MessageMedia, SmsConfiguration, WebhookEvent
from messaging.services.conversations import notifications

SWEEP_AFTER_SECONDS = 60
BATCH = 1000


def sweep_inbound() -> int:
    """Queue again, in the current tenant, callbacks of enabled configurations and inbound media
    downloads left waiting over SWEEP_AFTER_SECONDS, and the e-mail notifications still owed for recent
    inbound messages; return how many were queued."""
    cutoff = timezone.now() - timezone.timedelta(seconds=SWEEP_AFTER_SECONDS)
    enabled = SmsConfiguration.objects.filter(enabled=True).values_list("pk", flat=True)
    # Fewest attempts first: events that keep crashing go last (and end failed after WEBHOOK_MAX_ATTEMPTS,
    # which sets processed_at), so they never take the batch from new work.
    event_ids = list(
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff,
                                    configuration_id__in=list(enabled))
        .order_by("attempts", "id").values_list("pk", flat=True)[:BATCH]
    )
    media_ids = list(
        MessageMedia.objects.filter(Q(state=MessageMedia.State.PENDING), message__direction="in",
                                    message__created_at__lt=cutoff)
        .exclude(source_url="").values_list("pk", flat=True)[:BATCH]
    )
    dispatch.on_commit_each("messaging.process_callback", event_ids)
    dispatch.on_commit_each("messaging.download_media", media_ids)
    return len(event_ids) + len(media_ids) + notifications.queue_missing_notifications()
