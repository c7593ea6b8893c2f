from django.shortcuts import render

from messaging.selectors import configuration as configuration_selectors


def dashboard(request):
    return render(request, "messaging/dashboard.html", {"counts": configuration_selectors.count_tenant_objects()})


def audit_log(request):
    from django.core.paginator import Paginator

    entries = configuration_selectors.list_audit_entries(object_type=request.GET.get("type") or None)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/audit.html", {"page": page})
