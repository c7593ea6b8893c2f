"""Outbound statuses move forward only, with one conditional UPDATE each: a late, repeated or racing
writer (a callback, a second task copy, the reconciler) never moves a message back.

The moves back (`sending`/`unknown` → `queued`) are deliberate and guarded by the exact status they
leave, in sending_delivery and sending_reconcile; everything else goes through `advance`. Delivery
callbacks are applied by services/delivery_events.py with the same ranks (Message.STATUS_RANK), so a
callback for a message in `unknown` (its 202 was lost) moves it on and the reconciler then stops.
"""

from __future__ import annotations

from django.utils import timezone

from messaging.bandwidth import describe_error
from messaging.models import Message

Status = Message.Status
TIME_FIELD = {Status.SENT: "sent_at", Status.DELIVERED: "delivered_at", Status.FAILED: "failed_at"}


def lower_than(status: str) -> list[str]:
    """The statuses a message may leave for `status` (strictly lower rank)."""
    rank = Message.STATUS_RANK[status]
    return [name for name, other in Message.STATUS_RANK.items() if other < rank]


def advance(message_id: int, status: str, *, provider_message_id: str = "", **fields) -> bool:
    """Move the message to `status` if that is forward; record Bandwidth's id if it had none.

    Returns True when the status changed. The matching timestamp (sent_at, delivered_at, failed_at) is
    set unless given.
    """
    values = dict(fields)
    if status in TIME_FIELD:
        values.setdefault(TIME_FIELD[status], timezone.now())
    if provider_message_id:
        values["provider_message_id"] = provider_message_id
    moved = Message.objects.filter(pk=message_id, status__in=lower_than(status)).update(status=status, **values)
    if not moved and provider_message_id:
        Message.objects.filter(pk=message_id, provider_message_id="").update(provider_message_id=provider_message_id)
    return bool(moved)


def failure_text(code: int | None, description: str) -> str:
    """Bandwidth's error code and description in plain words (the code table's wording)."""
    return describe_error(code, description).meaning
