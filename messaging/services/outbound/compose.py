"""Outbound SMS/MMS: `queue_message` checks, routes and stores a message, then starts delivery on commit.

The rest of the flow lives beside it (messaging/tasks.py calls those modules directly):
- idempotency.queue_message_once: queue_message at most once per Idempotency-Key or Compose form token;
- deliver.deliver_message: claim the row, keep the number's rate, post to Bandwidth;
- reconcile.reconcile_message: settle a send whose answer was lost, without sending twice;
- sweep.sweep_messages: re-queue rows whose task was lost;
- status: forward-only moves, delivery receipts (apply_delivery_event) and every failure's wording.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.files import File
from django.db import connection, models, transaction
from django.utils import timezone

from messaging import dispatch
from messaging import metrics as message_metrics
from messaging.bandwidth import count_segments
from messaging.exceptions import MessageInvalid, SendRefused
from messaging.models import Extension, Message, MessageRecipient, OptOut, PhoneNumber, SmsConfiguration
from messaging.services.conversations import threads
from messaging.services.outbound import routing
from messaging.services.outbound.media import check_media, store_media

MAX_TEXT_LENGTH = 2048
# Bandwidth refuses (400) an outbound group message to more than 10 recipients, the numbers in `to`; the
# sender is not counted. Source: Bandwidth's "Incoming Group Message Event" page (new.dev.bandwidth.com/
# messaging/callbacks/incomingGroup.html: "you are limited to 10 recipients when sending outbound") and its
# support article "How does Group Messaging work with MMS?" ("a maximum of 10 participants in a Group").
# bandwidth.yml sets no maxItems on `to`, so we check it before storing anything.
MAX_GROUP_RECIPIENTS = 10
# Individual messages are one send per recipient, stored in one transaction: a bound on one request's work,
# not a Bandwidth rule. Larger lists are a campaign, to be sent through the API in batches.
MAX_INDIVIDUAL_RECIPIENTS = 50


class SendMode(models.TextChoices):
    """Several recipients: one group message (one MMS thread for all) or one message to each (1:1 threads)."""

    GROUP = "group", "One group message"
    INDIVIDUAL = "individual", "Individual messages"


def queue_message(
    *, extension: Extension, to: Iterable[str], text: str, media: Sequence[File | str] = (),
    from_number: str | None = None,
) -> Message:
    """Store the message as queued, in its conversation, and start its delivery after commit.

    `from_number` (a reply in a conversation) sends from that number instead of the rule's sender, when the
    rule's trunk holds it (routing.outbound_route).

    Guarantees: nothing is stored and Bandwidth is not asked unless the message passes every check.
    Raises MessageInvalid (no text or media, text over 2048 characters, a bad number, more than
    MAX_GROUP_RECIPIENTS recipients, an attachment of the wrong type, size or count) and SendRefused (the
    extension may not send, no rule, the rule's configuration cannot send, a recipient opted out, an
    unregistered 10DLC number when the tenant refuses those), each with a reason a user can read. Warnings
    (an unregistered 10DLC number) are kept in `Message.warnings`.
    """
    text = text or ""
    items = check_media(media)
    check_text(text, has_media=bool(items))
    route = routing.outbound_route(extension=extension, to=to, from_number=from_number)
    check_group_size(route.to)
    warnings = check_sender(from_number=route.from_number, to=route.to)
    return store_queued_message(configuration=route.configuration, from_number=route.from_number, to=route.to,
                                text=text, warnings=warnings, extension=extension, items=items)


def store_queued_message(
    *, configuration: SmsConfiguration, from_number: str, to: list[str], text: str, warnings: list[str],
    extension: Extension | None = None, items: Sequence = (),
) -> Message:
    """Store a checked outbound message as queued, with its recipients, attachments and conversation, and start
    its delivery after commit. The one place a send is written: queue_message, and Send test message
    (services/configuration/test_messages.py), which picks configuration and sender itself."""
    with transaction.atomic():
        message = Message.objects.create(
            direction=Message.Direction.OUTBOUND,
            status=Message.Status.QUEUED,
            extension=extension,
            sms_configuration=configuration,
            from_number=from_number,
            to_numbers=to,
            text=text,
            segments=count_segments(text).segments,
            warnings=warnings,
            next_attempt_at=timezone.now(),
        )
        MessageRecipient.objects.bulk_create(
            [MessageRecipient(message=message, number=number) for number in dict.fromkeys(to)])
        store_media(message, items)
        threads.join_conversation(message, extensions=[extension] if extension else [])
        message_metrics.message_status("queued")
        # Published while the tenant is current, so the task runs in this tenant's schema.
        dispatch.on_commit("messaging.deliver_message", message.pk)
    return message


def queue_messages(
    *, extension: Extension, to: Iterable[str], text: str, media: Sequence[File | str] = (),
    mode: str = SendMode.GROUP, from_number: str | None = None,
) -> list[Message]:
    """`mode` group: queue_message to all recipients, one message. `mode` individual: one message to each
    recipient (duplicates dropped, order kept), each in its own 1:1 conversation, with the same text and media.

    Guarantees: all or none; a refusal for one recipient (opted out, no rule) stores nothing for any.
    Raises what queue_message raises, and MessageInvalid past MAX_INDIVIDUAL_RECIPIENTS or for an unknown mode.
    """
    if mode == SendMode.GROUP:
        return [queue_message(extension=extension, to=to, text=text, media=media, from_number=from_number)]
    if mode != SendMode.INDIVIDUAL:
        raise MessageInvalid(f"Choose “{SendMode.GROUP}” or “{SendMode.INDIVIDUAL}”.", field="mode")
    numbers = routing.normalise_destinations(to)
    if len(numbers) > MAX_INDIVIDUAL_RECIPIENTS:
        raise MessageInvalid(
            f"Individual messages go to at most {MAX_INDIVIDUAL_RECIPIENTS} recipients at a time; this has "
            f"{len(numbers)}. Send them in smaller batches.", code="too_many_recipients", field="to")
    with transaction.atomic():
        return [queue_message(extension=extension, to=[number], text=text, media=media, from_number=from_number)
                for number in numbers]


def check_group_size(to: list[str]) -> None:
    """Raise MessageInvalid when `to` (normalised, distinct) is more than Bandwidth takes in a group message."""
    if len(to) > MAX_GROUP_RECIPIENTS:
        raise MessageInvalid(
            f"A group message can have at most {MAX_GROUP_RECIPIENTS} recipients (Bandwidth's limit); this one "
            f"has {len(to)}. Send individual messages instead, or split the group.",
            code="too_many_recipients", field="to",
        )


def check_text(text: str, *, has_media: bool) -> None:
    if not text.strip() and not has_media:
        raise MessageInvalid("Enter a text or attach a file.", field="text")
    if len(text) > MAX_TEXT_LENGTH:
        raise MessageInvalid(
            f"The text has {len(text)} characters; Bandwidth takes at most {MAX_TEXT_LENGTH}.", field="text"
        )


# The recipients who opted out of the sender, and the sender's 10DLC status and where it comes from (NULL: not one
# of our DIDs).
_SENDER_SQL = (
    f'SELECT ARRAY(SELECT remote_number FROM "{OptOut._meta.db_table}" WHERE number = %(number)s '
    f'AND remote_number = ANY(%(to)s)), '
    f'(SELECT ARRAY[ten_dlc_status, registration_source] FROM "{PhoneNumber._meta.db_table}" '
    f'WHERE number = %(number)s)'
)


def check_sender(*, from_number: str, to: list[str]) -> list[str]:
    """Opt-outs and 10DLC in one query: raise SendRefused naming the recipients who replied STOP to
    `from_number`, or for an unregistered 10DLC sender when the tenant refuses those; else the warnings to
    keep (an unregistered 10DLC sender)."""
    with connection.cursor() as cursor:
        cursor.execute(_SENDER_SQL, {"number": from_number, "to": to})
        opted_out, registration = cursor.fetchone()
    check_opt_outs(from_number=from_number, to=to, opted_out=set(opted_out))
    number = None if registration is None else PhoneNumber(
        number=from_number, ten_dlc_status=registration[0], registration_source=registration[1])
    return ten_dlc_warnings(from_number, number=number)


def check_opt_outs(*, from_number: str, to: list[str], opted_out: set[str]) -> None:
    """Raise SendRefused naming the recipients (of `opted_out`) on `from_number`'s opt-out list (they replied
    STOP, or an administrator added them)."""
    if opted_out:
        names = ", ".join(number for number in to if number in opted_out)
        raise SendRefused(
            f"{names} opted out of messages from {from_number} (see Opt-outs); nothing was sent. "
            "They can opt back in by texting START.",
            code="opted_out", field="to",
        )


def ten_dlc_warnings(from_number: str, *, number: PhoneNumber | None) -> list[str]:
    """A warning when `from_number` is a US long code not marked 10DLC-registered; SendRefused instead
    when the tenant refuses such sends. `number`: the sender's PhoneNumber, None when it is not one of
    the tenant's DIDs."""
    if number is None:
        if not PhoneNumber(number=from_number).is_us_long_code:
            return []
        problem = (f"{from_number} is a US long code that is not one of this tenant's DIDs, so its 10DLC "
                   "registration is unknown")
    elif number.needs_10dlc_registration:
        from_bandwidth = number.registration_source == PhoneNumber.RegistrationSource.BANDWIDTH
        said = "Bandwidth reports" if from_bandwidth else "marked"
        problem = f"{from_number} is a US long code {said} “{number.get_ten_dlc_status_display()}” for 10DLC"
    else:
        return []
    if getattr(connection.tenant, "refuse_unregistered_10dlc", False):
        raise SendRefused(
            f"{problem}. This tenant refuses sends from unregistered 10DLC numbers: register the number's "
            "campaign with Bandwidth, then press Refresh from Bandwidth (or mark it registered) on the Trunks page.",
            code="unregistered_10dlc",
        )
    return [f"{problem}: US carriers may block or filter this message (error 4773 and similar) until it is registered."]
