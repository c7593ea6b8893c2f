"""Message Channel > SMS/MMS screens."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from messaging.forms.sms_configurations import SmsConfigurationForm
from messaging.models import SmsConfiguration, WebhookEvent
from messaging.selectors import configuration as configuration_selectors
from messaging.services.configuration import sms_configurations as service
from messaging.services.inbound import process
from messaging.views import connection_tests
from portal.exceptions import PortalError
from portal.forms import show_service_error


def _configuration(pk: int) -> SmsConfiguration:
    configurations = configuration_selectors.with_last_callback(SmsConfiguration.objects.select_related("trunk"))
    return get_object_or_404(configurations, pk=pk)


def configuration_list(request):
    configurations = configuration_selectors.list_sms_configurations()
    urls = service.webhook_urls()
    for configuration in configurations:
        configuration.webhook_url = urls.get(configuration.pk, "")
    return render(
        request, "messaging/sms/list.html",
        {
            "configurations": configurations,
            "unregistered_numbers": configuration_selectors.list_numbers_needing_10dlc(),
        },
    )


def configuration_create(request):
    form = SmsConfigurationForm(request.POST or None)
    if request.method == "POST":
        configuration = _save(form, service.create_configuration, user=request.user)
        if configuration is not None:
            messages.success(request, f"“{configuration.name}” saved. Copy its webhook URL into Bandwidth.")
            return redirect("messaging:sms-configuration-detail", pk=configuration.pk)
    return render(request, "messaging/sms/form.html", {"form": form, "configuration": None})


def configuration_edit(request, pk):
    configuration = _configuration(pk)
    form = SmsConfigurationForm(request.POST or None, instance=configuration)
    if request.method == "POST":
        if _save(form, service.update_configuration, user=request.user, configuration=configuration) is not None:
            messages.success(request, f"“{configuration.name}” saved.")
            return redirect("messaging:sms-configuration-detail", pk=configuration.pk)
    return render(request, "messaging/sms/form.html", {"form": form, "configuration": configuration})


def _save(form: SmsConfigurationForm, save, **arguments) -> SmsConfiguration | None:
    """What `save` returns, or None with every problem on the form: when the form refuses a field, the
    service still checks the others, so the administrator sees them all at once."""
    try:
        if form.is_valid():
            return save(**arguments, **form.cleaned_data)
        service.check_configuration(configuration=arguments.get("configuration"), **form.cleaned_data)
    except PortalError as exc:
        show_service_error(form, exc)
    return None


def configuration_detail(request, pk):
    configuration = _configuration(pk)
    return render(
        request, "messaging/sms/detail.html",
        {
            "configuration": configuration,
            "webhook_url": service.webhook_url(configuration),
            "recent_callbacks": configuration_selectors.list_recent_callbacks(configuration_id=configuration.pk),
            "failed_callbacks": configuration_selectors.list_failed_callbacks(configuration_id=configuration.pk),
            "unregistered_numbers": configuration_selectors.list_numbers_needing_10dlc(),
            "test_message": connection_tests.panel(configuration),
        },
    )


def configuration_delete(request, pk):
    configuration = _configuration(pk)
    if request.method == "POST":
        try:
            service.delete_configuration(user=request.user, configuration=configuration)
        except PortalError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"“{configuration.name}” deleted; its webhook URL no longer works.")
            return redirect("messaging:sms-configuration-list")
    return render(request, "messaging/sms/confirm_delete.html", {
        "configuration": configuration, "rules": configuration.outbound_rules.order_by("order", "name"),
    })


@require_POST
def retry_callback(request, pk, event_id):
    """Retry a failed callback of this configuration: pending again, processed now."""
    configuration = _configuration(pk)
    event = get_object_or_404(WebhookEvent, pk=event_id, configuration_id=configuration.pk)
    try:
        process.retry_callback(event_id=event.pk)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Callback {event.event_type} {event.carrier_message_id} is being processed again.")
    return redirect("messaging:sms-configuration-detail", pk=pk)


@require_POST
def regenerate_webhook(request, pk):
    configuration = _configuration(pk)
    service.rotate_webhook_token(user=request.user, configuration=configuration)
    messages.warning(
        request, "New webhook URL made; the old one stops working now. Paste the new one into Bandwidth."
    )
    return redirect("messaging:sms-configuration-detail", pk=pk)


@require_POST
def test_connection(request, pk):
    result = service.check_connection(configuration=_configuration(pk))
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("messaging:sms-configuration-detail", pk=pk)


def generate_callback_credentials(request):
    return JsonResponse(service.generate_callback_credentials(), headers={"Cache-Control": "no-store"})
