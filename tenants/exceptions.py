"""Errors of the public-schema services (tenants and their administrators), under portal's PortalError."""

from portal.exceptions import PortalError


class TenantInvalid(PortalError):
    """What was entered for a tenant or its administrator cannot be saved; `fields` holds every problem."""

    code = "invalid"
