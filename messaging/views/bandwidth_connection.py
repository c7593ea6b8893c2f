"""Message Channel > SMS/MMS > a configuration's "Bandwidth connection" panel: Connect, Check now, Repair (POST only;
tenant administrators only, like every configuration screen)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from messaging.exceptions import LocationNeeded
from messaging.forms.sms_configurations import ConnectLocationForm
from messaging.models import SmsConfiguration
from messaging.services.configuration import bandwidth_connect
from portal.exceptions import PortalError
from portal.forms import show_service_error


@require_POST
def connect(request, pk):
    configuration = _configuration(pk)
    form = ConnectLocationForm(request.POST)
    if not form.is_valid():
        return _choose(request, configuration, form)
    try:
        bandwidth_connect.connect(configuration, actor=request.user, **form.cleaned_data)
    except LocationNeeded as exc:
        return _choose(request, configuration, form, exc.message, exc.locations)
    except PortalError as exc:
        if set(exc.fields) & set(form.fields):
            show_service_error(form, exc)
            return _choose(request, configuration, form)
        messages.error(request, exc.message)
    else:
        messages.success(request, (
            f"Connected: Bandwidth's messaging application {configuration.application_id} now calls this "
            "configuration's webhook URL with new callback credentials (stored encrypted here and at Bandwidth; "
            "not shown)."
        ))
    return redirect("messaging:sms-configuration-detail", pk=configuration.pk)


@require_POST
def check(request, pk):
    configuration = _configuration(pk)
    try:
        bandwidth_connect.check_now(configuration)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        if configuration.drift_error:
            messages.error(request, f"The check could not ask Bandwidth: {configuration.drift_error}")
        elif configuration.drift:
            messages.warning(request, f"Bandwidth differs from what the portal expects in {len(configuration.drift)} "
                                      "place(s): see the list below, then Repair.")
        else:
            messages.success(request, "Bandwidth's messaging application matches what the portal expects.")
    return redirect("messaging:sms-configuration-detail", pk=configuration.pk)


@require_POST
def repair(request, pk):
    configuration = _configuration(pk)
    try:
        bandwidth_connect.repair(configuration, actor=request.user)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Repaired: Bandwidth's messaging application and location were written again.")
    return redirect("messaging:sms-configuration-detail", pk=configuration.pk)


def _choose(request, configuration, form, problem: str = "", locations=()):
    return render(request, "messaging/sms/connect_location.html", {
        "configuration": configuration, "form": form, "problem": problem, "locations": locations,
    })


def _configuration(pk: int) -> SmsConfiguration:
    return get_object_or_404(SmsConfiguration.objects.select_related("trunk"), pk=pk)
