from tenants.access import SYSTEM_ADMIN_ROLE, is_system_admin


def tenant_navigation(request):
    tenant = getattr(request, "tenant", None)
    in_tenant = tenant is not None and not tenant.is_public
    return {
        "current_tenant": tenant if in_tenant else None,
        "is_system_admin": is_system_admin(request.user) if hasattr(request, "user") else False,
        "managing_as_system_admin": in_tenant and getattr(request, "tenant_role", None) == SYSTEM_ADMIN_ROLE,
    }
