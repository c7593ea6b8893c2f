"""Known messages for the usage tests: built in the current schema, each with the time it was created."""

from datetime import datetime
from zoneinfo import ZoneInfo

from messaging.models import Message, MessageMedia, MessageRecipient
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT

UTC = ZoneInfo("UTC")
OTHER = "+19195550177"


def at(text: str) -> datetime:
    """`2026-11-03 10:00` in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def outbound(acme, *, when: str, to=(RECIPIENT,), segments: int = 1, media: int = 0, accepted: bool = True,
             status: str = "delivered", failed_to=(), extension="sales", from_number: str = DID,
             text: str = "Hello") -> Message:
    """An outbound message as the send path leaves it: recipients with their statuses (those in `failed_to`
    failed), an id from Bandwidth when `accepted`."""
    message = Message.objects.create(
        direction="out", status=status, extension=getattr(acme.ext, extension) if extension else None,
        sms_configuration=acme.configuration, from_number=from_number, to_numbers=list(to), text=text,
        segments=segments, provider_message_id=f"bw-{Message.objects.count()}" if accepted else "",
    )
    MessageRecipient.objects.bulk_create([
        MessageRecipient(message=message, number=number, status="failed" if number in failed_to else status)
        for number in to
    ])
    _media(message, media)
    Message.objects.filter(pk=message.pk).update(created_at=at(when))
    return message


def inbound(acme, *, when: str, to=(DID,), sender: str = RECIPIENT, segments: int = 1, media: int = 0,
            routed=(), text: str = "Hi") -> Message:
    message = Message.objects.create(
        direction="in", status="received", sms_configuration=acme.configuration, from_number=sender,
        to_numbers=list(to), text=text, segments=segments, unrouted=not routed,
        provider_message_id=f"in-{Message.objects.count()}",
    )
    message.routed_to.set([getattr(acme.ext, name) for name in routed])
    _media(message, media)
    Message.objects.filter(pk=message.pk).update(created_at=at(when))
    return message


def _media(message: Message, count: int) -> None:
    MessageMedia.objects.bulk_create([
        MessageMedia(message=message, position=i, source_url=f"https://example.com/{i}.jpg", state="stored")
        for i in range(count)
    ])


def november(acme) -> None:
    """The month the figures tests count, with a message on each side of its edges."""
    outbound(acme, when="2026-10-31 23:59:59", segments=5)  # October
    outbound(acme, when="2026-11-01 00:00:00", segments=2)  # the first instant of November
    outbound(acme, when="2026-11-10 12:00", segments=3, failed_to=(RECIPIENT,), status="failed")  # accepted, failed
    outbound(acme, when="2026-11-11 12:00", accepted=False, status="failed")  # refused by Bandwidth
    outbound(acme, when="2026-11-12 12:00", accepted=False, status="queued")  # not sent yet
    outbound(acme, when="2026-11-13 12:00", media=2, segments=4)  # MMS: one message, whatever the segments
    outbound(acme, when="2026-11-14 12:00", to=(RECIPIENT, OTHER), failed_to=(OTHER,))  # group: MMS, per recipient
    outbound(acme, when="2026-11-15 12:00", extension="chooser", from_number=OTHER_DID, segments=1)
    inbound(acme, when="2026-11-16 12:00", segments=2, routed=("sales",))
    inbound(acme, when="2026-11-17 12:00", media=1, routed=("sales",))
    inbound(acme, when="2026-11-18 12:00", to=(DID, OTHER_DID, OTHER), routed=("sales", "bare"))  # group, 2 of ours
    inbound(acme, when="2026-11-19 12:00", to=(OTHER_DID,))  # unrouted
    inbound(acme, when="2026-11-30 23:59:59.999999", to=(OTHER_DID,), segments=3)  # last instant of November
    inbound(acme, when="2026-12-01 00:00", to=(OTHER_DID,))  # December
