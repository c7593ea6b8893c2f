"""The backstop for lost tasks: the Message row is the record of work to do, `on_commit` only the fast path.

Run periodically in each tenant (messaging.sweep_outbound). Re-queueing is always safe: delivery
claims a row with a conditional UPDATE, so an extra task copy does nothing. The same sweep forgets
idempotency keys older than a day (idempotency.expire_keys).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging import dispatch
from messaging import metrics as message_metrics
from messaging.models import Message
from messaging.services.outbound import idempotency
from messaging.services.outbound.status import outcome_unknown_text

Status = Message.Status

GRACE = timedelta(seconds=30)  # a task due this long ago and still not run is taken for lost
BATCH = 500


def sweep_messages(*, now: datetime | None = None) -> dict[str, int]:
    """Re-queue lost work in the current tenant; return how many rows of each kind were touched.

    - `queued` rows due (next_attempt_at) more than GRACE ago: delivery queued again;
    - `sending` rows claimed more than SMS_STUCK_AFTER_SECONDS ago (a worker died mid-send; the POST may
      have gone out): moved to `unknown` and reconciled, never blindly re-sent;
    - `unknown` rows whose next check is overdue: reconciliation queued again.
    Idempotency keys past their lifetime are deleted on the way (not counted). Safe to run twice or
    concurrently.
    """
    now = now or timezone.now()
    idempotency.expire_keys(now=now)
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    due = Q(next_attempt_at__lte=now - GRACE) | Q(next_attempt_at__isnull=True, updated_at__lte=now - GRACE)

    queued = _take(outbound.filter(due, status=Status.QUEUED), Status.QUEUED, next_attempt_at=now)
    dispatch.on_commit_each("messaging.deliver_message", queued)

    stuck_before = now - timedelta(seconds=settings.SMS_STUCK_AFTER_SECONDS)
    stuck = _take(
        outbound.filter(status=Status.SENDING, claimed_at__lte=stuck_before), Status.SENDING,
        status=Status.UNKNOWN, next_attempt_at=now,
        error_description=outcome_unknown_text("The worker stopped while sending"),
    )
    unknown = _take(outbound.filter(due, status=Status.UNKNOWN), Status.UNKNOWN, next_attempt_at=now)
    dispatch.on_commit_each("messaging.reconcile_message", [*stuck, *unknown])
    message_metrics.requeued_outbound(queued=len(queued), stuck=len(stuck), unknown=len(unknown))
    return {"queued": len(queued), "stuck": len(stuck), "unknown": len(unknown)}


def _take(rows, current: str, **changes) -> list[int]:
    """Mark up to BATCH rows (still in `current`) so the next sweep leaves them alone; return their ids."""
    ids = list(rows.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:BATCH])
    if not ids:
        return []
    with transaction.atomic():
        taken = list(
            Message.objects.select_for_update(skip_locked=True).filter(pk__in=ids, status=current)
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=taken).update(**changes)
    return taken
