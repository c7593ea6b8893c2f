"""Inbox: the conversations a user may see, a thread with its reply box, New conversation.

Every view reads through messaging.selectors.conversations with the request's Reader, so a conversation
the user may not see answers 404 exactly like one that does not exist. Live updates come from
static/js/inbox.js, which refetches the `?fragment=` parts of these pages when the live channel says so.
"""

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import live
from messaging.exceptions import IdempotencyKeyReused, MessagingError
from messaging.forms.inbox import InboxFilterForm, NewConversationForm, ReplyForm
from messaging.models import Conversation, Message, MessageMedia
from messaging.selectors import conversations as conversation_selectors
from messaging.services.conversations import read_state, replies
from messaging.services.outbound.idempotency import SendAnswer
from messaging.views.media import attachment_response
from portal.forms import show_service_error

PAGE_SIZE = 50
THREAD_SIZE = 100


def reader_of(request) -> conversation_selectors.Reader:
    return conversation_selectors.reader_for(request.user, request.tenant_role)


def _conversation_or_404(reader, pk: int) -> Conversation:
    try:
        return conversation_selectors.get_conversation(reader, pk)
    except Conversation.DoesNotExist:
        raise Http404("No such conversation.") from None


def _live_context() -> dict:
    # The stream opens from the newest event at render time: nothing that happens between this render and the
    # browser connecting is missed.
    since = live.latest_event_id()
    return {"live_url": reverse("messaging:live") + (f"?last_event_id={since}" if since else ""),
            "settings_url": reverse("messaging:inbox-settings")}


@require_GET
def inbox(request):
    reader = reader_of(request)
    if request.GET.get("fragment") == "count":
        return _fragment(request, "messaging/inbox/_unread_badge.html",
                         {"unread_total": conversation_selectors.count_unread_conversations(reader)})
    form = InboxFilterForm(request.GET or None)
    chosen = form.filters()
    q, unread = chosen.get("q", ""), bool(chosen.get("unread"))
    conversations = conversation_selectors.list_conversations(reader, q=q, unread=unread)
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {key: value for key, value in {"q": q, "unread": "1" if unread else ""}.items() if value}
    context = {
        "page": page, "q": q, "unread": unread, "filtered": bool(filters), "search_errors": form.errors.get("q"),
        "page_query": urlencode(filters) + "&" if filters else "",
        "unread_total": conversation_selectors.count_unread_conversations(reader),
    }
    if request.GET.get("fragment") == "list":
        return _fragment(request, "messaging/inbox/_list.html", context)
    return render(request, "messaging/inbox/inbox.html", context | _live_context())


@require_GET
def conversation(request, pk: int):
    reader = reader_of(request)
    conversation = _conversation_or_404(reader, pk)
    if request.GET.get("fragment") == "messages":
        return _thread(request, reader, conversation, None)
    form = ReplyForm(extensions=conversation_selectors.reply_extensions(reader, conversation))
    return _thread(request, reader, conversation, form)


@require_POST
def conversation_reply(request, pk: int):
    reader = reader_of(request)
    conversation = _conversation_or_404(reader, pk)
    form = ReplyForm(request.POST, request.FILES or None,
                     extensions=conversation_selectors.reply_extensions(reader, conversation))
    if form.is_valid():
        sent = _send(form, lambda: replies.reply(reader=reader, user=request.user, conversation=conversation,
                                                 key=form.idempotency_key(), **form.service_arguments()))
        if sent is not None:
            _say_sent(request, sent)
            return redirect(reverse("messaging:conversation", args=[conversation.pk]) + "#latest")
    return _thread(request, reader, conversation, form)


@require_http_methods(["GET", "POST"])
def conversation_new(request):
    reader = reader_of(request)
    posted = request.method == "POST"
    form = NewConversationForm(request.POST if posted else None, request.FILES if posted else None,
                               extensions=conversation_selectors.sending_extensions(reader))
    if posted and form.is_valid():
        sent = _send(form, lambda: replies.start_conversation(
            reader=reader, user=request.user, key=form.idempotency_key(), **form.service_arguments()))
        if sent is not None:
            _say_sent(request, sent)
            return redirect(reverse("messaging:conversation", args=[sent.message.conversation_id]) + "#latest")
    return render(request, "messaging/inbox/new.html", {"form": form})


@require_GET
def conversation_media(request, pk: int, media_pk: int):
    """An attachment of a message of a conversation the user may see (extension users included)."""
    conversation = _conversation_or_404(reader_of(request), pk)
    try:
        media = conversation_selectors.get_thread_media(conversation, media_pk)
    except MessageMedia.DoesNotExist:
        raise Http404("No such attachment.") from None
    return attachment_response(media)


def _thread(request, reader, conversation: Conversation, form: ReplyForm | None):
    before = request.GET.get("before", "")
    before = int(before) if before.isascii() and before.isdigit() and len(before) < 19 else None
    # A page in a hidden tab refetches with peek=1: the messages are not read until someone looks.
    if request.GET.get("peek") != "1" and before is None:
        read_state.mark_read(conversation=conversation, user_id=request.user.pk)
    messages, has_earlier = conversation_selectors.list_thread_page(conversation, before=before, size=THREAD_SIZE)
    context = {
        "conversation": conversation, "thread": [_bubble(message) for message in messages],
        "earlier_url": f"{reverse('messaging:conversation', args=[conversation.pk])}?before={messages[0].pk}"
        if has_earlier and messages else "",
        "show_writer": len(conversation_selectors.conversation_extension_ids(conversation.pk)) > 1,
        "form": form, "unread_total": conversation_selectors.count_unread_conversations(reader),
    }
    if request.GET.get("fragment") == "messages":
        return _fragment(request, "messaging/inbox/_messages.html", context)
    return render(request, "messaging/inbox/thread.html", context | _live_context())


def _fragment(request, template: str, context: dict):
    # Refetched on every live event: never answered from a cache.
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


def _bubble(message: Message) -> Message:
    # A group message shows each recipient's status; a single recipient's is the message's own.
    rows = list(message.recipients.all())
    message.recipient_rows = rows if len(rows) > 1 else []
    return message


def _send(form, send) -> SendAnswer | None:
    """Run the send; a refusal goes on the form (field errors) and gives None."""
    try:
        return send()
    except IdempotencyKeyReused:
        form.renew_token()
        form.add_error(None, "This form was already sent with other content. Press Send again to send "
                             "this as a new message.")
    except MessagingError as exc:
        show_service_error(form, exc)
    return None


def _say_sent(request, sent: SendAnswer) -> None:
    if sent.replayed:
        flash.info(request, "This message was already sent: the form was submitted twice, and sent once.")
    for warning in [] if sent.replayed else sent.message.warnings:
        flash.warning(request, warning)
