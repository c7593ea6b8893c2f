"""Delivery receipts of one batch of the inbox, applied set by set.

The rules are those of outbound/status.py (`apply_delivery_event`, `settle_recipients`, `advance`): a
receipt moves the recipient it names (none named, or not a recipient: every one still waiting), forward
only; the message's status is derived from its recipients and moves forward only; Bandwidth's id is kept
when the message had none (a receipt that came before the send's answer). Here they are applied to rows
read once per batch: the messages found and locked in one query (in id order, so two batches cannot
deadlock on them), their recipients in one, then one UPDATE for the recipients and one for the messages.
The notes say the same as apply_delivery_event's, receipt by receipt, in the order the events came.
Must run inside the batch's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from messaging import live
from messaging import metrics as message_metrics
from messaging.models import Message, MessageRecipient, WebhookEvent
from messaging.services.inbound import payload
from messaging.services.outbound import status as outbound_status

Status = Message.Status
RECEIPT_TYPES = frozenset(outbound_status.EVENT_STATUS)
MESSAGE_FIELDS = ["status", "sent_at", "delivered_at", "failed_at", "error_code", "error_description",
                  "provider_message_id"]
RECIPIENT_FIELDS = ["status", "updated_at", "error_code", "error_description"]


@dataclass
class _Receipt:
    event_id: int
    target: str
    carrier_id: str
    tag: uuid.UUID | None
    number: str
    code: int | None
    description: str
    raw_code: str


def apply_receipts(events: list[WebhookEvent]) -> dict[int, str]:
    """Apply the delivery receipts `events` (locked, pending, of enabled configurations); return each one's
    note by event id."""
    found = [_read(event) for event in events]
    if not found:
        return {}
    messages = _locked_messages(found)
    by_uid = {m.uid: m for m in messages}
    by_carrier: dict[str, Message] = {}
    for message in messages:  # in id order: the first one wins, as in find_outbound_message
        by_carrier.setdefault(message.provider_message_id, message)
    recipients = _recipients(messages)
    changed_messages: dict[int, Message] = {}
    changed_recipients: dict[int, MessageRecipient] = {}
    notes = {}
    for receipt in found:
        message = by_uid.get(receipt.tag) if receipt.tag else None
        if message is None and receipt.carrier_id:
            message = by_carrier.get(receipt.carrier_id)
        if message is None:
            note = "No outbound message with this id or tag: nothing to update."
        else:
            note = _settle(receipt, message, recipients[message.pk], changed_messages, changed_recipients)
            by_carrier.setdefault(message.provider_message_id, message)  # an id it got just now finds it too
        if receipt.raw_code:
            note += f" Bandwidth's error code “{receipt.raw_code}” is not a code the portal knows: kept here only."
        notes[receipt.event_id] = note
    if changed_recipients:
        MessageRecipient.objects.bulk_update(list(changed_recipients.values()), RECIPIENT_FIELDS)
    if changed_messages:
        Message.objects.bulk_update(list(changed_messages.values()), MESSAGE_FIELDS)
    return notes


def _read(event: WebhookEvent) -> _Receipt:
    message, error = payload.read_message(event.payload), payload.read_error(event.payload)
    target = outbound_status.EVENT_STATUS[event.event_type]
    try:
        tag = uuid.UUID(message.tag) if message.tag else None
    except ValueError:
        tag = None  # a tag that is not a UUID is not one of ours
    failed = target == Status.FAILED
    return _Receipt(event_id=event.pk, target=target, carrier_id=message.carrier_id, tag=tag,
                    number=event.recipient, code=error.code if failed else None,
                    description=outbound_status.failure_text(error.code, error.description) if failed else "",
                    raw_code=error.raw_code)


def _locked_messages(found: list[_Receipt]) -> list[Message]:
    tags = {r.tag for r in found if r.tag}
    carriers = {r.carrier_id for r in found if r.carrier_id}
    return list(Message.objects.select_for_update().filter(direction=Message.Direction.OUTBOUND)
                .filter(Q(uid__in=tags) | Q(provider_message_id__in=carriers)).order_by("pk"))


def _recipients(messages: list[Message]) -> dict[int, dict[str, MessageRecipient]]:
    """Each message's recipients by number; a message stored without recipient rows gets them now."""
    rows: dict[int, dict[str, MessageRecipient]] = {m.pk: {} for m in messages}
    for recipient in MessageRecipient.objects.filter(message_id__in=list(rows)):
        rows[recipient.message_id][recipient.number] = recipient
    for message in messages:
        if any(number not in rows[message.pk] for number in message.to_numbers):
            outbound_status._ensure_recipients(message)
            rows[message.pk] = {r.number: r for r in MessageRecipient.objects.filter(message=message)}
    return rows


def _settle(receipt: _Receipt, message: Message, recipients: dict[str, MessageRecipient],
            changed_messages: dict, changed_recipients: dict) -> str:
    """settle_recipients and advance, on the rows in memory; returns apply_delivery_event's note."""
    now, target = timezone.now(), receipt.target
    lower = outbound_status.lower_than(target)
    numbers = [receipt.number] if receipt.number in recipients else list(recipients)
    reached = [n for n in numbers if recipients[n].status in lower]
    for number in reached:
        recipient = recipients[number]
        recipient.status, recipient.updated_at = target, now
        if target == Status.FAILED:
            recipient.error_code, recipient.error_description = receipt.code, receipt.description
        changed_recipients[recipient.pk] = recipient
    overall, fields = outbound_status.derived_status(list(recipients.values()))
    carrier_id = "" if message.provider_message_id else receipt.carrier_id
    moved = message.status in outbound_status.lower_than(overall)
    if moved:
        message.status = overall
        setattr(message, outbound_status.TIME_FIELD[overall], now)
        message.error_code, message.error_description = fields["error_code"], fields["error_description"]
        _carry(recipients, overall, fields, now, changed_recipients)
        message_metrics.message_status(overall, error_code=fields["error_code"])
    if carrier_id:
        message.provider_message_id = carrier_id
    if moved or carrier_id:
        changed_messages[message.pk] = message
    if moved or reached:
        live.message_changed(message.pk)
    return _note(message, receipt, recipients, reached, moved)


def _carry(recipients: dict[str, MessageRecipient], status: str, fields: dict, now, changed: dict) -> None:
    """status._carry_recipients: the recipients still below the message's new status follow it."""
    if status not in MessageRecipient.STATUSES:
        return
    lower = outbound_status.lower_than(status)
    for recipient in recipients.values():
        if recipient.status in lower:
            recipient.status, recipient.updated_at = status, now
            if status == Status.FAILED:
                recipient.error_code = fields.get("error_code")
                recipient.error_description = fields.get("error_description", "")
            changed[recipient.pk] = recipient


def _note(message: Message, receipt: _Receipt, recipients: dict, reached: list[str], moved: bool) -> str:
    overall = message.get_status_display().lower()
    if len(message.to_numbers) <= 1:
        if moved:
            return f"Message {message.pk}: {overall}."
        return f"Message {message.pk} is already {overall}: unchanged."
    if reached:
        label = Status(receipt.target).label.lower()
        return f"Message {message.pk}: {label} to {', '.join(reached)}. The message is {overall}."
    recipient = recipients.get(receipt.number)
    if recipient is None:
        return f"Message {message.pk}: no recipient was waiting for this receipt: unchanged."
    return f"Message {message.pk}: {receipt.number} is already {recipient.get_status_display().lower()}: unchanged."
