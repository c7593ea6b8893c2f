"""Pages inside a tenant (under /t/<slug>/) about the tenant itself: its settings."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from portal.forms import show_service_error
from tenants import services
from tenants.access import ADMIN_ROLE, SYSTEM_ADMIN_ROLE
from tenants.exceptions import TenantInvalid
from tenants.forms import TenantSettingsForm
from tenants.models import Tenant

FIELDS = ("time_zone", "retention_payload_days", "retention_media_days", "retention_message_days")


def tenant_settings(request):
    """Time zone and retention periods: the tenant's administrators, and system administrators managing it
    (extension users never get here: tenants.middleware keeps them to their screens)."""
    if request.tenant_role not in (ADMIN_ROLE, SYSTEM_ADMIN_ROLE):
        raise Http404("No such page.")
    tenant = Tenant.objects.get(pk=request.tenant.pk)  # the row as stored, not the request's copy
    defaults = {"retention_payload_days": settings.RETENTION_PAYLOAD_DAYS,
                "retention_media_days": settings.RETENTION_MEDIA_DAYS,
                "retention_message_days": settings.RETENTION_MESSAGE_DAYS}
    form = TenantSettingsForm(request.POST or None, initial={name: getattr(tenant, name) for name in FIELDS},
                              default_zone=settings.TIME_ZONE, defaults=defaults)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_tenant_settings(tenant=tenant, **form.cleaned_data)
        except TenantInvalid as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("tenant-settings")
    return render(request, "tenants/settings.html", {"form": form, "tenant": tenant, "defaults": defaults})
