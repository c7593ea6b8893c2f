"""Sends that happen once however often they are asked for: the API's `Idempotency-Key` header and the
Compose form's one-time token, with the semantics of the IETF draft "The Idempotency-Key HTTP Header
Field" as Stripe applies them.

- The same key with the same request within KEY_LIFETIME: the first answer again (same message, status and
  body), nothing sent a second time.
- The same key with another request: IdempotencyKeyReused (422), nothing sent.
- The same key while the first request is still being handled: the second waits for it (up to
  WAIT_FOR_FIRST) and then answers as above; past that, IdempotencyKeyInUse (409).
- Only a send that was stored is remembered: a refusal (400, 409) rolls the key back with everything
  else, so the same key may be used again once the request is corrected.

Keys are scoped to the user (and, being stored in the tenant's schema, to the tenant): two users' keys
never meet.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files import File
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from messaging.exceptions import IdempotencyKeyInUse, IdempotencyKeyInvalid, IdempotencyKeyReused
from messaging.models import Extension, IdempotentRequest, Message
from messaging.services.outbound import compose

KEY_LIFETIME = timedelta(hours=24)
WAIT_FOR_FIRST = "5s"  # PostgreSQL's lock_timeout while the first request with the key holds it
KEY_FORMAT = re.compile(r"[\x20-\x7e]{1,255}")
LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class SendAnswer:
    """What to answer: the message (the first, for individual messages), the status and body of the first
    answer, and whether this is a replay. `messages`: every message queued now (a replay: the first only)."""

    message: Message
    status: int
    body: dict
    replayed: bool
    messages: tuple[Message, ...] = ()


def queue_message_once(
    *,
    user,
    key: str | None,
    extension: Extension,
    to: Iterable[str],
    text: str,
    media: Sequence[File | str] = (),
    answer: Callable[[Message], dict] | None = None,
    status: int = 202,
    from_number: str | None = None,
) -> SendAnswer:
    """compose.queue_message, at most once per (user, key) within KEY_LIFETIME.

    `answer` renders the body to give (and to give again on a replay); it runs inside the transaction that
    stores the message. Without a key (None) the message is simply queued.
    Raises IdempotencyKeyInvalid (400: not 1-255 printable ASCII characters), IdempotencyKeyReused (422:
    the key stands for another request), IdempotencyKeyInUse (409: the first request with the key is still
    running after WAIT_FOR_FIRST), and whatever queue_message raises.
    """
    render = answer or (lambda message: {})
    return queue_messages_once(user=user, key=key, extension=extension, to=to, text=text, media=media,
                               answer=lambda messages: render(messages[0]), status=status, from_number=from_number)


def queue_messages_once(
    *,
    user,
    key: str | None,
    extension: Extension,
    to: Iterable[str],
    text: str,
    media: Sequence[File | str] = (),
    mode: str = compose.SendMode.GROUP,
    answer: Callable[[list[Message]], dict] | None = None,
    status: int = 202,
    from_number: str | None = None,
) -> SendAnswer:
    """compose.queue_messages (one group message, or one message per recipient for `mode` individual), at
    most once per (user, key) within KEY_LIFETIME; the key covers every message of the send, all or none.

    `answer` renders the body from the messages queued. Raises as queue_message_once, and whatever
    queue_messages raises; the same key with another mode is another request (IdempotencyKeyReused).
    """
    render = answer or (lambda messages: {})
    to = list(to)

    def send() -> list[Message]:
        return compose.queue_messages(extension=extension, to=to, text=text, media=media, mode=mode,
                                      from_number=from_number)

    if key is None:
        messages = send()
        return SendAnswer(messages[0], status, render(messages), replayed=False, messages=tuple(messages))
    check_key(key)
    fingerprint = request_fingerprint(extension=extension, to=to, text=text, media=media, from_number=from_number,
                                      mode=mode)
    now = timezone.now()
    with transaction.atomic():
        IdempotentRequest.objects.filter(user=user, key=key, created_at__lt=now - KEY_LIFETIME).delete()
        claim = _claim(user=user, key=key, fingerprint=fingerprint, now=now)
        if claim is None:
            return _replay(user=user, key=key, fingerprint=fingerprint)
        messages = send()
        claim.message, claim.response_status, claim.response_body = messages[0], status, render(messages)
        claim.save(update_fields=["message", "response_status", "response_body"])
    return SendAnswer(messages[0], status, claim.response_body, replayed=False, messages=tuple(messages))


def check_key(key: str) -> str:
    """The key, unchanged; IdempotencyKeyInvalid unless it is 1 to 255 printable ASCII characters."""
    if not KEY_FORMAT.fullmatch(key):
        raise IdempotencyKeyInvalid(
            "The Idempotency-Key must be 1 to 255 printable ASCII characters, for example a UUID."
        )
    return key


def request_fingerprint(*, extension: Extension, to: Sequence[str], text: str, media: Sequence[File | str],
                        from_number: str | None = None, mode: str = compose.SendMode.GROUP) -> str:
    """SHA-256 of what is asked to be sent: the extension, recipients, text, each attachment (a URL, or
    a file's name, type and content) and, when not a group message, the mode."""
    items = [item if isinstance(item, str) else _file_digest(item) for item in media]
    asked = {"extension": extension.pk, "to": [number.strip() for number in to], "text": text, "media": items}
    if from_number:
        asked["from"] = from_number
    if mode != compose.SendMode.GROUP:  # only then: keys stored before modes existed still match
        asked["mode"] = mode
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def expire_keys(*, now: datetime | None = None) -> int:
    """Delete the current tenant's keys older than KEY_LIFETIME; return how many."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _claim(*, user, key: str, fingerprint: str, now: datetime) -> IdempotentRequest | None:
    """Insert the key's row; None when a committed row already has the key.

    A transaction still holding the key makes PostgreSQL wait on the unique index until it ends: then
    the row is ours (it rolled back) or theirs (it committed). The wait is bounded by lock_timeout.
    """
    try:
        with transaction.atomic():
            previous = _set_lock_timeout(WAIT_FOR_FIRST)
            claim = IdempotentRequest.objects.create(user=user, key=key, request_hash=fingerprint, created_at=now)
            _set_lock_timeout(previous)  # on an error the savepoint's rollback restores it
            return claim
    except IntegrityError:
        return None
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise IdempotencyKeyInUse(
            "A request with this Idempotency-Key is still being handled; send it again in a moment."
        ) from None


def _replay(*, user, key: str, fingerprint: str) -> SendAnswer:
    first = IdempotentRequest.objects.select_related("message").get(user=user, key=key)
    if first.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different message; nothing was sent. "
            "Use a new key for a new message."
        )
    return SendAnswer(first.message, first.response_status, first.response_body, replayed=True,
                      messages=(first.message,))


def _set_lock_timeout(value: str) -> str:
    """Set lock_timeout for the rest of the transaction; return the value it had."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [value])
    return previous


def _file_digest(item: File) -> dict:
    digest = hashlib.sha256()
    for chunk in item.chunks():
        digest.update(chunk)
    item.seek(0)
    return {"name": item.name, "type": getattr(item, "content_type", ""), "sha256": digest.hexdigest()}
