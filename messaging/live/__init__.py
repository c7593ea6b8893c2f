"""Live events: what changed, told to every open Inbox and thread of the users who may see it.

The services that change messages call these (never views); each event leaves after the transaction
commits (publication.py: one Redis round trip, a per-tenant log for catch-up and a per-tenant channel).
The web process fans them out to its open streams (hub.py, stream.py, messaging/views/live.py).
Event shapes, reconnect and catch-up are described for app developers in docs/live.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction

from messaging.live import publication

_batch: ContextVar[list[int] | None] = ContextVar("live_batch", default=None)


def message_changed(message) -> None:
    """A message was stored, or its status, recipients or attachments changed. `message` or its id.

    Published after commit (nothing when the transaction rolls back), to the users who may see the message's
    conversation; a Redis outage is logged, never raised (clients catch up by `reset`)."""
    message_id = getattr(message, "pk", message)
    batch = _batch.get()
    if batch is not None:
        batch.append(message_id)
        return
    schema_name = connection.schema_name
    transaction.on_commit(lambda: publication.publish_message(schema_name, message_id))


@contextmanager
def batched() -> Iterator[None]:
    """Inside, the `message` events are collected; when the block ends without an exception they are published
    after the current transaction commits, together: one query and one Redis round trip for the lot (the
    inbox's drain changes a hundred messages per transaction). Use it inside the transaction."""
    collected: list[int] = []
    token = _batch.set(collected)
    try:
        yield
    finally:
        _batch.reset(token)
    if collected:
        schema_name = connection.schema_name
        ids = list(dict.fromkeys(collected))
        transaction.on_commit(lambda: publication.publish_messages(schema_name, ids))


def conversation_read(*, conversation_id: int, user_id: int) -> None:
    """`user_id` read the conversation: their other tabs and devices clear its unread count."""
    schema_name = connection.schema_name
    event = publication.Event("read", {"conversation": conversation_id}, user=user_id)
    transaction.on_commit(lambda: publication.publish(schema_name, event))


def connected_users(user_ids) -> set[int]:
    """Which of `user_ids` have an Inbox or thread open in this tenant right now (the e-mail notification
    is sent only to the others). When Redis cannot say, nobody counts as connected."""
    return publication.connected_users(connection.schema_name, user_ids)


def latest_event_id() -> str:
    """The id of the tenant's newest live event ("" if none or unknown): a page rendered now can open its
    stream from there (`?last_event_id=`) and miss nothing that happened between render and connect."""
    return publication.latest_event_id(connection.schema_name)
