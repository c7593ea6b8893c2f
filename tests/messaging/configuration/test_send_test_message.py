"""Send test message (services/configuration/test_messages.py): the message goes the normal outbound way, and the
report's steps follow the callbacks as they are applied; failures in plain words; the running-test limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.exceptions import MessageInvalid, SendRefused, TestMessageRefused
from messaging.models import ConnectionTest, Message, OptOut
from messaging.services.configuration import test_messages
from messaging.services.configuration.test_messages import report_test_message, start_test_message
from messaging.services.outbound.deliver import deliver_message
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT, SEND_URL, accepted, callback, posted, receive_callbacks

CARRIER_ID = "1589228074636lm4k2je7j7jklbn2"


def start(acme, to=OTHER_DID, **kwargs) -> ConnectionTest:
    return start_test_message(configuration=acme.configuration, from_number=DID, to=to, **kwargs)


def steps(test) -> dict[str, str]:
    return {step.key: step.state for step in report_test_message(test=test).steps}


def step(test, key):
    return next(each for each in report_test_message(test=test).steps if each.key == key)


def accept(bandwidth, test) -> None:
    """The deliver task's run, with Bandwidth answering 202."""
    bandwidth.post(SEND_URL, status=202, json=accepted(CARRIER_ID, to=[test.to]))
    deliver_message(message_id=test.message_id)


def receipt(acme, test, name="message-delivered", **changes) -> None:
    message = Message.objects.get(pk=test.message_id)
    receive_callbacks(acme.configuration, callback(name, to=test.to, message__to=[test.to],
                                                   message__tag=str(message.uid), **changes))


def inbound(acme, *, sender=DID, to=OTHER_DID, carrier_id="in-test-1") -> None:
    receive_callbacks(acme.configuration, callback("message-received", to=to, message__to=[to], message__from=sender,
                                                   message__id=carrier_id, message__media=[],
                                                   message__text="Test message"))


def age(test, *, seconds: float) -> None:
    """As if the test, and its message's steps so far, had happened `seconds` earlier."""
    earlier = timedelta(seconds=seconds)
    ConnectionTest.objects.filter(pk=test.pk).update(started_at=test.started_at - earlier)
    message = Message.objects.get(pk=test.message_id)
    Message.objects.filter(pk=message.pk).update(
        sent_at=message.sent_at and message.sent_at - earlier,
        delivered_at=message.delivered_at and message.delivered_at - earlier)
    test.refresh_from_db()


def test_the_test_is_an_ordinary_queued_message_sent_by_the_deliver_task(acme, published, bandwidth,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        test = start(acme, text="Ping")
    message = Message.objects.get(pk=test.message_id)
    assert (message.direction, message.status, message.from_number, message.to_numbers, message.text) == (
        "out", "queued", DID, [OTHER_DID], "Ping")
    assert message.sms_configuration == acme.configuration and message.conversation_id is not None
    assert ("messaging.deliver_message", (message.pk,), {}) in published
    accept(bandwidth, test)
    (call,) = [c for c in bandwidth.calls if c.request.url == SEND_URL]
    assert posted(call)["from"] == DID and posted(call)["to"] == [OTHER_DID] and posted(call)["text"] == "Ping"
    assert posted(call)["tag"] == str(message.uid)


def test_an_empty_text_sends_the_default_words(acme):
    test = start(acme, text="  ")
    assert Message.objects.get(pk=test.message_id).text == "Test message from PBX portal (Acme Corp)"


def test_steps_progress_as_callbacks_are_applied_until_the_inbound_message_comes_back(acme, bandwidth):
    test = start(acme)
    report = report_test_message(test=test)
    assert report.state == "running"
    assert steps(test) == {"accepted": "waiting", "sending": "skipped", "delivered": "waiting", "inbound": "waiting"}
    assert "Not sent for SMS" in step(test, "sending").detail

    accept(bandwidth, test)
    assert steps(test)["accepted"] == "done"
    assert CARRIER_ID in step(test, "accepted").detail

    receipt(acme, test)
    assert steps(test)["delivered"] == "done" and steps(test)["inbound"] == "waiting"
    assert report_test_message(test=test).state == "running"

    inbound(acme)
    report = report_test_message(test=test)
    assert report.state == "passed"
    assert all(each.at is not None for each in report.steps if each.key != "sending")
    test.refresh_from_db()
    assert test.finished_at is not None
    assert test.inbound_message == Message.objects.get(direction="in", provider_message_id="in-test-1")


def test_a_message_sending_callback_is_shown_when_bandwidth_sends_one(acme, bandwidth):
    test = start(acme)
    accept(bandwidth, test)
    receipt(acme, test, "message-sending")
    assert steps(test)["sending"] == "done"


def test_failed_delivery_shows_the_plain_words_and_ends_the_test(acme, bandwidth):
    test = start(acme)
    accept(bandwidth, test)
    receipt(acme, test, "message-failed-4773")
    report = report_test_message(test=test)
    failed = step(test, "delivered")
    assert (report.state, failed.state, failed.title) == ("failed", "failed", "Failed")
    assert "10DLC" in failed.detail and "4773" in failed.detail
    assert steps(test)["inbound"] == "skipped"
    test.refresh_from_db()
    assert test.finished_at is not None


def test_bandwidth_refusing_the_send_fails_the_first_step_with_its_reason(acme, bandwidth):
    test = start(acme)
    bandwidth.post(SEND_URL, status=400, json={"type": "request-validation", "description": "Bad from number"})
    deliver_message(message_id=test.message_id)
    report = report_test_message(test=test)
    assert report.state == "failed" and "Bad from number" in report.summary
    assert steps(test) == {"accepted": "failed", "sending": "skipped", "delivered": "skipped", "inbound": "skipped"}


def test_a_number_that_is_not_the_tenants_waits_for_no_inbound(acme, bandwidth):
    test = start(acme, to="(919) 555-0199")
    assert test.to == RECIPIENT
    accept(bandwidth, test)
    receipt(acme, test)
    report = report_test_message(test=test)
    assert report.state == "passed"
    skipped = step(test, "inbound")
    assert skipped.state == "skipped" and "not one of this tenant's numbers" in skipped.detail


def test_only_an_inbound_from_the_tests_number_after_it_started_counts(acme, bandwidth):
    inbound(acme, carrier_id="in-before")  # before the test started
    test = start(acme)
    accept(bandwidth, test)
    receipt(acme, test)
    inbound(acme, sender="+19195550142", carrier_id="in-other-sender")
    inbound(acme, to=RECIPIENT, carrier_id="in-other-number")
    assert steps(test)["inbound"] == "waiting"
    inbound(acme, carrier_id="in-after")
    assert steps(test)["inbound"] == "done"


def test_a_step_waiting_over_a_minute_says_what_to_check(acme, bandwidth):
    test = start(acme)
    accept(bandwidth, test)
    assert step(test, "delivered").advice == ""
    age(test, seconds=59)
    assert step(test, "delivered").advice == ""
    age(test, seconds=2)
    advice = step(test, "delivered").advice
    assert "No callback within 60 s" in advice and "Connect to Bandwidth" in advice
    assert "No callback has ever reached this configuration" in advice


def test_a_queued_message_waiting_over_a_minute_points_at_the_workers(acme):
    test = start(acme)
    age(test, seconds=61)
    assert "Celery workers" in step(test, "accepted").advice


def test_an_inbound_that_does_not_come_says_what_to_check(acme, bandwidth):
    test = start(acme)
    accept(bandwidth, test)
    receipt(acme, test)
    age(test, seconds=61)
    assert "No inbound message within 60 s" in step(test, "inbound").advice


def test_a_test_without_an_answer_stops_running_after_the_give_up_time(acme, bandwidth):
    test = start(acme)
    accept(bandwidth, test)
    age(test, seconds=test_messages.GIVE_UP_AFTER.total_seconds() + 1)
    report = report_test_message(test=test)
    assert report.state == "no_answer" and "No answer within 2 minutes" in report.summary
    test.refresh_from_db()
    assert test.finished_at is None


def test_one_running_test_per_configuration(acme, bandwidth):
    first = start(acme)
    with pytest.raises(TestMessageRefused) as refused:
        start(acme)
    assert refused.value.code == "test_running" and refused.value.http_status == 409
    assert ConnectionTest.objects.count() == 1 and Message.objects.count() == 1
    accept(bandwidth, first)
    receipt(acme, first)
    inbound(acme)
    assert start(acme).pk != first.pk  # the first one passed: a new one may start


def test_a_test_given_up_on_no_longer_blocks_the_next(acme):
    first = start(acme)
    age(first, seconds=test_messages.GIVE_UP_AFTER.total_seconds() + 1)
    start(acme)
    assert ConnectionTest.objects.count() == 2


def test_at_most_ten_tests_an_hour(acme):
    for _ in range(test_messages.MAX_TESTS_PER_HOUR):
        ConnectionTest.objects.update(finished_at=timezone.now())
        start(acme)
    ConnectionTest.objects.update(finished_at=timezone.now())
    with pytest.raises(TestMessageRefused) as refused:
        start(acme)
    assert refused.value.code == "too_many_tests"
    ConnectionTest.objects.update(started_at=timezone.now() - timedelta(minutes=61))
    start(acme)


@pytest.mark.parametrize(("arguments", "field", "words"), [
    ({"to": "12"}, "to", "not a valid phone number"),
    ({"to": "\x00"}, "to", "not a phone number"),
    ({"to": "\ud800"}, "to", "not a phone number"),
    ({"to": "9" * 10_000}, "to", "not a phone number"),
    ({"to": DID}, "to", "another number"),
    ({"from_number": RECIPIENT}, "from_number", "numbers of trunk BW Raleigh"),
    ({"text": "x" * 2049}, "text", "2048"),
])
def test_bad_input_is_refused_on_its_field_and_stores_nothing(acme, arguments, field, words):
    arguments = {"from_number": DID, "to": OTHER_DID} | arguments
    with pytest.raises(MessageInvalid) as refused:
        start_test_message(configuration=acme.configuration, **arguments)
    assert refused.value.field == field and words in refused.value.message
    assert not ConnectionTest.objects.exists() and not Message.objects.exists()


def test_an_opted_out_number_and_a_disabled_configuration_are_refused(acme):
    OptOut.objects.create(number=DID, remote_number=RECIPIENT)
    with pytest.raises(SendRefused) as refused:
        start(acme, to=RECIPIENT)
    assert refused.value.code == "opted_out"
    acme.configuration.enabled = False
    acme.configuration.save()
    with pytest.raises(SendRefused) as refused:
        start(acme)
    assert refused.value.code == "configuration_disabled"
    assert not ConnectionTest.objects.exists()
