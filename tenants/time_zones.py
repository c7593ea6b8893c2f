"""Which time zone a person's screens show: their own choice, else the tenant's, else settings.TIME_ZONE.

The API is not concerned: it answers ISO 8601 with the offset of TIME_ZONE (UTC by default) for everyone,
so a script's output never depends on who runs it (docs/api.md).
"""

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def available_zones() -> frozenset[str]:
    # The IANA names zoneinfo can load here (system tzdata or the tzdata package).
    return frozenset(zoneinfo.available_timezones())


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_zones())]


def validate_time_zone(value: str) -> None:
    """A form/model validator: blank is allowed (it means "the default"), anything else must be an IANA name."""
    if value and value not in available_zones():
        raise ValidationError(f"“{value}” is not a time zone name such as America/New_York or Europe/Paris.",
                              code="invalid_time_zone")


def tenant_zone(tenant) -> str:
    """The tenant's own zone, or the portal's default for the public schema and tenants without one."""
    name = "" if tenant is None or tenant.is_public else tenant.time_zone
    return name if name in available_zones() else settings.TIME_ZONE


def user_zone(user) -> str:
    """The zone the user chose for themself, or "" (then the tenant's applies)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    from tenants.models import UserPreference

    name = UserPreference.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first() or ""
    return name if name in available_zones() else ""


def zone_for(*, user, tenant) -> str:
    """The zone one person sees one tenant's times in (a system administrator's Manage included)."""
    return user_zone(user) or tenant_zone(tenant)
