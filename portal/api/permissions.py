from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from tenants.access import EXTENSION_ROLE, SYSTEM_ADMIN_ROLE, is_system_admin, role_in_tenant
from tenants.middleware import note_api_entry


class IsTenantMember(BasePermission):
    """The default for every endpoint: signed in, and inside a tenant only with the right to enter it.

    Another tenant's endpoint answers 404, exactly like one that does not exist. A system administrator's
    use of a tenant's API is audited like a visit to its pages.

    An extension user gets 404 from every endpoint that does not say `extension_users_allowed = True`:
    closed unless opened, so a new endpoint never leaks the tenant's configuration to them.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_public:
            return True
        role = role_in_tenant(request.user, tenant)
        if role is None:
            raise NotFound()
        if role == EXTENSION_ROLE and not getattr(view, "extension_users_allowed", False):
            raise NotFound()
        request.tenant_role = role
        if role == SYSTEM_ADMIN_ROLE:
            note_api_entry(request, tenant)
        return True


class IsSystemAdmin(BasePermission):
    message = "Only system administrators may do this."

    def has_permission(self, request, view) -> bool:
        return is_system_admin(request.user)
