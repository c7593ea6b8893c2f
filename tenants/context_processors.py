from django.utils import timezone

from tenants.access import SYSTEM_ADMIN_ROLE, is_system_admin


def tenant_navigation(request):
    tenant = getattr(request, "tenant", None)
    # Only someone who may enter the tenant learns its name: the 404 page a non-member gets under
    # /t/<slug>/ must look the same for a tenant that exists and one that does not.
    in_tenant = tenant is not None and not tenant.is_public and getattr(request, "tenant_role", None) is not None
    return {
        "current_tenant": tenant if in_tenant else None,
        "is_system_admin": is_system_admin(request.user) if hasattr(request, "user") else False,
        "managing_as_system_admin": in_tenant and getattr(request, "tenant_role", None) == SYSTEM_ADMIN_ROLE,
        # The zone the page's times are shown in (tenants.middleware.TimeZoneMiddleware), named in table headers.
        "time_zone_name": timezone.get_current_timezone_name(),
    }
