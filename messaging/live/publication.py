"""Publishing live events, and the Redis names the web process reads them from.

Each event is one Redis round trip (a script): XADD to the tenant's log (capped, the catch-up for clients
that reconnect) and PUBLISH of the same entry, with its log id, to the tenant's channel. Names carry a
namespace (LIVE_NAMESPACE, default the database name) because Redis pub/sub ignores the database index:
two portals sharing one Redis would otherwise hear each other's tenants.

The database row is the record; an event is only the fast path. When Redis cannot be reached the failure
is logged and this process stops trying for a few seconds (one timeout, not one per event); the clients
get `reset` when they reconnect and refetch.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import DatabaseError
from django.db.models import OuterRef
from django_tenants.utils import schema_context

logger = logging.getLogger(__name__)

# Entries kept per tenant (approximately: Redis trims in whole blocks). A client away for longer gets `reset`.
LOG_LENGTH = 1000
PAUSE_AFTER_FAILURE = 5.0

# KEYS: log, channel. ARGV: log length, event JSON. The channel gets "<id> <event JSON>".
PUBLISH_SCRIPT = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2])
return id
"""


@dataclass(frozen=True)
class Event:
    """What a stream sends (`type`, `data`) and, server side only, who may get it: users of one of
    `extensions` (None: no extension restriction) and only `user` when set."""

    type: str
    data: dict
    extensions: list[int] | None = None
    user: int | None = None

    def to_json(self) -> str:
        return json.dumps({"type": self.type, "data": self.data, "extensions": self.extensions, "user": self.user},
                          separators=(",", ":"))


def namespace() -> str:
    return settings.LIVE_NAMESPACE or settings.DATABASES["default"]["NAME"]


def log_key(schema_name: str) -> str:
    return f"live:{namespace()}:{schema_name}:log"


def channel(schema_name: str) -> str:
    return f"live:{namespace()}:{schema_name}"


def presence_key(schema_name: str, user_id: int) -> str:
    return f"live:{namespace()}:{schema_name}:user:{user_id}"


_client: redis.Redis | None = None
_client_url = ""
_script = None
_paused_until = 0.0


def client() -> redis.Redis:
    """One client per process, made again if REDIS_URL changed (tests point the settings at another Redis)."""
    global _client, _client_url, _script
    if _client is None or _client_url != settings.REDIS_URL:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=settings.REDIS_TIMEOUT,
                                       socket_connect_timeout=settings.REDIS_TIMEOUT, retry=None)
        _client_url = settings.REDIS_URL
        _script = _client.register_script(PUBLISH_SCRIPT)
    return _client


def publish(schema_name: str, event: Event) -> str | None:
    """Append the event to the tenant's log and tell the web processes. Returns its id, or None (logged)
    when Redis cannot take it."""
    global _paused_until
    if time.monotonic() < _paused_until:
        logger.warning("live event %s not published (Redis unavailable)", event.type)
        return None
    try:
        client()
        event_id = _script(keys=[log_key(schema_name), channel(schema_name)], args=[LOG_LENGTH, event.to_json()])
    except redis.RedisError:
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.warning("live event %s not published (Redis unavailable)", event.type, exc_info=True)
        return None
    return event_id.decode() if isinstance(event_id, bytes) else event_id


def publish_message(schema_name: str, message_id: int) -> str | None:
    """The `message` event of a committed message, read now (one query) so it tells the committed state."""
    return (publish_messages(schema_name, [message_id]) or [None])[0]


def publish_messages(schema_name: str, message_ids: list[int]) -> list[str | None]:
    """The `message` events of committed messages, read now in one query and published in one Redis round
    trip, in the order given. Returns their ids (None: not published: gone, in no conversation, or Redis
    unavailable, logged)."""
    global _paused_until
    from messaging.models import Conversation, Message

    links = Conversation.extensions.through.objects.filter(conversation_id=OuterRef("conversation_id"))
    try:
        with schema_context(schema_name):
            rows = {row["id"]: row for row in (
                Message.objects.filter(pk__in=message_ids)
                .values("id", "conversation_id", "status", "direction")
                .annotate(extension_ids=ArraySubquery(links.values("extension_id"))))}
    except DatabaseError:
        logger.warning("live events for %s message(s) not published (database error)", len(message_ids),
                       exc_info=True)
        return [None] * len(message_ids)
    events = {}
    for message_id in message_ids:
        row = rows.get(message_id)
        if row is None or row["conversation_id"] is None:
            continue  # deleted since, or in no conversation: no Inbox shows it
        data = {"conversation": row["conversation_id"], "message": message_id, "status": row["status"],
                "direction": row["direction"]}
        events[message_id] = Event("message", data, extensions=sorted(row["extension_ids"]))
    if not events:
        return [None] * len(message_ids)
    if len(events) == 1:
        ((message_id, event),) = events.items()
        return [publish(schema_name, event) if pk == message_id else None for pk in message_ids]
    if time.monotonic() < _paused_until:
        logger.warning("%s live events not published (Redis unavailable)", len(events))
        return [None] * len(message_ids)
    try:
        pipe = client().pipeline(transaction=False)
        for event in events.values():
            _script(keys=[log_key(schema_name), channel(schema_name)], args=[LOG_LENGTH, event.to_json()], client=pipe)
        answers = pipe.execute()
    except redis.RedisError:
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.warning("%s live events not published (Redis unavailable)", len(events), exc_info=True)
        return [None] * len(message_ids)
    published = {pk: (a.decode() if isinstance(a, bytes) else a) for pk, a in zip(events, answers, strict=True)}
    return [published.get(pk) for pk in message_ids]


def connected_users(schema_name: str, user_ids) -> set[int]:
    ids = list(dict.fromkeys(int(pk) for pk in user_ids))
    if not ids:
        return set()
    try:
        present = client().mget([presence_key(schema_name, pk) for pk in ids])
    except redis.RedisError:
        logger.warning("live presence unknown (Redis unavailable)", exc_info=True)
        return set()
    return {pk for pk, value in zip(ids, present, strict=True) if value is not None}


def latest_event_id(schema_name: str) -> str:
    try:
        newest = client().xrevrange(log_key(schema_name), count=1)
    except redis.RedisError:
        return ""
    return newest[0][0].decode() if newest else ""
