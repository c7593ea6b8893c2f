"""Usage for billing (tenant administrators, and system administrators inside Manage): a month's rows per
number and extension, their totals, and the same as CSV. What is counted: messaging/selectors/usage.py."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from messaging.exceptions import UsageMonthInvalid
from messaging.selectors import usage as usage_selectors
from messaging.selectors.usage import COUNT_LABELS, COUNT_NAMES, Month
from portal.csv_export import csv_response


@require_GET
def usage(request):
    zone = usage_selectors.usage_time_zone(request.tenant)
    error = ""
    try:
        month = Month.parse(request.GET.get("month"), zone=zone)
    except UsageMonthInvalid as exc:
        error, month = exc.message, Month.parse(None, zone=zone)
    rows = usage_selectors.list_usage(month=month, zone=zone)
    return render(request, "messaging/usage.html", {
        "month": month, "previous": month.previous(), "next": month.next(), "zone": zone, "error": error,
        "labels": COUNT_LABELS.values(), "rows": [(row, [getattr(row, n) for n in COUNT_NAMES]) for row in rows],
        "totals": usage_selectors.total(rows).as_dict().values(),
    })


@require_GET
def usage_csv(request):
    zone = usage_selectors.usage_time_zone(request.tenant)
    try:
        month = Month.parse(request.GET.get("month"), zone=zone)
    except UsageMonthInvalid as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    rows = usage_selectors.list_usage(month=month, zone=zone)
    return csv_response(
        ["month", "number", "extension", *COUNT_NAMES],
        ([str(month), row.number, row.extension, *row.as_dict().values()] for row in rows),
        filename=f"usage-{request.tenant.slug}-{month}.csv",
    )
