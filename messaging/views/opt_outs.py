"""Opt-outs: the remote numbers each of the tenant's numbers may not send to: search, add, remove, import."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from messaging.exceptions import MessagingError
from messaging.forms.opt_outs import OptOutForm, OptOutImportForm, OptOutSearchForm
from messaging.models import OptOut
from messaging.selectors import opt_outs as selectors
from messaging.services.compliance import opt_outs as service
from portal.forms import show_service_error

PAGE_SIZE = 50


def opt_out_list(request):
    search = OptOutSearchForm(request.GET)
    opt_outs = selectors.list_opt_outs(q=search.cleaned_data["q"]) if search.is_valid() else OptOut.objects.none()
    page = Paginator(opt_outs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/opt_outs/list.html",
                  {"search": search, "page": page, "query": request.GET.get("q", "")})


def opt_out_create(request):
    form = OptOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opt_out, created = service.add_opt_out(user=request.user, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            done = "added" if created else "was already on the list"
            messages.success(request, f"{opt_out.remote_number} {done} for {opt_out.number}.")
            return redirect("messaging:opt-out-list")
    return render(request, "messaging/opt_outs/form.html", {"form": form})


def opt_out_import(request):
    form = OptOutImportForm(request.POST or None, request.FILES or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            # One byte past the limit is enough for the service to refuse the file without reading all of it.
            result = service.import_opt_outs(user=request.user,
                                             data=form.cleaned_data["file"].read(service.MAX_IMPORT_BYTES + 1))
        except MessagingError as exc:
            refusal = exc
        else:
            messages.success(request, f"Imported {result.rows} opt-out{'s' if result.rows != 1 else ''}: "
                                      f"{result.added} added, {result.rows - result.added} already on the list.")
            return redirect("messaging:opt-out-list")
    return render(request, "messaging/opt_outs/import.html", {"form": form, "refusal": refusal},
                  status=400 if refusal else 200)


def opt_out_delete(request, pk):
    """GET asks to confirm; POST removes (the audit log keeps who added it and who removed it)."""
    opt_out = get_object_or_404(OptOut.objects.select_related("added_by"), pk=pk)
    if request.method == "POST":
        service.remove_opt_out(user=request.user, opt_out=opt_out)
        messages.success(request, f"{opt_out.remote_number} removed from {opt_out.number}'s opt-outs: "
                                  "sends to it are allowed again.")
        return redirect("messaging:opt-out-list")
    return render(request, "messaging/opt_outs/confirm_delete.html", {"opt_out": opt_out})
