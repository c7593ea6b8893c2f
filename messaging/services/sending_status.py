"""Outbound statuses move forward only, with one conditional UPDATE each: a late, repeated or racing
writer (a callback, a second task copy, the reconciler) never moves a message back.

The moves back (`sending`/`unknown` → `queued`) are deliberate and guarded by the exact status they
leave, in sending_delivery and sending_reconcile; everything else goes through `advance`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone

from messaging.bandwidth import describe_error
from messaging.models import Message

Status = Message.Status
EVENT_STATUS = {
    "message-sending": Status.SENT,
    "message-delivered": Status.DELIVERED,
    "message-failed": Status.FAILED,
}
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


def find_outbound(*, tag: str = "", provider_message_id: str = "") -> Message | None:
    """The outbound message a callback is about: by our tag (the uid), else by Bandwidth's id."""
    try:
        uid = uuid.UUID(str(tag)) if tag else None
    except ValueError:
        uid = None
    messages = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    if uid is not None and (found := messages.filter(uid=uid).first()):
        return found
    if provider_message_id:
        return messages.filter(provider_message_id=provider_message_id).first()
    return None


def apply_delivery_event(
    *,
    event_type: str,
    tag: str = "",
    provider_message_id: str = "",
    error_code: int | None = None,
    description: str = "",
    at: datetime | None = None,
) -> Message | None:
    """Apply a Bandwidth delivery callback (message-sending, -delivered, -failed) to its outbound message.

    Found by tag (our uid) or Bandwidth's message id; returns None for a message we do not know or an
    event type that is not a delivery event. Forward only: a repeated or late event changes nothing,
    and an event for a message in `queued`, `sending` or `unknown` (its 202 was lost) moves it on and
    records Bandwidth's id, so the reconciler and the sweeper stop. Never raises for odd values.
    """
    status = EVENT_STATUS.get(event_type)
    message = find_outbound(tag=tag, provider_message_id=provider_message_id)
    if status is None or message is None:
        return None
    fields: dict = {"next_attempt_at": None}
    if at is not None:
        fields[TIME_FIELD[status]] = at
    if status == Status.FAILED:
        fields.update(error_code=error_code, error_description=failure_text(error_code, description))
    advance(message.pk, status, provider_message_id=provider_message_id, **fields)
    message.refresh_from_db()
    return message
