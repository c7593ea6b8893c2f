"""The client's address, the one definition used by the sign-in lock-out (django-axes) and the Manage audit.

Behind TRUSTED_PROXY_COUNT proxies, each appends the address it received the request from to
X-Forwarded-For, so the Nth entry from the right is what the outermost trusted proxy saw: the client.
Entries further left were written by the client and count for nothing. With no trusted proxy (0, the
default) only REMOTE_ADDR counts, whatever the headers say.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address as text, or None when there is no valid one."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            # Fewer entries than proxies: every entry there was still written by one of ours.
            address = _address(forwarded[-min(hops, len(forwarded))])
            if address:
                return address
    return _address(request.META.get("REMOTE_ADDR", ""))


def _address(text: str) -> str | None:
    """`text` as a normalised IP address (a port, IPv6 brackets or a zone removed), or None."""
    text = text.strip().split("%", 1)[0]
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
