"""A group message reaching two of our numbers arrives as two events; processed at the same moment, on two
connections, they still make one inbound message, routed to both numbers' extensions (item 3 of issue 10).

The data is committed (two real transactions race); both threads are held at the insert until each has
looked for the message and found none, so every trial takes the path the unique constraint guards."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.models import Extension, InboundRule, Message, WebhookEvent
from messaging.services.inbound import process, webhook
from tests.messaging.factories import DID, OTHER_DID, callback

GROUP = [DID, OTHER_DID, "+14155550123"]
TRIALS = 5


@pytest.fixture
def two_rules(committed_acme):
    with tenant_context(committed_acme.tenant):
        for number, extension in ((DID, "201"), (OTHER_DID, "202")):
            rule = InboundRule.objects.create(name=f"DID {number}", trunk=committed_acme.trunk, did_start=number,
                                              did_end=number)
            rule.extensions.add(Extension.objects.create(number=extension))
    yield committed_acme
    with tenant_context(committed_acme.tenant):
        WebhookEvent.objects.all().delete()
        InboundRule.objects.all().delete()


def both_events(acme, trial: int) -> list[int]:
    carrier_id = f"group-race-{trial}"
    events = (callback("message-received", message__id=carrier_id, message__to=GROUP)
              + callback("message-received", to=OTHER_DID, message__id=carrier_id, message__to=GROUP))
    with tenant_context(acme.tenant):
        webhook.record_callbacks(configuration_id=acme.configuration.pk, events=events)
        return list(WebhookEvent.objects.filter(carrier_message_id=carrier_id).values_list("pk", flat=True))


def process_together(acme, event_ids: list[int], monkeypatch) -> list[BaseException]:
    at_insert = threading.Barrier(len(event_ids), timeout=5)
    create = process._create_inbound

    def create_when_both_looked(*args, **kwargs):
        at_insert.wait()
        return create(*args, **kwargs)

    monkeypatch.setattr(process, "_create_inbound", create_when_both_looked)
    errors: list[BaseException] = []

    def run(event_id: int) -> None:
        try:
            with tenant_context(acme.tenant):
                process.process_callback(event_id=event_id)
        except BaseException as exc:  # reported below: an exception in a thread cannot fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in event_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_events_of_one_group_message_at_the_same_moment_make_one_message(two_rules, monkeypatch):
    for trial in range(TRIALS):
        event_ids = both_events(two_rules, trial)
        assert process_together(two_rules, event_ids, monkeypatch) == []
        with tenant_context(two_rules.tenant):
            (message,) = Message.objects.filter(direction="in", provider_message_id=f"group-race-{trial}")
            assert set(message.routed_to.values_list("number", flat=True)) == {"201", "202"}
            assert not message.unrouted and message.to_numbers == GROUP
            assert set(WebhookEvent.objects.filter(pk__in=event_ids).values_list("state", flat=True)) == {"processed"}
            assert message.media.count() == 1  # the attachment is queued once, not once per recipient
