"""Delivery receipts for outbound messages: statuses only move forward."""

import uuid

from django.utils import timezone

from messaging.bandwidth.codes import describe_error
from messaging.models import Message

EVENT_STATUS = {
    # Bandwidth accepted an MMS or group message for sending: as good as our "sent".
    "message-sending": Message.Status.SENT,
    "message-delivered": Message.Status.DELIVERED,
    "message-failed": Message.Status.FAILED,
}


def find_outbound_message(*, carrier_id: str, tag: str) -> Message | None:
    """By our uid in `tag` (it names exactly one message of ours), else by Bandwidth's id."""
    outbound = Message.objects.select_for_update().filter(direction=Message.Direction.OUTBOUND)
    try:
        found = outbound.filter(uid=uuid.UUID(tag)).first()
    except ValueError:
        found = None  # a tag that is not a UUID is not one of ours
    if found is None and carrier_id:
        found = outbound.filter(provider_message_id=carrier_id).first()
    return found


def apply_delivery_event(*, event: dict) -> str:
    """Move the outbound message the event is about forward, never back. Returns a note for the inbox.

    Must run inside a transaction (the message row is locked while it is compared and changed).
    """
    message_payload = event.get("message") or {}
    target = EVENT_STATUS[event["type"]]
    message = find_outbound_message(carrier_id=message_payload.get("id", ""), tag=str(message_payload.get("tag", "")))
    if message is None:
        return "No outbound message with this id or tag: nothing to update."
    changed = []
    if not message.provider_message_id and message_payload.get("id"):
        message.provider_message_id = message_payload["id"]
        changed.append("provider_message_id")
    current_rank, target_rank = Message.STATUS_RANK[message.status], Message.STATUS_RANK[target]
    if target_rank > current_rank:
        now = timezone.now()
        message.status = target
        changed += ["status", "updated_at"]
        if target == Message.Status.DELIVERED:
            message.delivered_at = now
            changed.append("delivered_at")
        elif target == Message.Status.FAILED:
            explanation = describe_error(_int(event.get("errorCode")), event.get("description", ""))
            message.failed_at, message.error_code, message.error_description = (
                now,
                explanation.code,
                explanation.meaning,
            )
            changed += ["failed_at", "error_code", "error_description"]
        elif message.sent_at is None:
            message.sent_at = now
            changed.append("sent_at")
    if changed:
        message.save(update_fields=changed)
    if target_rank > current_rank:
        return f"Message {message.pk}: {message.get_status_display().lower()}."
    return f"Message {message.pk} is already {message.get_status_display().lower()}: unchanged."


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
