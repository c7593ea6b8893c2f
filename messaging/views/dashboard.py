from django.shortcuts import render

from messaging.selectors import configuration as configuration_selectors


def dashboard(request):
    return render(request, "messaging/dashboard.html", {"counts": configuration_selectors.count_tenant_objects()})


def section_placeholder(title: str, description: str):
    """A section whose screens arrive in a later issue: the navigation shows it, the page says what
    will be there."""

    def view(request):
        return render(request, "messaging/placeholder.html", {"title": title, "description": description})

    view.__name__ = "placeholder_" + title.lower().replace(" ", "_")
    return view


def audit_log(request):
    from django.core.paginator import Paginator

    entries = configuration_selectors.list_audit_entries(object_type=request.GET.get("type") or None)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/audit.html", {"page": page})
