"""Enter a tenant's pages only with the right to: every request under /t/<slug>/ is checked here.

The API under /t/<slug>/api/ is left to DRF (token or session), whose default permission
(portal.api.permissions.IsTenantMember) applies the same rule.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from portal.client_ip import client_ip
from tenants.access import SYSTEM_ADMIN_ROLE, role_in_tenant
from tenants.models import TenantEntry
from tenants.services import record_tenant_entry

MANAGED_TENANT_SESSION_KEY = "managed_tenant_id"


class TenantAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        request.tenant_role = None
        if tenant is None or tenant.is_public:
            return self.get_response(request)
        if request.path.startswith(f"/t/{tenant.domain_subfolder}/api/"):
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        role = role_in_tenant(request.user, tenant)
        if role is None:
            raise Http404("No such page.")
        request.tenant_role = role
        if role == SYSTEM_ADMIN_ROLE and request.session.get(MANAGED_TENANT_SESSION_KEY) != tenant.pk:
            # A system admin who arrives by typed URL or bookmark is audited like one who pressed Manage.
            note_tenant_entry(request, tenant, via=TenantEntry.Via.URL)
        return self.get_response(request)


def note_tenant_entry(request, tenant, *, via: str) -> None:
    record_tenant_entry(
        user=request.user,
        tenant=tenant,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        via=via,
    )
    request.session[MANAGED_TENANT_SESSION_KEY] = tenant.pk
