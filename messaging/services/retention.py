"""Retention: handled webhook callbacks, stored MMS files and messages are purged after each tenant's periods.

Periods come from the tenant's row (tenants.Tenant.retention_*_days), else the RETENTION_* settings; 0 keeps for
ever. Work goes in batches, each its own short transaction that takes the oldest RETENTION_BATCH_SIZE rows it can
lock (FOR UPDATE SKIP LOCKED: rows a sender or the inbox drain holds are left for the next run, nobody waits on
us), with a pause between batches and a time budget per run; what is left is purged by the next run.

Never purged: callbacks waiting or failed (they are work to do, Retry needs their payload), callbacks younger than
2 days (Bandwidth retries for 24 h and the stored identity is what makes a retry a duplicate), the newest callback
of each SMS configuration (its "last callback"), messages still in flight (queued, sending, unknown) or with an
attachment still downloading.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from messaging.models import Conversation, Message, MessageMedia, SmsConfiguration, WebhookEvent
from tenants.models import MIN_PAYLOAD_RETENTION_DAYS

logger = logging.getLogger(__name__)

IN_FLIGHT = (Message.Status.QUEUED, Message.Status.SENDING, Message.Status.UNKNOWN)
HANDLED_EVENTS = (WebhookEvent.State.PROCESSED, WebhookEvent.State.IGNORED)
# Bandwidth retries a callback for 24 hours: a handled one is kept at least this long whatever is configured.
MIN_PAYLOAD_DAYS = MIN_PAYLOAD_RETENTION_DAYS


@dataclass(frozen=True)
class RetentionPeriods:
    """Days each kind of data is kept; 0 = for ever."""

    payload_days: int
    media_days: int
    message_days: int


def retention_periods(tenant) -> RetentionPeriods:
    """The tenant's own periods where it set them, the RETENTION_* settings elsewhere."""

    def pick(own: int | None, default: int) -> int:
        return default if own is None else own

    payload = pick(tenant.retention_payload_days, settings.RETENTION_PAYLOAD_DAYS)
    return RetentionPeriods(
        payload_days=max(payload, MIN_PAYLOAD_DAYS) if payload else 0,
        media_days=pick(tenant.retention_media_days, settings.RETENTION_MEDIA_DAYS),
        message_days=pick(tenant.retention_message_days, settings.RETENTION_MESSAGE_DAYS),
    )


def purge_expired_data(*, tenant, now: datetime | None = None) -> dict[str, int | bool]:
    """Purge, in the current schema (the tenant's), what is older than the tenant's periods.

    Returns how many messages, media files and callbacks went, and `complete`: False when the time budget ran
    out first (the next run goes on). Safe to run twice, and beside other runs (they skip each other's rows).
    """
    now = now or timezone.now()
    periods = retention_periods(tenant)
    deadline = time.monotonic() + settings.RETENTION_TIME_BUDGET_SECONDS
    counts: dict[str, int | bool] = {"messages": 0, "media": 0, "payloads": 0, "complete": True}
    # Messages first: their attachments go with them, leaving the media pass less to do.
    work = [
        ("messages", periods.message_days, _purge_message_batch),
        ("media", periods.media_days, _purge_media_batch),
        ("payloads", periods.payload_days, _purge_event_batch),
    ]
    for kind, days, purge_batch in work:
        if not days:
            continue
        cutoff = now - timedelta(days=days)
        if purge_batch is _purge_event_batch:
            purge_batch = partial(_purge_event_batch, keep=_newest_event_ids())
        while True:
            purged = purge_batch(cutoff)
            counts[kind] += purged
            if purged < settings.RETENTION_BATCH_SIZE:
                break
            if time.monotonic() >= deadline:
                counts["complete"] = False
                logger.info("retention: time budget spent in %s, the next run goes on: %s", tenant.slug, counts)
                return counts
            # Other writers get the table between two batches (and replicas catch up).
            time.sleep(settings.RETENTION_BATCH_PAUSE_SECONDS)
    if counts["messages"] or counts["media"] or counts["payloads"]:
        logger.info("retention in %s: %s", tenant.slug, counts)
    return counts


# --- callbacks -----------------------------------------------------------------------------------------------

def _newest_event_ids() -> set[int]:
    # One index probe per configuration (webhook_event_by_configuration), not a scan of the table.
    newest = set()
    for configuration_id in SmsConfiguration.objects.values_list("pk", flat=True):
        pk = (WebhookEvent.objects.filter(configuration_id=configuration_id).order_by("-received_at", "-id")
              .values_list("pk", flat=True).first())
        if pk is not None:
            newest.add(pk)
    return newest


def _purge_event_batch(cutoff: datetime, *, keep: set[int]) -> int:
    with transaction.atomic():
        ids = list(
            WebhookEvent.objects.filter(received_at__lt=cutoff, state__in=HANDLED_EVENTS).exclude(pk__in=keep)
            .order_by("id").select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: settings.RETENTION_BATCH_SIZE]
        )
        WebhookEvent.objects.filter(pk__in=ids).delete()
    return len(ids)


# --- media ---------------------------------------------------------------------------------------------------

def _purge_media_batch(cutoff: datetime) -> int:
    """Blank the file of attachments of messages older than `cutoff`; the files go once that has committed, so
    no committed row ever names a deleted file (a crash in between leaves an unnamed file, not a broken row)."""
    with transaction.atomic():
        rows = list(
            MessageMedia.objects.filter(message__created_at__lt=cutoff).exclude(file="").order_by("id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "file")[: settings.RETENTION_BATCH_SIZE]
        )
        MessageMedia.objects.filter(pk__in=[pk for pk, _name in rows]).update(
            file="", error="Removed after the retention period."
        )
        _delete_files_after_commit([name for _pk, name in rows])
    return len(rows)


def _delete_files_after_commit(names: list[str]) -> None:
    if names:
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    storage = MessageMedia._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # The row no longer names it: an operator may remove it by hand; nothing shows it.
            logger.warning("retention: could not delete media file %s", name, exc_info=True)


# --- messages ------------------------------------------------------------------------------------------------

def _purge_message_batch(cutoff: datetime) -> int:
    with transaction.atomic():
        ids = list(
            Message.objects.filter(created_at__lt=cutoff).exclude(status__in=IN_FLIGHT)
            .exclude(media__state=MessageMedia.State.PENDING).order_by("id")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[: settings.RETENTION_BATCH_SIZE]
        )
        if not ids:
            return 0
        files = list(MessageMedia.objects.filter(message_id__in=ids).exclude(file="").values_list("file", flat=True))
        conversation_ids = set(
            Message.objects.filter(pk__in=ids, conversation__isnull=False).values_list("conversation_id", flat=True)
        )
        # Recipients, media rows, notification marks and idempotency records go with their message (CASCADE);
        # a conversation whose last message went has its pointer set to NULL, mended below.
        Message.objects.filter(pk__in=ids).delete()
        _mend_conversations(conversation_ids)
        _delete_files_after_commit(files)
    return len(ids)


def _mend_conversations(conversation_ids: set[int]) -> None:
    """A conversation whose last message was purged points at its newest remaining one; one with none left goes
    (with its read marks). Only pointers left NULL are touched: a message arriving meanwhile set its own, and the
    WHERE is checked again on a row another transaction just updated, so that newer pointer is kept."""
    if not conversation_ids:
        return
    orphaned = Conversation.objects.filter(pk__in=conversation_ids, last_message__isnull=True)
    newest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    orphaned.update(last_message=Subquery(newest.values("pk")[:1]),
                    last_message_at=Subquery(newest.values("created_at")[:1]))
    orphaned.filter(last_message__isnull=True).delete()
