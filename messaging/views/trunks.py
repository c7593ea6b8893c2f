"""Trunks: list, add, edit, delete Bandwidth IP-authentication trunks and their DIDs."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from messaging.exceptions import MessagingError
from messaging.forms.trunks import TrunkForm, trunk_initial
from messaging.models import Trunk
from messaging.selectors import configuration as configuration_selectors
from messaging.services.compliance import registrations
from messaging.services.configuration import trunks as service
from portal.forms import show_service_error


def trunk_list(request):
    trunks = configuration_selectors.list_trunks()
    return render(
        request, "messaging/trunks/list.html",
        {"trunks": trunks, "unregistered_numbers": configuration_selectors.list_numbers_needing_10dlc()},
    )


@require_POST
def refresh_registrations(request):
    queued = registrations.queue_refresh()
    messages.info(request, registrations.REFRESH_QUEUED if queued else registrations.REFRESH_ALREADY_QUEUED)
    return redirect("messaging:trunk-list")


def trunk_create(request):
    form = TrunkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            trunk = service.create_trunk(user=request.user, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"Trunk “{trunk.name}” added.")
            return redirect("messaging:trunk-list")
    return render(request, "messaging/trunks/form.html", {"form": form, "trunk": None})


def trunk_edit(request, pk):
    trunk = get_object_or_404(Trunk, pk=pk)
    form = TrunkForm(request.POST or None, initial=trunk_initial(trunk))
    if request.method == "POST" and form.is_valid():
        try:
            service.update_trunk(user=request.user, trunk=trunk, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"Trunk “{trunk.name}” saved.")
            return redirect("messaging:trunk-list")
    return render(request, "messaging/trunks/form.html", {"form": form, "trunk": trunk})


def trunk_delete(request, pk):
    """GET shows what would go and which SMS configurations hold the trunk; POST deletes."""
    trunk = get_object_or_404(configuration_selectors.list_trunks(), pk=pk)
    refusal = None
    if request.method == "POST":
        try:
            service.delete_trunk(user=request.user, trunk=trunk)
        except MessagingError as exc:
            refusal = exc.message
        else:
            messages.success(request, f"Trunk “{trunk.name}” deleted.")
            return redirect("messaging:trunk-list")
    return render(
        request, "messaging/trunks/confirm_delete.html",
        {"trunk": trunk, "refusal": refusal}, status=409 if refusal else 200,
    )
