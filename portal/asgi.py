"""The portal as an ASGI application: what the web process serves (portal/processes.py, gunicorn with
portal.web_worker.PortalUvicornWorker), so long-lived live streams (messaging/views/live.py) cost a
coroutine each instead of a thread or process. portal/wsgi.py stays for servers that speak only WSGI
(they serve everything but the live channel)."""

import asyncio
import os
import re

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 - after Django is set up

LIVE_STREAM = re.compile(r"^/t/[^/]+/live/$")


class BoundedRequests:
    """At most `limit` ordinary requests inside Django at once; the others wait here, as they queued for a sync
    worker before. Django's ASGI handler runs each request's sync code in a thread of its own, holding a
    database connection of its own: unbounded, a burst of callbacks would open a connection per request and
    exhaust PostgreSQL's max_connections. Live streams are not counted: they hold no thread work and no
    connection once streaming, and they never end on their own."""

    def __init__(self, app, limit: int):
        self.app, self.limit, self.slots = app, limit, None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or LIVE_STREAM.match(scope.get("path", "")):
            return await self.app(scope, receive, send)
        if self.slots is None:  # made in the worker's event loop, on its first request
            self.slots = asyncio.Semaphore(self.limit)
        async with self.slots:
            return await self.app(scope, receive, send)


application = BoundedRequests(django_application, settings.WEB_THREADS)
