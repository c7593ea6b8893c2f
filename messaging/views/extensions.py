"""Extensions: list, add, edit, delete; the rules that name an extension are shown before deleting it."""

from django.contrib import messages
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404, redirect, render

from messaging.exceptions import MessagingError
from messaging.forms.extensions import ExtensionForm, extension_initial
from messaging.models import Extension
from messaging.services.configuration import extensions as service
from portal.forms import show_service_error


def extension_list(request):
    extensions = (
        Extension.objects.select_related("did__trunk")
        .prefetch_related("inbound_rules", "outbound_rules")
        .order_by(Length("number"), "number")
    )
    return render(request, "messaging/extensions/list.html", {"extensions": extensions})


def extension_create(request):
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extension = service.create_extension(user=request.user, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"Extension {extension.number} added.")
            return redirect("messaging:extension-list")
    return render(request, "messaging/extensions/form.html", {"form": form, "extension": None})


def extension_edit(request, pk):
    extension = get_object_or_404(Extension.objects.select_related("did"), pk=pk)
    form = ExtensionForm(request.POST or None, initial=extension_initial(extension))
    if request.method == "POST" and form.is_valid():
        try:
            service.update_extension(user=request.user, extension=extension, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, f"Extension {extension.number} saved.")
            return redirect("messaging:extension-list")
    return render(request, "messaging/extensions/form.html", {"form": form, "extension": extension})


def extension_delete(request, pk):
    """GET shows the rules that name the extension and what deleting does to them; POST deletes."""
    extension = get_object_or_404(Extension, pk=pk)
    refusal = None
    if request.method == "POST":
        try:
            changed_rules = service.delete_extension(user=request.user, extension=extension)
        except MessagingError as exc:
            refusal = exc.message
        else:
            taken_out = ", ".join(f"“{rule.name}”" for rule in changed_rules)
            note = f" and taken out of {taken_out}" if taken_out else ""
            messages.success(request, f"Extension {extension.number} deleted{note}.")
            return redirect("messaging:extension-list")
    return render(
        request, "messaging/extensions/confirm_delete.html",
        {"extension": extension, "usage": service.find_usage(extension=extension), "refusal": refusal},
        status=409 if refusal else 200,
    )
