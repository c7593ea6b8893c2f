"""A stream ends by itself after about LIVE_STREAM_SECONDS (the browser reconnects and its access is
checked again), sending heartbeats until then."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from messaging.live import stream
from messaging.selectors.conversations import Reader


def test_stream_ends_after_its_lifetime_with_heartbeats_meanwhile(settings):
    settings.LIVE_STREAM_SECONDS = 1
    settings.LIVE_HEARTBEAT_SECONDS = 0.2
    settings.LIVE_PRESENCE_TTL = 1

    async def read_all():
        return [chunk async for chunk in stream.events(schema_name="t_lifetime", reader=Reader(1, None))]

    started = time.monotonic()
    # A thread of its own: the browser tests' Playwright keeps an event loop running in the main thread.
    with ThreadPoolExecutor(1) as thread:
        chunks = thread.submit(lambda: asyncio.run(asyncio.wait_for(read_all(), timeout=15))).result()

    assert time.monotonic() - started < 10  # ended by itself (about 1 s), long before the guard
    assert chunks[0].startswith(b"retry: ")
    assert stream.HEARTBEAT_FRAME in chunks
