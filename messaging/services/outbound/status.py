"""Outbound statuses move forward only, with one conditional UPDATE each: a late, repeated or racing
writer (a callback, a second task copy, the reconciler) never moves a message back.

The moves back (`sending`/`unknown` → `queued`) are deliberate and guarded by the exact status they
leave, in deliver.py and reconcile.py; everything else goes through `advance`, delivery receipts
included (`apply_delivery_event`), so a receipt for a message in `unknown` (its 202 was lost) moves it on
and the reconciler then stops.

Every reason a message shows in plain words is worded here too: `failure_text` (Bandwidth's error code),
`bandwidth_error_text` (an error answer of Bandwidth's API), `outcome_unknown_text` (a send whose answer
was lost). Screens, the API and the services call these rather than word a failure themselves.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from messaging import live
from messaging.bandwidth import BandwidthError, describe_error
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
    if moved:
        live.message_changed(message_id)
    if not moved and provider_message_id:
        Message.objects.filter(pk=message_id, provider_message_id="").update(provider_message_id=provider_message_id)
    return bool(moved)


def failure_text(code: int | None, description: str = "") -> str:
    """Bandwidth's error code and description in plain words (the code table's wording)."""
    return describe_error(code, description).meaning


def bandwidth_error_text(exc: BandwidthError) -> str:
    """An error answer of Bandwidth's API in plain words, with its own description and field errors."""
    parts = [exc.user_message.rstrip(".") + "."]
    if exc.description and exc.description not in exc.user_message:
        parts.append(f"Bandwidth said: {exc.description}.")
    parts.extend(f"{fe.field_name}: {fe.description}." for fe in exc.field_errors)
    if exc.status:
        parts.append(f"(HTTP {exc.status}{', ' + exc.error_type if exc.error_type else ''})")
    return " ".join(parts)


def outcome_unknown_text(cause: str) -> str:
    """Why a message waits in `unknown`: `cause` is what cut the send short."""
    return (f"{cause}, so it is not known whether Bandwidth took the message. "
            "Checking with Bandwidth before sending again.")


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
