"""The web process's gunicorn worker: uvicorn serving portal.asgi, configured for this portal.

Imported by the gunicorn master (not portal.asgi, which loads Django only in the workers).
"""

import logging

from uvicorn_worker import UvicornWorker

from portal.log_redaction import RedactWebhookTokens

# Seconds a stopping worker lets open requests finish. Live streams never finish on their own: without a
# bound each SIGTERM or Ctrl-C would wait for gunicorn's 30 s graceful timeout; the browsers reconnect to the
# next process and catch up from their last event id.
GRACEFUL_SHUTDOWN_SECONDS = 3


class PortalUvicornWorker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "asyncio",
        "http": "h11",
        # Django's ASGI handler answers only HTTP; without this uvicorn logs its refusal on every start.
        "lifespan": "off",
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
        # The client's address and scheme are the portal's business (TRUSTED_PROXY_COUNT, BEHIND_TLS_PROXY in
        # settings); uvicorn would otherwise rewrite both from X-Forwarded-* of any local peer.
        "proxy_headers": False,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The access log quotes each request's path, and a webhook's path holds its token.
        logging.getLogger("uvicorn.access").addFilter(RedactWebhookTokens())
