"""Automatic keyword replies: per tenant and per number, once per window, in the conversation, and the only
send an opt-out lets through."""

from datetime import timedelta

import pytest
from django.test import override_settings

from messaging.exceptions import SendRefused
from messaging.models import ComplianceSettings, KeywordReplySent, Message, NumberKeywordReply, WebhookEvent
from messaging.services.inbound import keywords, process
from messaging.services.outbound.compose import queue_message
from messaging.services.outbound.deliver import deliver_message
from tests.messaging.factories import DID, OTHER_DID, SEND_URL, accepted, callback, posted, receive_callbacks

SENDER = "+19195550142"
CONFIRM = "Acme: you are unsubscribed and will get no more messages. Reply START to resubscribe."


@pytest.fixture
def replies(acme):
    ComplianceSettings.objects.update_or_create(pk=1, defaults={
        "opt_out_reply": CONFIRM, "opt_in_reply": "Acme: welcome back.", "help_reply": "Acme support: 919-555-0100."})
    return acme


def receive(acme, text: str, carrier_id: str = "in-1", to: str = DID) -> WebhookEvent:
    (event,) = receive_callbacks(acme.configuration, callback(
        "message-received", to=to, message__to=[to], message__text=text, message__id=carrier_id, message__media=[]))
    return event


def sent_replies() -> list[Message]:
    return list(Message.objects.filter(direction="out").order_by("id"))


def test_stop_is_answered_from_the_receiving_number_in_the_same_conversation(replies, published,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = receive(replies, "Stop")
    (reply,) = sent_replies()
    inbound = Message.objects.get(direction="in")
    assert (reply.from_number, reply.to_numbers, reply.text) == (DID, [SENDER], CONFIRM)
    assert reply.keyword_reply == "opt_out" and reply.status == "queued"
    assert reply.conversation_id == inbound.conversation_id
    assert ("messaging.deliver_message", (reply.pk,)) in [(name, args) for name, args, _ in published]
    assert f"Automatic reply queued as message {reply.pk}" in event.note


@pytest.mark.parametrize(("word", "text"), [("start", "Acme: welcome back."), ("INFO", "Acme support: 919-555-0100.")])
def test_opt_in_and_help_get_their_own_reply(replies, word, text):
    receive(replies, word)
    assert [r.text for r in sent_replies()] == [text]


def test_the_opt_out_confirmation_is_delivered_although_the_number_just_opted_out(replies, bandwidth):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    receive(replies, "STOP")
    (reply,) = sent_replies()
    deliver_message(message_id=reply.pk)
    reply.refresh_from_db()
    assert reply.status == "sent"
    assert posted([c for c in bandwidth.calls if c.request.url == SEND_URL][0])["to"] == [SENDER]


def test_an_ordinary_message_to_the_opted_out_number_is_still_refused(replies, bandwidth):
    receive(replies, "STOP")
    with pytest.raises(SendRefused, match="opted out"):
        queue_message(extension=replies.ext.sales, to=[SENDER], text="Sale today!")
    # Nor does delivery let a message through that only looks like one queued before the opt-out.
    normal = Message.objects.create(direction="out", status="queued", extension=replies.ext.sales,
                                    sms_configuration=replies.configuration, from_number=DID, to_numbers=[SENDER],
                                    text="Sale today!", segments=1)
    deliver_message(message_id=normal.pk)
    normal.refresh_from_db()
    assert normal.status == "failed" and "opted out" in normal.error_description
    assert not [c for c in bandwidth.calls if c.request.url == SEND_URL]


def test_one_reply_within_the_window_however_often_the_keyword_comes(replies):
    event = receive(replies, "STOP")
    WebhookEvent.objects.filter(pk=event.pk).update(processed_at=None)  # as if the task died before marking it
    process.process_callback(event_id=event.pk)
    receive_callbacks(replies.configuration, callback(  # Bandwidth's retry of the same callback
        "message-received", message__text="STOP", message__id="in-1", message__media=[]))
    # The keyword step itself run again on the stored message (a retried batch): the window holds.
    keywords.apply_keyword(Message.objects.get(direction="in"), our_number=DID, caller=SENDER)
    second = receive(replies, "stop", carrier_id="in-2")  # the sender texts STOP again
    assert len(sent_replies()) == 1
    assert "one was sent within the reply window" in second.note


def test_a_keyword_after_the_window_is_answered_again(replies):
    receive(replies, "STOP")
    KeywordReplySent.objects.update(sent_at=KeywordReplySent.objects.get().sent_at - timedelta(minutes=61))
    receive(replies, "STOP", carrier_id="in-2")
    assert len(sent_replies()) == 2


@override_settings(KEYWORD_REPLY_WINDOW_MINUTES=0)
def test_a_window_of_zero_answers_every_keyword(replies):
    receive(replies, "HELP")
    receive(replies, "HELP", carrier_id="in-2")
    assert len(sent_replies()) == 2


def test_each_kind_has_its_own_window(replies):
    receive(replies, "STOP")
    receive(replies, "START", carrier_id="in-2")
    assert [r.keyword_reply for r in sent_replies()] == ["opt_out", "opt_in"]


def test_a_numbers_own_reply_text_wins_and_its_blank_text_sends_nothing(replies):
    NumberKeywordReply.objects.create(number=OTHER_DID, help_reply="Raleigh office: 919-555-0101.", opt_out_reply="")
    receive(replies, "HELP", to=OTHER_DID)
    receive(replies, "STOP", carrier_id="in-2", to=OTHER_DID)
    receive(replies, "STOP", carrier_id="in-3", to=DID)  # the tenant's text for the other number
    assert [(r.from_number, r.text) for r in sent_replies()] == [
        (OTHER_DID, "Raleigh office: 919-555-0101."), (DID, CONFIRM)]


def test_a_blank_tenant_reply_sends_nothing(acme):
    receive(acme, "STOP")
    assert sent_replies() == [] and KeywordReplySent.objects.count() == 0


def test_the_reply_is_shown_in_the_conversation_as_an_automatic_reply(replies, client_a):
    receive(replies, "STOP")
    conversation_id = Message.objects.get(direction="in").conversation_id
    page = client_a.get(f"/t/acme/inbox/{conversation_id}/").content.decode()
    assert CONFIRM in page and "automatic opt-out reply" in page
