"""Threading: every stored message joins its conversation (our number + the other participants).

Called where messages are stored (outbound.compose.queue_message, inbound.process.receive_message), inside
their transaction, and by migration 0010 for the messages stored before conversations existed. Joining
twice has the effect of joining once: the conversation is made with ON CONFLICT DO NOTHING, the
extension links likewise, and the last message only moves to a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from messaging import live
from messaging.models import Conversation, Extension, Message


def participants_of(message: Message, our_number: str) -> list[str]:
    """The other parties of a message seen from `our_number`, sorted (the conversation's key)."""
    return sorted({message.from_number, *message.to_numbers} - {our_number}) or [our_number]


def our_number_of(message: Message, *, received_on: str = "") -> str:
    """Our side of the message: the sender of an outbound one; for an inbound one the number it reached
    (`received_on`, the callback's recipient), else the first of its recipients."""
    if message.direction == Message.Direction.OUTBOUND:
        return message.from_number
    return received_on or (message.to_numbers[0] if message.to_numbers else "")


def join_conversation(message: Message, *, extensions: Iterable[Extension | int] = (),
                      received_on: str = "") -> Conversation:
    """Put `message` in its conversation (made if new), link `extensions` to it, and make the message the
    conversation's last one if it is the newest. Must run inside the transaction that stores the message;
    the live event for it is published after that commits."""
    if message.conversation_id is not None:
        # Already threaded: a group message reaching a second of our numbers stays where it is (its other
        # number's extensions are linked to that conversation below).
        conversation = Conversation.objects.get(pk=message.conversation_id)
    else:
        our_number = our_number_of(message, received_on=received_on)
        conversation = conversation_for(our_number, participants_of(message, our_number))
        Message.objects.filter(pk=message.pk).update(conversation=conversation)
        message.conversation = conversation
    link_extensions(conversation, extensions)
    Conversation.objects.filter(pk=conversation.pk).filter(
        Q(last_message_at__isnull=True) | Q(last_message_at__lt=message.created_at)
        | Q(last_message_at=message.created_at, last_message_id__lt=message.pk)
    ).update(last_message=message, last_message_at=message.created_at)
    live.message_changed(message)
    return conversation


def conversation_for(our_number: str, participants: list[str]) -> Conversation:
    """The conversation of `our_number` with `participants` (sorted), made if it does not exist. Two
    transactions making the same one at once both end with the one row."""
    participants = sorted(set(participants))
    Conversation.objects.bulk_create(
        [Conversation(our_number=our_number, participants=participants)], ignore_conflicts=True)
    return Conversation.objects.get(our_number=our_number, participants=participants)


def link_extensions(conversation: Conversation, extensions: Iterable[Extension | int]) -> None:
    ids = {getattr(extension, "pk", extension) for extension in extensions if extension is not None}
    if not ids:
        return
    through = Conversation.extensions.through
    through.objects.bulk_create(
        [through(conversation_id=conversation.pk, extension_id=pk) for pk in sorted(ids)], ignore_conflicts=True)
