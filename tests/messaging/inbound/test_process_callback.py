"""Processing stored callbacks: inbound messages, routing, opt-outs, delivery receipts."""

import pytest

from messaging.models import Extension, InboundRule, Message, MessageMedia, OptOut, WebhookEvent
from messaging.services.inbound import process
from tests.messaging.factories import callback, receive_callbacks

pytestmark = pytest.mark.django_db


@pytest.fixture
def reception(acme_schema, acme_trunk):
    reception = Extension.objects.create(number="100", name="Reception")
    rule = InboundRule.objects.create(name="Main DID", trunk=acme_trunk, did_start="+19195550100",
                                      did_end="+19195550100")
    rule.extensions.add(reception)
    return reception


def outbound(configuration, **fields) -> Message:
    defaults = {"direction": "out", "status": "sent", "sms_configuration": configuration,
                "from_number": "+19195550100", "to_numbers": ["+19195550199"], "text": "Hello",
                "provider_message_id": "1589228074636lm4k2je7j7jklbn2"}
    return Message.objects.create(**(defaults | fields))


def test_message_received_creates_an_inbound_message_routed_by_the_rule(acme_config, reception):
    (event,) = receive_callbacks(acme_config, callback("message-received"))
    message = Message.objects.get()
    assert (message.direction, message.status, message.from_number, message.to_numbers, message.text) == (
        "in", "received", "+19195550142", ["+19195550100"], "Hi")
    assert message.provider_message_id == "14762070468292kw2fuqty55yp2b2" and message.segments == 1
    assert list(message.routed_to.all()) == [reception] and not message.unrouted
    assert event.state == "processed" and "100" in event.note
    assert MessageMedia.objects.get(message=message).source_url.endswith("/0/photo.jpg")


def test_unmatched_message_lands_in_unrouted(acme_schema, acme_config):
    receive_callbacks(acme_config, callback("message-received"))
    assert Message.objects.get().unrouted


def test_processing_an_event_twice_has_the_effect_of_once(acme_config, reception):
    (event,) = receive_callbacks(acme_config, callback("message-received"))
    process.process_callback(event_id=event.pk)
    WebhookEvent.objects.filter(pk=event.pk).update(processed_at=None)  # as if the task died before marking it
    process.process_callback(event_id=event.pk)
    assert Message.objects.count() == 1
    assert MessageMedia.objects.count() == 1


def test_group_message_to_two_of_our_numbers_stays_one_message(acme_config, acme_trunk, reception):
    acme_trunk.numbers.create(number="+19195550101")
    sales = Extension.objects.create(number="200", name="Sales")
    rule = InboundRule.objects.create(name="Sales DID", trunk=acme_trunk, did_start="+19195550101",
                                      did_end="+19195550101")
    rule.extensions.add(sales)
    group = ["+19195550100", "+19195550101", "+14155550123"]
    events = callback("message-received", message__to=group) + callback("message-received", to="+19195550101",
                                                                          message__to=group)
    receive_callbacks(acme_config, events)
    message = Message.objects.get()
    assert message.to_numbers == group
    assert set(message.routed_to.values_list("number", flat=True)) == {"100", "200"}


def test_delivered_moves_a_sent_message_forward(acme_schema, acme_config):
    message = outbound(acme_config)
    receive_callbacks(acme_config, callback("message-delivered", message__tag=str(message.uid)))
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None


def test_reordered_events_end_in_the_right_status(acme_schema, acme_config):
    message = outbound(acme_config)
    receive_callbacks(acme_config, callback("message-delivered"))
    (late,) = receive_callbacks(acme_config, callback("message-sending"))
    message.refresh_from_db()
    assert message.status == "delivered"
    assert "already delivered" in late.note


def test_failed_keeps_the_code_and_explains_10dlc(acme_schema, acme_config):
    message = outbound(acme_config)
    receive_callbacks(acme_config, callback("message-failed-4773"))
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", 4773)
    assert "10DLC" in message.error_description


def test_callback_finds_the_message_by_tag_when_the_carrier_id_is_unknown(acme_schema, acme_config):
    message = outbound(acme_config, status="unknown", provider_message_id="")
    receive_callbacks(acme_config, callback("message-delivered", message__tag=str(message.uid)))
    message.refresh_from_db()
    assert message.status == "delivered"
    assert message.provider_message_id == "1589228074636lm4k2je7j7jklbn2"


def test_receipt_for_no_message_of_ours_is_noted(acme_schema, acme_config):
    (event,) = receive_callbacks(acme_config, callback("message-delivered", message__tag="not-a-uuid"))
    assert event.state == "processed" and "No outbound message" in event.note


def test_unknown_event_type_is_kept_and_marked_ignored(acme_schema, acme_config):
    (event,) = receive_callbacks(acme_config, callback("message-delivered", type="message-teleported"))
    assert event.state == "ignored" and "Unknown event type" in event.note


def test_disabled_configuration_keeps_callbacks_waiting_until_enabled(acme_schema, acme_config, reception):
    acme_config.enabled = False
    acme_config.save(update_fields=["enabled"])
    (event,) = receive_callbacks(acme_config, callback("message-received"))
    assert event.processed_at is None and "disabled" in event.note
    assert not Message.objects.exists()

    acme_config.enabled = True
    acme_config.save(update_fields=["enabled"])
    process.process_callback(event_id=event.pk)
    assert Message.objects.count() == 1


@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe ", "QUIT.", "stopall"])
def test_opt_out_keywords_add_the_sender_to_the_numbers_list(acme_schema, acme_config, word):
    receive_callbacks(acme_config, callback("message-received", message__text=word))
    assert OptOut.objects.filter(number="+19195550100", remote_number="+19195550142").exists()
    assert Message.objects.get().keyword


def test_start_removes_the_opt_out_and_help_is_recorded(acme_schema, acme_config):
    receive_callbacks(acme_config, callback("message-received", message__text="STOP"))
    receive_callbacks(acme_config, callback("message-received", message__id="second", message__text="start"))
    assert not OptOut.objects.exists()
    (event,) = receive_callbacks(acme_config,
                                 callback("message-received", message__id="third", message__text="HELP"))
    assert Message.objects.get(provider_message_id="third").keyword == "HELP"
    assert "HELP" in event.note


def test_ordinary_text_is_not_a_keyword(acme_schema, acme_config):
    receive_callbacks(acme_config, callback("message-received", message__text="Please stop by at 5"))
    assert not OptOut.objects.exists()
