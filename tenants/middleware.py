"""Enter a tenant's pages only with the right to: every request under /t/<slug>/ is checked here.

The API under /t/<slug>/api/ is left to DRF (token or session), whose default permission
(portal.api.permissions.IsTenantMember) applies the same rule, and audits a system administrator's API
use with note_api_entry.

An extension user enters the tenant but reaches only the screens named in EXTENSION_USER_SCREENS; every
other one answers 404, as if it did not exist (closed unless opened: a new screen stays closed to them).
"""

import copy
import logging
import zoneinfo

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.utils import timezone
from django_tenants.middleware import TenantSubfolderMiddleware as DjangoTenantsSubfolderMiddleware

from portal.client_ip import client_ip
from tenants import time_zones
from tenants.access import EXTENSION_ROLE, SYSTEM_ADMIN_ROLE, role_in_tenant
from tenants.models import PUBLIC_SCHEMA, Tenant, TenantEntry
from tenants.services import record_tenant_entry

logger = logging.getLogger(__name__)
MANAGED_TENANT_SESSION_KEY = "managed_tenant_id"
# A system administrator's API calls inside a tenant are audited once per this many seconds (per user and
# tenant), like a visit: one row for a script's thousand calls, and no write on each call.
API_ENTRY_AUDIT_SECONDS = 30 * 60
# The URL names an extension user may open; the tenant home (and the old landing page) redirect them to the
# Inbox. The Inbox's views show them only their extensions' conversations (selectors.conversations.Reader).
EXTENSION_USER_SCREENS = frozenset({
    "messaging:home", "messaging:landing", "messaging:inbox", "messaging:conversation",
    "messaging:conversation-new", "messaging:conversation-reply", "messaging:conversation-media",
    "messaging:inbox-settings", "messaging:live",
})


class TenantSubfolderMiddleware(DjangoTenantsSubfolderMiddleware):
    """django-tenants' subfolder routing, without its two costs on every public request (the webhook's, above
    all): it read the public tenant's row from the database each time, and it cleared Django's URL caches, so
    the public URLconf's resolver was built again for every request. The public row never changes (it exists
    for routing only): it is read once per process. The caches only need clearing for the URLconf django-tenants
    builds per tenant request, which the parent still does on those."""

    _public_tenant = None

    def process_request(self, request):
        if hasattr(request, "tenant") or request.path.startswith(self.tenant_prefix):
            return super().process_request(request)
        tenant = copy.copy(self.public_tenant())  # a request may note things on its tenant: never on the shared one
        tenant.domain_url = self.hostname_from_request(request)
        request.tenant = tenant
        # Before anything queries: a pooled connection may last have served another tenant. set_tenant makes the
        # next cursor send `SET search_path` (TENANT_LIMIT_SET_CALLS sends it once per switch, not per cursor).
        connection.set_tenant(tenant)
        self.setup_url_routing(request, force_public=True)
        return None

    @property
    def tenant_prefix(self) -> str:
        return f"/{settings.TENANT_SUBFOLDER_PREFIX}/"

    @classmethod
    def public_tenant(cls) -> Tenant:
        if cls._public_tenant is None:
            connection.set_schema_to_public()
            try:
                cls._public_tenant = Tenant.objects.get(schema_name=PUBLIC_SCHEMA)
            except Tenant.DoesNotExist:
                # Not kept: bootstrap_portal may create it while this process runs.
                raise cls.TENANT_NOT_FOUND_EXCEPTION("Unable to find public tenant") from None
        return cls._public_tenant


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

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only screens get here with a role set (the API is left to IsTenantMember above).
        if request.tenant_role == EXTENSION_ROLE and request.resolver_match.view_name not in EXTENSION_USER_SCREENS:
            raise Http404("No such page.")
        return None


def note_tenant_entry(request, tenant, *, via: str) -> None:
    record_tenant_entry(
        user=request.user,
        tenant=tenant,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        via=via,
    )
    request.session[MANAGED_TENANT_SESSION_KEY] = tenant.pk


def note_api_entry(request, tenant) -> None:
    """Audit a system administrator's API use inside `tenant` (TenantEntry via=api), at most once per
    API_ENTRY_AUDIT_SECONDS per user and tenant. The cache only spares writes: when it cannot answer,
    the entry is written anyway."""
    key = f"tenant-entry:api:{request.user.pk}:{tenant.pk}"
    try:
        first = cache.add(key, 1, timeout=API_ENTRY_AUDIT_SECONDS)
    except Exception:  # any cache backend error: audit rather than skip
        logger.warning("cache unavailable; auditing this API call", exc_info=True)
        first = True
    if first:
        record_tenant_entry(user=request.user, tenant=tenant, ip_address=client_ip(request),
                            user_agent=request.headers.get("User-Agent", ""), via=TenantEntry.Via.API)


class TimeZoneMiddleware:
    """Screens show times in the reader's zone (tenants/time_zones.py); runs once the tenant and the user are
    known. API requests keep TIME_ZONE: their users are authenticated by DRF later, and an API answer must not
    change its offsets with the caller's preferences."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if _is_api(request, tenant):
            timezone.deactivate()
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(time_zones.zone_for(user=request.user, tenant=tenant)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _is_api(request, tenant) -> bool:
    if request.path.startswith("/api/"):
        return True
    return tenant is not None and not tenant.is_public and request.path.startswith(
        f"/t/{tenant.domain_subfolder}/api/")
