"""Send test message on an SMS configuration's page, and its step report (refreshed by static/js/test_message.js
from the JSON of the same report)."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from messaging.exceptions import MessagingError
from messaging.forms.connection_tests import TestMessageForm
from messaging.models import ConnectionTest, SmsConfiguration
from messaging.services.configuration import test_messages as service
from portal.forms import show_service_error

RECENT_TESTS = 5


def panel(configuration: SmsConfiguration) -> dict:
    """What templates/messaging/sms/_test_message.html shows on the configuration's page."""
    return {"form": TestMessageForm(configuration=configuration),
            "recent": ConnectionTest.objects.filter(configuration=configuration)[:RECENT_TESTS]}


def _configuration(pk: int) -> SmsConfiguration:
    return get_object_or_404(SmsConfiguration.objects.select_related("trunk"), pk=pk)


def _report(configuration: SmsConfiguration, test_id: int) -> service.ConnectionTestReport:
    try:
        test = service.get_test(configuration=configuration, test_id=test_id)
    except ConnectionTest.DoesNotExist:
        raise Http404("No such test.") from None
    return service.report_test_message(test=test)


def connection_test_start(request, pk):
    configuration = _configuration(pk)
    form = TestMessageForm(request.POST or None, configuration=configuration)
    if request.method == "POST" and form.is_valid():
        try:
            test = service.start_test_message(configuration=configuration, user=request.user,
                                              **form.service_arguments())
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            return redirect("messaging:sms-configuration-test-message-report", pk=pk, test_id=test.pk)
    return render(request, "messaging/sms/test_message_form.html", {"configuration": configuration, "form": form})


def connection_test_report(request, pk, test_id):
    configuration = _configuration(pk)
    return render(request, "messaging/sms/test_message_report.html",
                  {"configuration": configuration, "report": _report(configuration, test_id)})


@require_GET
def connection_test_status(request, pk, test_id):
    """The report as JSON, for the page's polling (every 2 s while it runs); times also as the page shows them."""
    report = _report(_configuration(pk), test_id)
    data = report.as_dict()
    for shown, step in zip(data["steps"], report.steps, strict=True):
        shown["at_text"] = timezone.localtime(step.at).strftime("%H:%M:%S %Z") if step.at else ""
    return JsonResponse(data, headers={"Cache-Control": "no-store"})
