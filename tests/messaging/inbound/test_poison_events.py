"""Callbacks whose fields have shapes nobody foresaw are processed anyway, and any crash is bounded: the
attempt is counted first, the error written in words, and after WEBHOOK_MAX_ATTEMPTS the event is
`failed`, skipped by the sweeper and waiting for Retry (item 5 of issue 10)."""

import pytest
from django.utils import timezone

from messaging import tasks
from messaging.exceptions import CallbackNotRetryable
from messaging.models import Message, WebhookEvent
from messaging.services.inbound import payload, process, sweep, webhook
from tests.messaging.factories import callback, receive_callbacks

pytestmark = pytest.mark.django_db


def outbound(configuration) -> Message:
    return Message.objects.create(direction="out", status="sent", sms_configuration=configuration,
                                  from_number="+19195550100", to_numbers=["+19195550199"], text="Hello",
                                  provider_message_id="1589228074636lm4k2je7j7jklbn2")


@pytest.mark.parametrize("changes", [
    {"message__segmentCount": 40000},
    {"message__segmentCount": -1},
    {"message__segmentCount": "two"},
    {"message__to": 19195550100},
    {"message__to": [1, None, {"x": 1}]},
    {"message__media": 42},
    {"message__media": [None, 7, "https://example.com/a.png"]},
    {"message__text": {"nested": ["text"]}},
    {"message__from": 12345},
    {"message__from": "9" * 5000},
    {"message__text": "STOP", "message__from": "+1" + "9" * 40},
    {"description": 42},
])
def test_odd_shapes_of_an_inbound_message_are_processed(acme_schema, acme_config, changes):
    (event,) = receive_callbacks(acme_config, callback("message-received", **changes))
    assert event.state == "processed", event.note
    message = Message.objects.get()
    assert 0 <= message.segments <= 32767 and message.direction == "in"


@pytest.mark.parametrize(("error_code", "stored", "noted"), [
    (10**12, None, "1000000000000"),
    (-(10**12), None, "-1000000000000"),
    ("4773", 4773, ""),
    ("abc", None, "abc"),
    (4773.5, None, "4773.5"),
    ([1], None, ""),
    (None, None, ""),
])
def test_an_error_code_the_column_cannot_hold_is_kept_in_the_note(acme_schema, acme_config, error_code, stored,
                                                                   noted):
    message = outbound(acme_config)
    (event,) = receive_callbacks(acme_config, callback("message-failed-4773", errorCode=error_code, description=404,
                                                       message__tag=str(message.uid)))
    message.refresh_from_db()
    assert event.state == "processed" and message.status == "failed"
    assert message.error_code == stored
    assert noted in event.note and message.error_description


def test_a_crash_counts_the_attempt_and_is_written_in_words(acme_schema, acme_config, monkeypatch, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    monkeypatch.setattr(payload, "read_message", lambda event: 1 / 0)
    (event,) = receive_callbacks(acme_config, callback("message-received"))
    assert (event.state, event.attempts, event.processed_at) == ("pending", 1, None)
    assert "Attempt 1 of 3 failed: ZeroDivisionError: division by zero" in event.note
    for _ in range(2):
        process.process_callback(event_id=event.pk)
    event.refresh_from_db()
    assert (event.state, event.attempts) == ("failed", 3) and event.processed_at is not None
    assert event.note.startswith("Failed after 3 attempts: ZeroDivisionError")
    process.process_callback(event_id=event.pk)  # a late copy of the task changes nothing
    event.refresh_from_db()
    assert event.attempts == 3 and not Message.objects.exists()


def test_attempts_that_died_without_a_word_still_end_in_failed(acme_schema, acme_config, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
    event = WebhookEvent.objects.get()
    WebhookEvent.objects.filter(pk=event.pk).update(attempts=2)  # two workers killed while processing it
    process.process_callback(event_id=event.pk)
    event.refresh_from_db()
    assert event.state == "failed" and "stopped 2 times without finishing" in event.note
    assert not Message.objects.exists()


def test_one_poison_event_does_not_hold_back_the_others_of_its_request(acme_schema, acme_config, monkeypatch):
    receive = process.receive_message

    def poisoned(*, event, configuration):
        if event.carrier_message_id == "poison":
            raise TypeError("unforeseen payload")
        return receive(event=event, configuration=configuration)

    monkeypatch.setattr(process, "receive_message", poisoned)
    events = (callback("message-received", message__id="first") + callback("message-received", message__id="poison")
              + callback("message-received", message__id="last"))
    webhook.record_callbacks(configuration_id=acme_config.pk, events=events)
    tasks.process_callbacks(list(WebhookEvent.objects.order_by("id").values_list("pk", flat=True)))
    states = dict(WebhookEvent.objects.values_list("carrier_message_id", "state"))
    assert states == {"first": "processed", "poison": "pending", "last": "processed"}
    assert "TypeError: unforeseen payload" in WebhookEvent.objects.get(carrier_message_id="poison").note


def test_the_sweepers_drain_skips_failed_events_and_ends_a_poison_one(acme_schema, acme_config, queued, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    events = [callback("message-received", message__id=f"m{i}")[0] for i in range(3)]
    webhook.record_callbacks(configuration_id=acme_config.pk, events=events)
    WebhookEvent.objects.update(received_at=timezone.now() - timezone.timedelta(minutes=5))
    failed, poison, fresh = WebhookEvent.objects.order_by("id")
    WebhookEvent.objects.filter(pk=failed.pk).update(state="failed", processed_at=timezone.now(), attempts=5)
    WebhookEvent.objects.filter(pk=poison.pk).update(attempts=5)  # five workers died on it
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sweep.sweep_inbound()
    assert queued == [poison.pk, fresh.pk]
    tasks.drain_inbox()
    states = dict(WebhookEvent.objects.values_list("pk", "state"))
    assert states == {failed.pk: "failed", poison.pk: "failed", fresh.pk: "processed"}
    assert "stopped 5 times without finishing" in WebhookEvent.objects.get(pk=poison.pk).note


def test_retry_makes_a_failed_event_pending_and_processes_it(acme_schema, acme_config, queued,
                                                             django_capture_on_commit_callbacks):
    webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
    event = WebhookEvent.objects.get()
    WebhookEvent.objects.filter(pk=event.pk).update(state="failed", processed_at=timezone.now(), attempts=5,
                                                    note="Failed after 5 attempts: KeyError")
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        process.retry_callback(event_id=event.pk)
    event.refresh_from_db()
    assert (event.state, event.attempts, event.processed_at) == ("pending", 0, None)
    assert queued == [event.pk] and "KeyError" in event.note
    process.process_callback(event_id=event.pk)
    event.refresh_from_db()
    assert event.state == "processed" and Message.objects.count() == 1
    with pytest.raises(CallbackNotRetryable):
        process.retry_callback(event_id=event.pk)
