"""The portal as an ASGI application: what the web process serves (portal/processes.py, gunicorn with
portal.web_worker.PortalUvicornWorker), so long-lived live streams (messaging/views/live.py) cost a
coroutine each instead of a thread or process. portal/wsgi.py stays for servers that speak only WSGI
(they serve everything but the live channel)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_asgi_application()
