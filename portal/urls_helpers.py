"""Reversing URLs across the public/tenant split (see DESIGN.md §6)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse


def public_reverse(name: str, args=(), kwargs=None) -> str:
    return reverse(name, urlconf=settings.PUBLIC_SCHEMA_URLCONF, args=args, kwargs=kwargs)


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def unreachable_by(service_url: str) -> bool:
    """Whether the service at `service_url` (Bandwidth) could not call this portal back: PORTAL_BASE_URL is on a
    loopback, private or link-local address (or "localhost") while the service is not on one itself (a local
    simulator is, so `make run`'s demo works)."""
    return _local_host(settings.PORTAL_BASE_URL) and not _local_host(service_url)


def _local_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local
