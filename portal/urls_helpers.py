"""Reversing URLs across the public/tenant split (see DESIGN.md §6)."""

from django.conf import settings
from django.urls import reverse


def public_reverse(name: str, args=(), kwargs=None) -> str:
    return reverse(name, urlconf=settings.PUBLIC_SCHEMA_URLCONF, args=args, kwargs=kwargs)


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path
