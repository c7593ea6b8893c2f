"""Reads of the Inbox: which conversations a user sees, their unread counts, and their threads.

Who sees what: administrators (and system administrators managing the tenant) every conversation; an
extension user only those linked to one of their extensions (messaging.services.conversations.threads
links the extensions that sent or received in it). Everything else answers as if it did not exist.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from messaging.models import Conversation, ConversationRead, Extension, ExtensionAssignment, Message, MessageMedia
from messaging.numbers import InvalidNumber, to_e164
from messaging.selectors.messages import Page, decode_cursor
from tenants.access import EXTENSION_ROLE

MAX_QUERY_LENGTH = 200  # characters of an Inbox search (screen and API)
NUMBER_CHARACTERS = frozenset("+0123456789")
UNREAD_BADGE_CAP = 100  # the badge counts unread conversations up to this many, then says "99+"


@dataclass(frozen=True)
class Reader:
    """Who is reading: the user and, for an extension user, the extensions they serve (None: all)."""

    user_id: int
    extension_ids: frozenset[int] | None

    @property
    def sees_everything(self) -> bool:
        return self.extension_ids is None

    def may_see(self, extension_ids) -> bool:
        return self.extension_ids is None or bool(self.extension_ids & set(extension_ids))


def reader_for(user, role: str | None) -> Reader:
    """The Reader for a signed-in user with their role in the current tenant."""
    if role == EXTENSION_ROLE:
        ids = ExtensionAssignment.objects.filter(user_id=user.pk).values_list("extension_id", flat=True)
        return Reader(user.pk, frozenset(ids))
    return Reader(user.pk, None)


def reader_extensions(reader: Reader) -> QuerySet[Extension]:
    """The extensions the reader may write from: their own, or every one for an administrator."""
    extensions = Extension.objects.order_by("number")
    if reader.extension_ids is not None:
        extensions = extensions.filter(pk__in=reader.extension_ids)
    return extensions


def visible_conversations(reader: Reader) -> QuerySet[Conversation]:
    conversations = Conversation.objects.all()
    if reader.extension_ids is not None:
        links = Conversation.extensions.through.objects.filter(
            conversation_id=OuterRef("pk"), extension_id__in=reader.extension_ids)
        conversations = conversations.filter(Exists(links))
    return conversations


def with_unread(conversations: QuerySet[Conversation], reader: Reader, *,
                join: bool = False) -> QuerySet[Conversation]:
    """Annotate `last_read` (the reader's read mark, 0 if none) and `unread`: inbound messages after it,
    counted while the conversation's last message is after the mark (once the reader has seen the last
    message, the conversation is read). `join`: see with_last_read."""
    conversations = with_last_read(conversations, reader, join=join)
    unread = (
        _inbound_after_last_read().order_by().values("conversation_id").annotate(n=Count("*")).values("n")
    )
    return conversations.annotate(unread=Case(
        When(_maybe_unread(), then=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))),
        default=Value(0), output_field=IntegerField(),
    ))


def with_last_read(conversations: QuerySet[Conversation], reader: Reader, *,
                   join: bool = True) -> QuerySet[Conversation]:
    """Annotate `last_read`. With `join`, a join on the reader's one read row (unique per conversation and
    user): the planner then merges the reads with the conversations in one pass, which filtering on unread
    needs; without, a lookup per row returned, cheaper for one page (and the page's count stays a plain
    count of conversations)."""
    if not join:
        mark = ConversationRead.objects.filter(conversation_id=OuterRef("pk"), user_id=reader.user_id).values(
            "last_read_message_id")[:1]
        return conversations.annotate(last_read=Coalesce(Subquery(mark), Value(0), output_field=BigIntegerField()))
    return conversations.annotate(
        my_read=FilteredRelation("reads", condition=Q(reads__user_id=reader.user_id)),
    ).annotate(last_read=Coalesce(F("my_read__last_read_message_id"), Value(0), output_field=BigIntegerField()))


def only_unread(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Of conversations annotated by with_last_read, those with unread messages. The cheap comparison with
    the last message comes first, so only those conversations are probed for an inbound message."""
    return conversations.filter(_maybe_unread()).filter(Exists(_inbound_after_last_read()))


def _maybe_unread() -> Q:
    return Q(last_message_id__isnull=True) | Q(last_message_id__gt=F("last_read"))


def _inbound_after_last_read() -> QuerySet[Message]:
    return Message.objects.filter(conversation_id=OuterRef("pk"), direction=Message.Direction.INBOUND,
                                  pk__gt=OuterRef("last_read"))


def list_conversations(reader: Reader, *, q: str = "", unread: bool = False) -> QuerySet[Conversation]:
    """The reader's conversations, newest first, each with `unread` and its last message.

    `q` matches a number (any format to_e164 reads, or digits of one) among our number and the
    participants, or words of any message's text; `unread` keeps only conversations with unread messages.
    """
    return filter_conversations(visible_conversations(reader), reader, q=q, unread=unread)


def filter_conversations(conversations: QuerySet[Conversation], reader: Reader, *, q: str = "",
                         unread: bool = False) -> QuerySet[Conversation]:
    """list_conversations' work on conversations the reader may see (visible_conversations)."""
    conversations = with_unread(conversations, reader, join=unread).select_related(
        "last_message").prefetch_related(_linked_extensions())
    q = (q or "").strip()
    if q:
        # A partial number is looked for in the participants as one string.
        participants_text = Func(F("participants"), Value(","), function="array_to_string", output_field=CharField())
        conversations = conversations.alias(participants_text=participants_text).filter(_search(q))
    if unread:
        conversations = only_unread(conversations)
    return conversations.order_by("-last_message_at", "-id")


def _search(q: str) -> Q:
    # The messages whose text matches, found once through the trigram index (message_text_trgm), not probed
    # conversation by conversation.
    in_text = Message.objects.filter(text__icontains=q, conversation_id__isnull=False).values("conversation_id")
    condition = Q(pk__in=in_text)
    if set(q) <= NUMBER_CHARACTERS:
        # Our numbers are E.164: words cannot be part of one, and leaving the test out lets the search start
        # from the matching messages instead of walking every conversation.
        condition |= Q(our_number__contains=q)
    try:
        number = to_e164(q)
    except InvalidNumber:
        number = ""
    if number:
        condition |= Q(participants__contains=[number]) | Q(our_number=number)
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= 3:
        condition |= Q(participants_text__contains=digits) | Q(our_number__contains=digits)
    return condition


def get_conversation(reader: Reader, conversation_id: int) -> Conversation:
    """One conversation the reader may see, with `unread`. Raises Conversation.DoesNotExist otherwise."""
    return (with_unread(visible_conversations(reader), reader).select_related("last_message")
            .prefetch_related(_linked_extensions()).get(pk=conversation_id))


def _linked_extensions() -> Prefetch:
    return Prefetch("extensions", queryset=Extension.objects.order_by("number"))


def page_of_conversations(conversations: QuerySet[Conversation], *, after: str | None = None,
                          before: str | None = None, size: int = 50) -> Page:
    """One page of `conversations` (newest first) after or before an opaque cursor; an unreadable cursor
    gives the first page. A conversation is made with its first message, so each has a last_message_at."""
    conversations = conversations.filter(last_message_at__isnull=False)
    if before and (position := decode_cursor(before)):
        at, pk = position
        newer = Q(last_message_at__gt=at) | Q(last_message_at=at, id__gt=pk)
        rows = list(conversations.filter(newer).order_by("last_message_at", "id")[: size + 1])
        items = rows[:size][::-1]
        return Page(items, _cursor(items[-1]) if items else None,
                    _cursor(items[0]) if len(rows) > size and items else None)
    position = decode_cursor(after) if after else None
    if position:
        at, pk = position
        conversations = conversations.filter(Q(last_message_at__lt=at) | Q(last_message_at=at, id__lt=pk))
    rows = list(conversations.order_by("-last_message_at", "-id")[: size + 1])
    items = rows[:size]
    return Page(items, _cursor(items[-1]) if len(rows) > size else None,
                _cursor(items[0]) if position and items else None)


def _cursor(conversation: Conversation) -> str:
    raw = json.dumps([conversation.last_message_at.isoformat(), conversation.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def thread_messages(conversation: Conversation) -> QuerySet[Message]:
    """The conversation's messages with what a thread shows (sender extension, attachments, each outbound
    message's recipients and their statuses), oldest first."""
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("extension")
        .prefetch_related(Prefetch("media", queryset=MessageMedia.objects.order_by("position")),
                          "recipients")
        .order_by("created_at", "id")
    )


def conversation_extension_ids(conversation_id: int) -> list[int]:
    return list(Conversation.extensions.through.objects.filter(conversation_id=conversation_id).values_list(
        "extension_id", flat=True))


def count_unread_conversations(reader: Reader) -> int:
    """How many of the reader's conversations have unread messages (the badge beside Inbox), counted up to
    UNREAD_BADGE_CAP: the badge shows "99+" beyond, and the count stops there instead of probing every
    conversation of the tenant."""
    # No order: the planner may then merge the reads with the conversations in id order.
    unread = only_unread(with_last_read(visible_conversations(reader), reader)).order_by()
    return unread[:UNREAD_BADGE_CAP].count()


def list_thread_page(conversation: Conversation, *, before: int | None = None,
                     size: int = 100) -> tuple[list[Message], bool]:
    """The newest `size` messages of the thread (older than message id `before`, if given), oldest first,
    and whether older ones exist, with each message's recipients."""
    messages = thread_messages(conversation)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    newest = list(messages.order_by("-created_at", "-id")[: size + 1])
    return newest[:size][::-1], len(newest) > size


def get_thread_media(conversation: Conversation, media_id: int) -> MessageMedia:
    """A stored attachment of one of the conversation's messages. Raises MessageMedia.DoesNotExist."""
    return MessageMedia.objects.exclude(file="").get(pk=media_id, message__conversation=conversation)


def reply_extensions(reader: Reader, conversation: Conversation) -> QuerySet[Extension]:
    """The extensions the reader may reply from in this conversation: theirs linked to it that may send,
    else (an administrator in a conversation no extension is linked to yet) any of theirs that may send."""
    mine = reader_extensions(reader).exclude(send_sms=Extension.SendSms.NOT_ALLOWED)
    linked = mine.filter(conversations=conversation)
    return linked if linked.exists() else mine


def sending_extensions(reader: Reader) -> QuerySet[Extension]:
    """The reader's extensions that may send (New conversation's choice)."""
    return reader_extensions(reader).exclude(send_sms=Extension.SendSms.NOT_ALLOWED)
