from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from messaging.selectors import callback_silence
from messaging.selectors import configuration as configuration_selectors
from tenants.access import EXTENSION_ROLE


def dashboard(request):
    if request.tenant_role == EXTENSION_ROLE:
        return redirect("messaging:inbox")
    return render(request, "messaging/dashboard.html", {
        "counts": configuration_selectors.count_tenant_objects(),
        "callback_silences": callback_silence.list_callback_silences(),
        "callback_silence_minutes": settings.CALLBACK_SILENCE_ALARM_MINUTES,
    })


def audit_log(request):
    from django.core.paginator import Paginator

    entries = configuration_selectors.list_audit_entries(object_type=request.GET.get("type") or None)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/audit.html", {"page": page})


@require_GET
def landing(request):
    """The extension users' first home, kept so that their bookmarks lead to the Inbox."""
    return redirect("messaging:inbox")
