"""The public Usage screen (system administrators only; anyone else gets 404): a month's totals, one row per
tenant, each linking to the tenant's own Usage screen, and the same as CSV."""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from messaging.exceptions import UsageMonthInvalid
from messaging.selectors import usage as usage_selectors
from messaging.selectors.usage import COUNT_LABELS, COUNT_NAMES, Month
from portal.csv_export import csv_response
from tenants.models import Tenant
from tenants.views import system_admin_only


@system_admin_only
@require_GET
def usage_list(request):
    zone = usage_selectors.usage_time_zone()
    error = ""
    try:
        month = Month.parse(request.GET.get("month"), zone=zone)
    except UsageMonthInvalid as exc:
        error, month = exc.message, Month.parse(None, zone=zone)
    usages = usage_selectors.list_tenant_usage(month=month, tenants=_tenants())
    tenant_usage = reverse("messaging:usage", urlconf=settings.ROOT_URLCONF)  # /usage/, under each /t/<slug>
    return render(request, "tenants/usage.html", {
        "month": month, "previous": month.previous(), "next": month.next(), "zone": zone, "error": error,
        "labels": COUNT_LABELS.values(),
        "rows": [(u.tenant, f"/t/{u.tenant.slug}{tenant_usage}?month={month}", u.as_dict().values()) for u in usages],
        "totals": usage_selectors.total(usages).as_dict().values(),
    })


@system_admin_only
@require_GET
def usage_csv(request):
    try:
        month = Month.parse(request.GET.get("month"), zone=usage_selectors.usage_time_zone())
    except UsageMonthInvalid as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    usages = usage_selectors.list_tenant_usage(month=month, tenants=_tenants())
    return csv_response(
        ["month", "tenant", "name", *COUNT_NAMES],
        ([str(month), u.tenant.slug, u.tenant.name, *u.as_dict().values()] for u in usages),
        filename=f"usage-{month}.csv",
    )


def _tenants():
    # Disabled tenants too: what they sent before being disabled is billed.
    return Tenant.objects.customers().only("pk", "name", "slug", "schema_name").order_by("name", "pk")
