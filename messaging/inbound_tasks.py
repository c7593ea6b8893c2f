"""Celery tasks for what Bandwidth sends us. Each runs in the schema of the tenant that queued it."""

import logging
import random

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging.models import MessageMedia, SmsConfiguration, WebhookEvent
from messaging.services import inbound, media
from tenants.models import Tenant

logger = logging.getLogger(__name__)
SWEEP_AFTER_SECONDS = 60
MEDIA_MAX_RETRIES = 6


@shared_task(name="messaging.process_callback", acks_late=True)
def process_callback(event_id: int) -> None:
    inbound.process_callback(event_id=event_id)


def queue_callbacks(event_ids: list[int]) -> None:
    """The fast path after the webhook commits; the sweeper covers a lost publish (so a broker outage
    never turns a stored callback into a 5xx that would make Bandwidth send it again)."""
    for event_id in event_ids:
        try:
            process_callback.delay(event_id)
        except Exception:  # kombu/redis errors of every kind
            logger.warning("could not publish process_callback(%s); the sweeper will pick it up", event_id)


@shared_task(bind=True, name="messaging.download_media", acks_late=True, max_retries=MEDIA_MAX_RETRIES)
def download_media(self, media_id: int) -> None:
    try:
        media.download_media(media_id=media_id)
    except media.MediaDownloadFailed as exc:
        if self.request.retries >= self.max_retries:
            media.mark_failed_after_retries(media_id=media_id, reason=str(exc))
            return
        delay = exc.retry_after or min(600, 5 * 2**self.request.retries) * random.uniform(0.8, 1.2)
        raise self.retry(exc=exc, countdown=delay) from exc


def queue_media_downloads(media_ids: list[int]) -> None:
    for media_id in media_ids:
        download_media.delay(media_id)


@shared_task(name="messaging.process_waiting_callbacks")
def process_waiting_callbacks(configuration_id: int) -> int:
    """Queue the callbacks a disabled configuration kept waiting (run when it is enabled again)."""
    ids = list(
        WebhookEvent.objects.filter(configuration_id=configuration_id, processed_at__isnull=True)
        .order_by("id").values_list("pk", flat=True)
    )
    queue_callbacks(ids)
    return len(ids)


@shared_task(name="messaging.sweep_inbound")
def sweep_inbound() -> int:
    """Re-queue, in every tenant, callbacks and media downloads whose task was lost (Redis restart,
    killed worker): the rows, not the queue, say what is left to do."""
    queued = 0
    for tenant in Tenant.objects.exclude(schema_name="public").filter(is_active=True):
        with tenant_context(tenant):
            queued += _sweep_tenant()
    return queued


def _sweep_tenant() -> int:
    cutoff = timezone.now() - timezone.timedelta(seconds=SWEEP_AFTER_SECONDS)
    enabled = SmsConfiguration.objects.filter(enabled=True).values_list("pk", flat=True)
    event_ids = list(
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff,
                                    configuration_id__in=list(enabled))
        .values_list("pk", flat=True)[:1000]
    )
    media_ids = list(
        MessageMedia.objects.filter(Q(state=MessageMedia.State.PENDING), message__direction="in",
                                    message__created_at__lt=cutoff)
        .exclude(source_url="").values_list("pk", flat=True)[:1000]
    )
    queue_callbacks(event_ids)
    queue_media_downloads(media_ids)
    return len(event_ids) + len(media_ids)
