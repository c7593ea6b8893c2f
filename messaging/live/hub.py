"""The fan-out in a web worker: one Redis connection subscribed to the channels of the tenants that have
open streams in this process, and each event handed to the streams whose reader may see it.

An event is parsed and formatted once per process, not once per stream, so a thousand open streams cost a
thousand queue puts. A heartbeat tick (one per process) wakes every stream so it can send its comment line,
and refreshes the presence keys of the connected users in one pipeline.

When the subscription breaks (Redis restarted), every stream is closed with a short retry: the browsers
reconnect and catch up from the log, or get `reset`, instead of silently missing what was published
meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from django.conf import settings
from redis.exceptions import RedisError

from messaging.live import publication
from messaging.selectors.conversations import Reader

logger = logging.getLogger(__name__)

HEARTBEAT = "heartbeat"
CLOSE = "close"
RESET = "reset"
# Events a stream may hold unsent; past that its client is not reading and gets `reset` instead.
QUEUE_SIZE = 200
SUBSCRIBE_WAIT_SECONDS = 5.0


def parse_id(event_id: str) -> tuple[int, int] | None:
    """A log id "<ms>-<seq>" as a comparable pair; None when it is not one."""
    ms, _, seq = event_id.partition("-")
    if not (ms.isdigit() and seq.isdigit()):
        return None
    return int(ms), int(seq)


def frame(event_id: str, event_type: str, data: dict) -> bytes:
    return f"id: {event_id}\nevent: {event_type}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


@dataclass(frozen=True)
class Entry:
    """One published event as it travels inside the process."""

    id: tuple[int, int]
    extensions: list[int] | None
    user: int | None
    frame: bytes

    @classmethod
    def parse(cls, event_id: str, body: str) -> Entry | None:
        parsed = parse_id(event_id)
        try:
            event = json.loads(body)
            encoded = frame(event_id, event["type"], event["data"])
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring a malformed live event %s", event_id)
            return None
        if parsed is None:
            return None
        return cls(parsed, event.get("extensions"), event.get("user"), encoded)

    def visible_to(self, reader: Reader) -> bool:
        if self.user is not None and self.user != reader.user_id:
            return False
        return self.extensions is None or reader.may_see(self.extensions)


@dataclass(eq=False)
class Listener:
    """One open stream: who reads it, in which tenant, and what is waiting to be sent."""

    schema_name: str
    reader: Reader
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            # A client that does not read: drop what waits and tell it to refetch.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESET)


class Hub:
    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.listeners: dict[str, set[Listener]] = {}  # channel -> listeners
        self.confirmed: dict[str, asyncio.Event] = {}
        self.lock = asyncio.Lock()
        self.pubsub = None
        self.reader_task: asyncio.Task | None = None
        self.ticker_task: asyncio.Task | None = None
        self.redis = aioredis.Redis.from_url(settings.REDIS_URL, socket_timeout=settings.REDIS_TIMEOUT,
                                             socket_connect_timeout=settings.REDIS_TIMEOUT)

    async def join(self, listener: Listener) -> None:
        """Start delivering to `listener`; returns once its tenant's channel is subscribed, so nothing
        published after this returns is missed. Raises RedisError when Redis cannot be reached."""
        name = publication.channel(listener.schema_name)
        async with self.lock:
            if self.pubsub is None:
                await self._connect()
            self.listeners.setdefault(name, set()).add(listener)
            if name not in self.confirmed:
                self.confirmed[name] = asyncio.Event()
                try:
                    await self.pubsub.subscribe(name)
                except (RedisError, OSError):
                    del self.confirmed[name]  # the next stream tries again
                    self.listeners[name].discard(listener)
                    if not self.listeners[name]:
                        del self.listeners[name]
                    raise
            confirmed = self.confirmed[name]
        await self._touch([listener])
        try:
            await asyncio.wait_for(confirmed.wait(), SUBSCRIBE_WAIT_SECONDS)
        except TimeoutError:
            self.leave(listener)
            raise RedisError("the live channel was not confirmed in time") from None

    def leave(self, listener: Listener) -> None:
        """Stop delivering to `listener` (synchronous: safe in a stream's cleanup after cancellation)."""
        name = publication.channel(listener.schema_name)
        listeners = self.listeners.get(name)
        if listeners is None:
            return
        listeners.discard(listener)
        if not listeners:
            del self.listeners[name]
            self.loop.create_task(self._unsubscribe(name))

    async def _unsubscribe(self, name: str) -> None:
        async with self.lock:
            if name in self.listeners or self.pubsub is None:
                return  # someone joined again meanwhile, or the connection is gone anyway
            self.confirmed.pop(name, None)
            with contextlib.suppress(RedisError, OSError):
                await self.pubsub.unsubscribe(name)

    async def _connect(self) -> None:
        # Its own connection without a read timeout: a quiet channel is not a failure.
        self.pubsub = aioredis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=None, socket_connect_timeout=settings.REDIS_TIMEOUT,
            socket_keepalive=True).pubsub()
        # Always subscribed to something, so reading never ends for want of channels.
        self.confirmed[publication.channel("_hub")] = asyncio.Event()
        await self.pubsub.subscribe(publication.channel("_hub"))
        self.reader_task = self.loop.create_task(self._read(self.pubsub))
        if self.ticker_task is None:
            self.ticker_task = self.loop.create_task(self._tick())

    async def _read(self, pubsub) -> None:
        try:
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is not None:
                    self._dispatch(message)
        except asyncio.CancelledError:
            raise
        except Exception:  # redis/socket errors of every kind: the subscription is gone
            logger.warning("live channel lost; closing the open streams so they reconnect", exc_info=True)
        async with self.lock:
            if self.pubsub is pubsub:
                self.pubsub = None
                self.confirmed.clear()
                closing, self.listeners = self.listeners, {}
                for listeners in closing.values():
                    for listener in listeners:
                        listener.offer(CLOSE)
        with contextlib.suppress(Exception):
            await pubsub.aclose()

    def _dispatch(self, message: dict) -> None:
        name = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
        if message["type"] == "subscribe":
            if name in self.confirmed:
                self.confirmed[name].set()
            return
        if message["type"] != "message":
            return
        data = message["data"].decode() if isinstance(message["data"], bytes) else message["data"]
        event_id, _, body = data.partition(" ")
        entry = Entry.parse(event_id, body)
        if entry is None:
            return
        for listener in self.listeners.get(name, ()):
            if entry.visible_to(listener.reader):
                listener.offer(entry)

    async def _tick(self) -> None:
        interval = min(settings.LIVE_HEARTBEAT_SECONDS, settings.LIVE_PRESENCE_TTL / 2)
        while True:
            await asyncio.sleep(interval)
            everyone = [listener for listeners in self.listeners.values() for listener in listeners]
            for listener in everyone:
                listener.offer(HEARTBEAT)
            await self._touch(everyone)

    async def _touch(self, listeners: list[Listener]) -> None:
        """Mark the listeners' users connected for LIVE_PRESENCE_TTL (one pipeline)."""
        keys = {publication.presence_key(listener.schema_name, listener.reader.user_id) for listener in listeners}
        if not keys:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.set(key, 1, px=int(settings.LIVE_PRESENCE_TTL * 1000))
                await pipe.execute()
        except (RedisError, OSError):
            logger.warning("live presence not refreshed (Redis unavailable)", exc_info=True)


_hub: Hub | None = None


def get_hub() -> Hub:
    """This process's hub (one per event loop)."""
    global _hub
    if _hub is None or _hub.loop is not asyncio.get_running_loop():
        _hub = Hub()
    return _hub
