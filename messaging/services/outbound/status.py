"""Outbound statuses move forward only, with one conditional UPDATE each: a late, repeated or racing
writer (a callback, a second task copy, the reconciler) never moves a message back.

The moves back (`sending`/`unknown` → `queued`) are deliberate and guarded by the exact status they
leave, in deliver.py and reconcile.py; everything else goes through `advance`, delivery receipts
included (`apply_delivery_event`), so a receipt for a message in `unknown` (its 202 was lost) moves it on
and the reconciler then stops.

Each recipient has its own status (MessageRecipient; Bandwidth sends one receipt per recipient of a
group message). A move of the whole message (claimed, accepted by Bandwidth, refused) carries the
recipients still below it along; a receipt moves its recipient only (`settle_recipients`), and the
message's status is then derived from its recipients: delivered once every recipient is final and one
was delivered, failed when all failed, sent until then.

Every reason a message shows in plain words is worded here too: `failure_text` (Bandwidth's error code),
`bandwidth_error_text` (an error answer of Bandwidth's API), `outcome_unknown_text` (a send whose answer
was lost). Screens, the API and the services call these rather than word a failure themselves.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from messaging import live
from messaging import metrics as message_metrics
from messaging.bandwidth import BandwidthError, describe_error
from messaging.models import Message, MessageRecipient

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
    with transaction.atomic():  # the message row stays locked while its recipients follow it
        moved = Message.objects.filter(pk=message_id, status__in=lower_than(status)).update(status=status, **values)
        if moved:
            _carry_recipients(message_id, status, fields)
            message_metrics.message_status(status, error_code=fields.get("error_code"))
    if moved:
        live.message_changed(message_id)
    if not moved and provider_message_id:
        Message.objects.filter(pk=message_id, provider_message_id="").update(provider_message_id=provider_message_id)
    return bool(moved)


def follow_message(message_id: int, status: str) -> int:
    """Recipients still below `status` move to it with their message (the claim, `queued` → `sending`,
    is a move of the whole message made outside `advance`). Returns how many moved."""
    moved = _carry_recipients(message_id, status, {})
    if moved:
        live.message_changed(message_id)
    return moved


def return_recipients(message_id: int) -> int:
    """The message went back to `queued` to be sent again (a deliberate move back, see the module's
    docstring): its recipients at `sending` go back with it."""
    return MessageRecipient.objects.filter(message_id=message_id, status=Status.SENDING).update(
        status=Status.QUEUED, updated_at=timezone.now())


def _carry_recipients(message_id: int, status: str, fields: dict) -> int:
    if status not in MessageRecipient.STATUSES:
        return 0  # `unknown`: the recipients stay at `sending`
    values = {"status": status, "updated_at": timezone.now()}
    if status == Status.FAILED:
        # The whole message failed (refused, or never taken): every recipient still waiting shares its reason.
        values |= {key: fields[key] for key in ("error_code", "error_description") if key in fields}
    return MessageRecipient.objects.filter(message_id=message_id, status__in=lower_than(status)).update(**values)


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
    """Apply a delivery receipt to the recipient it names (`to`), forward only, and derive the message's
    status from its recipients; return a note for the inbox. A receipt without `to`, or naming a number
    that is not a recipient, applies to every recipient still waiting. Must run inside a transaction (the
    message row is locked while it and its recipients are compared and changed)."""
    payload = event.get("message") or {}
    target = EVENT_STATUS[event["type"]]
    message = find_outbound_message(carrier_id=payload.get("id", ""), tag=str(payload.get("tag", "")))
    if message is None:
        return "No outbound message with this id or tag: nothing to update."
    code = _int(event.get("errorCode")) if target == Status.FAILED else None
    reason = failure_text(code, event.get("description", "")) if target == Status.FAILED else ""
    carrier_id = "" if message.provider_message_id else payload.get("id", "")
    number = str(event.get("to") or "")
    reached, moved = settle_recipients(message, target, number=number, error_code=code, error_description=reason,
                                       provider_message_id=carrier_id)
    message.refresh_from_db(fields=["status"])
    overall = message.get_status_display().lower()
    label = Status(target).label.lower()
    if len(message.to_numbers) <= 1:
        if moved:
            return f"Message {message.pk}: {overall}."
        return f"Message {message.pk} is already {overall}: unchanged."
    if reached:
        return f"Message {message.pk}: {label} to {', '.join(reached)}. The message is {overall}."
    recipient = MessageRecipient.objects.filter(message=message, number=number).first()
    if recipient is None:
        return f"Message {message.pk}: no recipient was waiting for this receipt: unchanged."
    return f"Message {message.pk}: {number} is already {recipient.get_status_display().lower()}: unchanged."


def settle_recipients(message: Message, status: str, *, number: str = "", error_code: int | None = None,
                      error_description: str = "", provider_message_id: str = "") -> tuple[list[str], bool]:
    """Move the recipient `number` (every recipient still waiting when `number` is empty or not a recipient)
    to `status` with one conditional UPDATE, forward only, then move the message to the status its
    recipients add up to (through `advance`). Returns (the numbers that moved, whether the message moved).
    Must run inside a transaction, with the message row locked (find_outbound_message)."""
    recipients = _ensure_recipients(message)
    numbers = [number] if number in recipients else list(recipients)
    values = {"status": status, "updated_at": timezone.now()}
    if status == Status.FAILED:
        values |= {"error_code": error_code, "error_description": error_description}
    waiting = [n for n in numbers if recipients[n] in lower_than(status)]
    if waiting:
        MessageRecipient.objects.filter(message=message, number__in=waiting,
                                        status__in=lower_than(status)).update(**values)
    overall, fields = derived_status(list(MessageRecipient.objects.filter(message=message)))
    moved = advance(message.pk, overall, provider_message_id=provider_message_id, **fields)
    if waiting and not moved:
        live.message_changed(message.pk)
    return waiting, moved


def derived_status(recipients: list[MessageRecipient]) -> tuple[str, dict]:
    """The status (and error fields) a message's recipients add up to once Bandwidth has taken it:
    delivered when every recipient is final and one was delivered (naming who was not reached and why),
    failed when every one failed, sent otherwise."""
    if not recipients or not all(r.final for r in recipients):
        return Status.SENT, {"error_code": None, "error_description": ""}
    failed = [r for r in recipients if r.status == Status.FAILED]
    if len(recipients) == 1 and failed:
        return Status.FAILED, {"error_code": failed[0].error_code, "error_description": failed[0].error_description}
    missed = " ".join(f"Not delivered to {r.number}: {r.error_description.rstrip('.') or 'no reason given'}."
                      for r in failed)
    if len(failed) == len(recipients):
        codes = {r.error_code for r in failed}
        return Status.FAILED, {"error_code": codes.pop() if len(codes) == 1 else None, "error_description": missed}
    return Status.DELIVERED, {"error_code": None, "error_description": missed}


def _ensure_recipients(message: Message) -> dict[str, str]:
    """The message's recipients' statuses by number. A message stored without recipient rows (by hand, or
    before they existed) gets them now, following the message's status."""
    recipients = dict(MessageRecipient.objects.filter(message=message).values_list("number", "status"))
    missing = [n for n in dict.fromkeys(message.to_numbers) if n not in recipients]
    if missing:
        status = MessageRecipient.status_for(message.status)
        failed = status == Status.FAILED
        MessageRecipient.objects.bulk_create([
            MessageRecipient(message=message, number=n, status=status,
                             error_code=message.error_code if failed else None,
                             error_description=message.error_description if failed else "")
            for n in missing
        ], ignore_conflicts=True)
        recipients |= dict.fromkeys(missing, status)
    return recipients


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
