"""Writing in the Inbox: a reply in a conversation and a new conversation, both through the one outbound
path (outbound.idempotency.queue_message_once: same checks, limits, refusals and Idempotency-Key as
Compose and the messages API)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.core.files import File

from messaging.exceptions import MessageInvalid
from messaging.models import Conversation, Extension, Message
from messaging.selectors import conversations as conversation_selectors
from messaging.selectors.conversations import Reader
from messaging.services.outbound.idempotency import SendAnswer, queue_message_once


def reply(
    *, reader: Reader, user, conversation: Conversation, text: str, media: Sequence[File | str] = (),
    from_extension: str | None = None, key: str | None = None,
    answer: Callable[[Message], dict] | None = None,
) -> SendAnswer:
    """Send to the conversation's participants from its number, as one of the reader's extensions.

    `from_extension` (an extension number) chooses which; by default the reader's extension linked to the
    conversation (the lowest number), else, for an administrator, any extension linked to it.
    Raises MessageInvalid when no extension may write here, and whatever queue_message_once raises.
    """
    extension = writing_extension(reader, conversation=conversation, number=from_extension)
    return queue_message_once(
        user=user, key=key, extension=extension, to=list(conversation.participants), text=text, media=media,
        answer=answer, from_number=conversation.our_number,
    )


def start_conversation(
    *, reader: Reader, user, from_extension: str | None, to: Sequence[str] | str, text: str,
    media: Sequence[File | str] = (), key: str | None = None,
    answer: Callable[[Message], dict] | None = None,
) -> SendAnswer:
    """Send a first message from one of the reader's extensions; the message's conversation is made (or
    found, when one with these participants exists) as it is stored."""
    extension = writing_extension(reader, conversation=None, number=from_extension)
    return queue_message_once(user=user, key=key, extension=extension, to=to, text=text, media=media,
                              answer=answer)


def writing_extension(reader: Reader, *, conversation: Conversation | None, number: str | None) -> Extension:
    """The extension the reader writes from. Raises MessageInvalid (field `from_extension`) for an
    extension that is not theirs or, without `number`, when they have none for this conversation."""
    mine = conversation_selectors.reader_extensions(reader)
    if number:
        extension = mine.filter(number=str(number).strip()).first()
        if extension is None:
            raise MessageInvalid(f"{number} is not one of your extensions.", field="from_extension",
                                 code="unknown_extension")
        return extension
    if conversation is not None:
        linked = mine.filter(conversations=conversation).first()
        if linked is not None:
            return linked
    if reader.extension_ids is not None and len(reader.extension_ids) == 1:
        return mine.first()
    raise MessageInvalid("Choose the extension to send from.", field="from_extension", code="required")
