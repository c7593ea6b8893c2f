"""Messages: the log (filters, keyset pages, statuses that update by polling), one message, compose."""

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from messaging.exceptions import IdempotencyKeyReused, MessagingError
from messaging.forms.messages import ComposeForm, MessageFilterForm
from messaging.models import Message
from messaging.selectors import messages as message_selectors
from messaging.selectors.message_export import export_chunks
from messaging.services.outbound import idempotency
from messaging.services.outbound.compose import SendMode
from portal.csv_export import streaming_csv_response
from portal.forms import show_service_error

PAGE_SIZE = 50


def message_list(request):
    form = MessageFilterForm(request.GET or None)
    filters = form.filters()
    page = message_selectors.page_of(message_selectors.list_messages(**filters), after=request.GET.get("after"),
                             before=request.GET.get("before"), size=PAGE_SIZE)
    return render(request, "messaging/messages/list.html", {
        "form": form,
        "messages_page": [_row(message) for message in page.items],
        "next_url": "?" + urlencode({**filters, "after": page.next_cursor}) if page.next_cursor else "",
        "previous_url": "?" + urlencode({**filters, "before": page.previous_cursor}) if page.previous_cursor else "",
        "filtered": bool(filters),
        "export_url": reverse("messaging:message-export") + ("?" + urlencode(filters) if filters else ""),
        "unrouted_count": message_selectors.count_unrouted(),
    })


@require_GET
def message_export(request):
    """The log as CSV with the screen's filters, streamed (messaging/selectors/message_export.py)."""
    filters = MessageFilterForm(request.GET or None).filters()
    return streaming_csv_response(request, lambda: export_chunks(**filters), filename="messages.csv")


def message_detail(request, pk):
    try:
        message = message_selectors.get_message(pk)
    except Message.DoesNotExist:
        raise Http404("No such message.") from None
    return render(request, "messaging/messages/detail.html", {"message": _row(message)})


def message_compose(request):
    form = ComposeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = idempotency.queue_messages_once(user=request.user, key=form.idempotency_key(),
                                                   **form.service_arguments())
        except IdempotencyKeyReused:
            form.renew_token()
            form.add_error(None, "This form was already sent with other content. Press Send again to send "
                                 "this as a new message.")
        except MessagingError as exc:
            show_service_error(form, exc)
        else:
            _say_sent(request, sent)
            if form.cleaned_data["mode"] == SendMode.INDIVIDUAL and len(form.cleaned_data["to"]) > 1:
                return redirect("messaging:message-list")  # several messages: the log shows each one's status
            return redirect("messaging:message-detail", pk=sent.message.pk)
    return render(request, "messaging/messages/compose.html", {"form": form})


def _say_sent(request, sent: idempotency.SendAnswer) -> None:
    if sent.replayed:
        flash.info(request, "This message was already sent: the form was submitted twice, and sent once.")
        return
    message = sent.message
    if len(sent.messages) > 1:
        # Each recipient is routed on its own, so the senders may differ.
        flash.success(request, f"{len(sent.messages)} individual messages queued: " + ", ".join(
            f"to {each.to_numbers[0]} from {each.from_number}" for each in sent.messages) + ".")
    else:
        flash.success(request, f"Message queued to {', '.join(message.to_numbers)} from {message.from_number}.")
    for warning in dict.fromkeys(warning for each in sent.messages for warning in each.warnings):
        flash.warning(request, warning)


@require_GET
def message_status(request):
    """JSON for the page's polling: ?ids=1,2,3 → the current status and reason of each."""
    parts = [part.strip() for part in request.GET.get("ids", "").split(",")]
    ids = [int(part) for part in parts if part.isascii() and part.isdigit() and len(part) < 19]  # not "¹"
    return JsonResponse({"messages": message_selectors.list_statuses(ids)}, headers={"Cache-Control": "no-store"})


def _row(message: Message) -> Message:
    message.reason = message_selectors.failure_reason(message)
    for recipient in message.recipients.all():  # the prefetched rows, which the template reads again
        recipient.reason = message_selectors.failure_reason(recipient)
    message.final = message.status in message_selectors.FINAL_STATUSES
    return message
