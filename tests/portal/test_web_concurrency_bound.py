"""The web worker lets at most WEB_THREADS ordinary requests into Django at once (each holds a thread and a
database connection of its own under ASGI), and never makes a live stream wait behind them."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from portal.asgi import BoundedRequests


def run(coroutine_function):
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop in this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(coroutine_function())).result()


class SlowApp:
    """Counts how many requests are inside at once; each stays until released."""

    def __init__(self):
        self.inside = self.most = 0
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send):
        self.inside += 1
        self.most = max(self.most, self.inside)
        await self.release.wait()
        self.inside -= 1


def http(path: str) -> dict:
    return {"type": "http", "path": path}


def test_a_burst_of_requests_enters_django_at_most_limit_at_a_time():
    async def burst():
        app = SlowApp()
        bounded = BoundedRequests(app, 3)
        requests = [asyncio.create_task(bounded(http("/t/acme/webhooks/x/"), None, None)) for _ in range(20)]
        await asyncio.sleep(0.05)
        inside_while_held = app.inside
        app.release.set()
        await asyncio.gather(*requests)
        return inside_while_held, app.most, app.inside

    inside_while_held, most, left = run(burst)
    assert inside_while_held == 3 and most == 3 and left == 0


def test_live_streams_do_not_wait_for_a_slot_nor_take_one():
    async def streams_beside_a_full_worker():
        app = SlowApp()
        bounded = BoundedRequests(app, 1)
        ordinary = asyncio.create_task(bounded(http("/t/acme/messages/"), None, None))
        streams = [asyncio.create_task(bounded(http("/t/acme/live/"), None, None)) for _ in range(5)]
        await asyncio.sleep(0.05)
        inside = app.inside
        app.release.set()
        await asyncio.gather(ordinary, *streams)
        return inside

    assert run(streams_beside_a_full_worker) == 6
