"""Compliance (tenant administrators, and system administrators inside Manage): the opt-out, opt-in and help
keyword lists, their automatic replies, and the numbers with replies of their own."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from messaging.exceptions import MessagingError
from messaging.forms.compliance import ComplianceForm, NumberRepliesForm
from messaging.models import NumberKeywordReply, PhoneNumber
from messaging.services.configuration import compliance as service
from messaging.services.inbound.keywords import get_compliance_settings
from portal.forms import show_service_error

FIELDS = (*service.LIST_FIELDS.values(), *service.REPLY_FIELDS)


def compliance(request):
    current = get_compliance_settings()
    form = ComplianceForm(request.POST or None, initial={name: getattr(current, name) for name in FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            service.update_compliance_settings(user=request.user, **form.cleaned_data)
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, "Compliance keywords and replies saved.")
            return redirect("messaging:compliance")
    return _page(request, form, _number_form())


@require_POST
def compliance_number(request):
    form = _number_form(request.POST)
    if form.is_valid():
        try:
            row = service.set_number_replies(user=request.user, number=form.cleaned_data["number"],
                                             replies=form.replies())
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            number = form.cleaned_data["number"]
            said = "has its own replies" if row else "uses the tenant's replies"
            messages.success(request, f"{number} {said}.")
            return redirect("messaging:compliance")
    current = get_compliance_settings()
    return _page(request, ComplianceForm(initial={name: getattr(current, name) for name in FIELDS}), form)


def _number_form(data=None) -> NumberRepliesForm:
    numbers = PhoneNumber.objects.order_by("number").values_list("number", flat=True)
    return NumberRepliesForm(data, numbers=list(numbers))


def _page(request, form: ComplianceForm, number_form: NumberRepliesForm):
    return render(request, "messaging/compliance/settings.html", {
        "form": form, "sizes": form.reply_sizes(),
        "number_form": number_form, "number_sizes": number_form.reply_sizes(),
        "overrides": NumberKeywordReply.objects.all(),
    })
