"""Outbound statuses move forward only, with one conditional UPDATE each: a late, repeated or racing
writer (a callback, a second task copy, the reconciler) never moves a message back.

The moves back (`sending`/`unknown` → `queued`) are deliberate and guarded by the exact status they
leave, in deliver.py and reconcile.py; everything else goes through `advance`, delivery receipts
included (`apply_delivery_event`), so a receipt for a message in `unknown` (its 202 was lost) moves it on
and the reconciler then stops.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from messaging.bandwidth import describe_error
from messaging.models import Message

Status = Message.Status
TIME_FIELD = {Status.SENT: "sent_at", Status.DELIVERED: "delivered_at", Status.FAILED: "failed_at"}
EVENT_STATUS = {
    # Bandwidth accepted an MMS or group message for sending: as good as our "sent".
    "message-sending": Status.SENT,
    "message-delivered": Status.DELIVERED,
    "message-failed": Status.FAILED,
}


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


def failure_text(code: int | None, description: str = "") -> str:
    """Bandwidth's error code and description in plain words (the code table's wording)."""
    return describe_error(code, description).meaning


def find_outbound_message(*, carrier_id: str, tag: str) -> Message | None:
    """By our uid in `tag` (it names exactly one message of ours), else by Bandwidth's id; row locked."""
    outbound = Message.objects.select_for_update().filter(direction=Message.Direction.OUTBOUND)
    try:
        found = outbound.filter(uid=uuid.UUID(tag)).first()
    except ValueError:
        found = None  # a tag that is not a UUID is not one of ours
    if found is None and carrier_id:
        found = outbound.filter(provider_message_id=carrier_id).first()
    return found


def apply_delivery_event(*, event: dict) -> str:
    """Move the outbound message a delivery receipt is about forward, never back; return a note for the
    inbox. Must run inside a transaction (the message row is locked while it is compared and changed)."""
    payload = event.get("message") or {}
    target = EVENT_STATUS[event["type"]]
    message = find_outbound_message(carrier_id=payload.get("id", ""), tag=str(payload.get("tag", "")))
    if message is None:
        return "No outbound message with this id or tag: nothing to update."
    fields = {}
    if target == Status.FAILED:
        code = _int(event.get("errorCode"))
        fields = {"error_code": code, "error_description": failure_text(code, event.get("description", ""))}
    carrier_id = "" if message.provider_message_id else payload.get("id", "")
    if advance(message.pk, target, provider_message_id=carrier_id, **fields):
        return f"Message {message.pk}: {Status(target).label.lower()}."
    message.refresh_from_db(fields=["status"])
    return f"Message {message.pk} is already {message.get_status_display().lower()}: unchanged."


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
