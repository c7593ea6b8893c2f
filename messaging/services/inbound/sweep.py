"""The backstop for lost inbound tasks: the webhook inbox and the media rows say what is left to do.

Run periodically in each tenant (messaging.sweep_inbound). Re-queueing is always safe: a drain of the
inbox claims only events nobody holds (inbox.py) and skips the ones done with (processed, ignored or
failed); a stored attachment is left alone.
"""

from django.db.models import Q
from django.utils import timezone

from messaging import dispatch
from messaging import metrics as message_metrics
from messaging.models import MessageMedia, SmsConfiguration, WebhookEvent
from messaging.services.conversations import notifications

SWEEP_AFTER_SECONDS = 60
BATCH = 1000


def sweep_inbound() -> int:
    """Queue again, in the current tenant, a drain of the inbox when callbacks of enabled configurations
    wait over SWEEP_AFTER_SECONDS, the inbound media downloads left waiting as long, and the e-mail
    notifications still owed for recent inbound messages; return how many callbacks, downloads and
    notifications were found."""
    cutoff = timezone.now() - timezone.timedelta(seconds=SWEEP_AFTER_SECONDS)
    enabled = SmsConfiguration.objects.filter(enabled=True).values_list("pk", flat=True)
    # The drain takes every pending event (new ones in batches, ones a dead worker held alone, those that
    # keep crashing once their claim is old): one drain per tenant, not one task per event. It does not
    # wake itself on the webhook's Redis key: this is the path for when that key or its drain was lost.
    waiting = (
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff,
                                    configuration_id__in=list(enabled))
        .order_by().values("pk")[:BATCH].count()
    )
    media_ids = list(
        MessageMedia.objects.filter(Q(state=MessageMedia.State.PENDING), message__direction="in",
                                    message__created_at__lt=cutoff)
        .exclude(source_url="").values_list("pk", flat=True)[:BATCH]
    )
    if waiting:
        dispatch.on_commit("messaging.drain_inbox")
    dispatch.on_commit_each("messaging.download_media", media_ids)
    notified = notifications.queue_missing_notifications()
    message_metrics.requeued_inbound(callbacks_waiting=waiting, media=len(media_ids), notifications=notified)
    return waiting + len(media_ids) + notified
