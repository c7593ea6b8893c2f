"""One open event stream: catch-up from the tenant's log, then live events, heartbeats, and an end.

The stream ends by itself after about LIVE_STREAM_SECONDS: the browser reconnects (with Last-Event-ID),
the request checks access again, and the stream catches up, so revoked access never outlives one stream.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator

from django.conf import settings
from redis.exceptions import RedisError

from messaging.live import hub, publication
from messaging.selectors.conversations import Reader

logger = logging.getLogger(__name__)

# Milliseconds the browser waits before reconnecting (EventSource's `retry`).
RETRY_MS = 3000
HEARTBEAT_FRAME = b": heartbeat\n\n"


def reset_frame(latest_id: str) -> bytes:
    # The newest id goes with it: after refetching, the client resumes from there on its next reconnect.
    return hub.frame(latest_id, "reset", {}) if latest_id else b"event: reset\ndata: {}\n\n"


async def catch_up(listener: hub.Listener, last_event_id: str) -> tuple[list[bytes], tuple[int, int]]:
    """The frames the client missed since `last_event_id`, filtered for its reader, and the id they reach;
    a `reset` frame instead when the log no longer holds that id (trimmed, Redis restarted, unknown)."""
    key = publication.log_key(listener.schema_name)
    client = hub.get_hub().redis
    since = hub.parse_id(last_event_id) if last_event_id else None
    async with client.pipeline(transaction=False) as pipe:
        if since is not None:
            pipe.xrange(key, last_event_id, last_event_id, count=1)
            pipe.xrange(key, "(" + last_event_id, "+", count=publication.LOG_LENGTH * 2)
        pipe.xrevrange(key, count=1)
        answers = await pipe.execute()
    newest = answers[-1][0][0].decode() if answers[-1] else ""
    if since is None or (not answers[0] and since != (0, 0)):
        return [reset_frame(newest)], hub.parse_id(newest) or (0, 0)
    frames, reached = [], since
    for raw_id, fields in answers[1]:
        entry = hub.Entry.parse(raw_id.decode(), fields[b"e"].decode())
        if entry is None:
            continue
        reached = entry.id
        if entry.visible_to(listener.reader):
            frames.append(entry.frame)
    return frames, reached


async def events(*, schema_name: str, reader: Reader, last_event_id: str = "") -> AsyncIterator[bytes]:
    """The bytes of one text/event-stream response."""
    loop = asyncio.get_running_loop()
    # Spread the reconnects of streams opened together (a deploy, a Redis restart) over a tenth of the lifetime.
    deadline = loop.time() + settings.LIVE_STREAM_SECONDS * random.uniform(0.9, 1.0)  # noqa: S311
    yield f"retry: {RETRY_MS}\n\n".encode()
    listener = hub.Listener(schema_name, reader)
    the_hub = hub.get_hub()
    try:
        await the_hub.join(listener)
    except (RedisError, OSError):
        logger.warning("live stream refused: Redis unavailable", exc_info=True)
        return  # the browser retries after RETRY_MS
    try:
        floor = (0, 0)
        if last_event_id:
            try:
                frames, floor = await catch_up(listener, last_event_id)
            except (RedisError, OSError):
                logger.warning("live catch-up failed: Redis unavailable", exc_info=True)
                frames = [reset_frame("")]
            for missed in frames:
                yield missed
        while True:
            item = await listener.queue.get()
            if item == hub.CLOSE:
                return
            if item == hub.HEARTBEAT:
                if loop.time() >= deadline:
                    return
                yield HEARTBEAT_FRAME
            elif item == hub.RESET:
                yield reset_frame("")
            elif item.id > floor:  # what the catch-up already sent arrives here too
                yield item.frame
    finally:
        the_hub.leave(listener)
