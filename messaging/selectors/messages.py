"""Reads of the message log, shared by the Messages screen and the API.

Pages are cut by keyset on (created_at, id), newest first: a page costs the same at row 100,000 as
at row 1, and nothing ever counts the whole table.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from messaging.models import Extension, KeywordKind, Message, MessageMedia, MessageRecipient
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.outbound.status import failure_text

MAX_CURSOR_LENGTH = 200  # encode_cursor's are about 60 characters
FINAL_STATUSES = frozenset({Message.Status.DELIVERED, Message.Status.FAILED, Message.Status.RECEIVED})
ANY_KEYWORD_REPLY = "any"
KEYWORD_REPLY_CHOICES = [*KeywordKind.choices, (ANY_KEYWORD_REPLY, "Any kind")]


def list_messages(
    *,
    direction: str | None = None,
    status: str | None = None,
    extension: str | None = None,
    number: str | None = None,
    unrouted: bool = False,
    keyword_reply: str | None = None,
) -> QuerySet[Message]:
    """Messages newest first, filtered as filter_messages says, with what a row of the log shows."""
    messages = Message.objects.select_related("extension").prefetch_related(
        Prefetch("routed_to", queryset=Extension.objects.only("id", "number", "name")),
        Prefetch("media", queryset=MessageMedia.objects.order_by("position")),
        "recipients",
    )
    return filter_messages(messages, direction=direction, status=status, extension=extension, number=number,
                           unrouted=unrouted, keyword_reply=keyword_reply).order_by("-created_at", "-id")


def filter_messages(
    messages: QuerySet[Message],
    *,
    direction: str | None = None,
    status: str | None = None,
    extension: str | None = None,
    number: str | None = None,
    unrouted: bool = False,
    keyword_reply: str | None = None,
) -> QuerySet[Message]:
    """The log's filters, one meaning for the screen and the API: `extension` is an extension number (the
    sender of an outbound message or one it was routed to), `number` matches the from number or any
    recipient (E.164 or any format to_e164 reads), `unrouted` keeps inbound messages no rule matched,
    `keyword_reply` automatic replies to a keyword of that kind (ANY_KEYWORD_REPLY: of any kind).
    Empty values filter nothing; unknown ones simply match nothing."""
    if direction:
        messages = messages.filter(direction=direction)
    if status:
        messages = messages.filter(status=status)
    if extension:
        routed = Message.routed_to.through.objects.filter(extension__number=extension).values("message_id")
        messages = messages.filter(Q(extension__number=extension) | Q(pk__in=routed))
    if unrouted:
        messages = messages.filter(direction=Message.Direction.INBOUND, unrouted=True)
    if keyword_reply == ANY_KEYWORD_REPLY:
        messages = messages.exclude(keyword_reply="")
    elif keyword_reply:
        messages = messages.filter(keyword_reply=keyword_reply)
    if number:
        wanted = normalise_number(number)
        messages = messages.filter(Q(from_number=wanted) | Q(to_numbers__contains=[wanted]))
    return messages


def count_unrouted(*, limit: int = 1000) -> int:
    """Inbound messages no rule matched (the Unrouted box), counted up to `limit`."""
    return Message.objects.filter(direction=Message.Direction.INBOUND, unrouted=True)[:limit].count()


def normalise_number(text: str) -> str:
    try:
        return to_e164(text)
    except InvalidNumber:
        return text.strip()


def get_message(message_id: int) -> Message:
    """One message with what its page shows. Raises Message.DoesNotExist."""
    return list_messages().get(pk=message_id)


def list_statuses(message_ids: list[int]) -> list[dict]:
    """What the Messages page polls: status and failure reason of the given messages."""
    rows = Message.objects.filter(pk__in=message_ids[:200]).only(
        "id", "status", "error_code", "error_description", "provider_message_id", "updated_at")
    return [
        {"id": m.pk, "status": m.status, "status_label": m.get_status_display(), "final": m.status in FINAL_STATUSES,
         "reason": failure_reason(m), "provider_message_id": m.provider_message_id}
        for m in rows
    ]


def failure_reason(message: Message | MessageRecipient) -> str:
    """Why a message (or one of its recipients) failed, or what is being waited for, in plain words: the
    stored reason, else the error code worded by outbound.status."""
    if message.error_description:
        return message.error_description
    if message.error_code is not None:
        return failure_text(message.error_code)
    return ""


@dataclass(frozen=True)
class Page:
    items: list[Message]
    next_cursor: str | None
    previous_cursor: str | None


def page_of(messages: QuerySet[Message], *, after: str | None = None, before: str | None = None,
            size: int = 50) -> Page:
    """One page of `messages` (ordered newest first) after or before a cursor; cursors are opaque."""
    if before and (position := decode_cursor(before)):
        created_at, pk = position
        newer = Q(created_at__gt=created_at) | Q(created_at=created_at, id__gt=pk)
        rows = list(messages.filter(created_at__gte=created_at).filter(newer)
                    .order_by("created_at", "id")[: size + 1])
        has_newer = len(rows) > size
        items = rows[:size][::-1]
        return Page(items, encode_cursor(items[-1]) if items else None,
                    encode_cursor(items[0]) if has_newer and items else None)
    position = decode_cursor(after) if after else None
    if position:
        created_at, pk = position
        # created_at <= c is the index condition; the OR only settles ties inside one instant.
        older = Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk)
        messages = messages.filter(created_at__lte=created_at).filter(older)
    rows = list(messages[: size + 1])
    items = rows[:size]
    return Page(items, encode_cursor(items[-1]) if len(rows) > size else None,
                encode_cursor(items[0]) if position and items else None)


def encode_cursor(message: Message) -> str:
    raw = json.dumps([message.created_at.isoformat(), message.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (created_at, id) a cursor points at; None for anything unreadable (the first page then): too
    long, not base64, not the JSON of [ISO time with zone, id], an id out of range."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, pk = json.loads(raw)
        if not isinstance(created_at, str) or not isinstance(pk, int) or not 0 < pk < 2**63:
            return None
        when = datetime.fromisoformat(created_at)
        if when.tzinfo is None:
            return None
        return when, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError, OverflowError):
        return None
