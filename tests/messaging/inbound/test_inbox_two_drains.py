"""Two drains of one tenant's inbox at once, on committed data and two connections (a worker with two
processes, or two workers): each event is claimed, counted and processed by exactly one of them
(services/inbound/inbox.py: FOR UPDATE SKIP LOCKED and the claim's timestamp)."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.models import Message, WebhookEvent
from messaging.services.inbound import arrivals, inbox, process, webhook
from tests.messaging.factories import callback

EVENTS = 120


@pytest.fixture
def many_events(committed_acme, published):
    """EVENTS inbound messages, committed; the drain their hand-off wakes is only recorded."""
    with tenant_context(committed_acme.tenant):
        events = [callback("message-received", message__id=f"race-{i}", message__media=[])[0] for i in range(EVENTS)]
        webhook.record_callbacks(configuration_id=committed_acme.configuration.pk, events=events)
    yield committed_acme
    with tenant_context(committed_acme.tenant):
        WebhookEvent.objects.all().delete()


def test_two_drains_at_once_never_process_one_event_twice(many_events, monkeypatch):
    both_claiming = threading.Barrier(2, timeout=10)
    claim, handle, receive = inbox._claim, process.handle_event, arrivals.receive_messages
    handled: list[int] = []
    errors: list[BaseException] = []

    def claim_together(*, fresh, limit, **options):
        if fresh and not getattr(local, "met", False):  # each drain's first claim: both at once
            local.met = True
            both_claiming.wait()
        return claim(fresh=fresh, limit=limit, **options)

    def record(event, configuration):  # one by one
        handled.append(event.pk)
        return handle(event, configuration)

    def record_batch(events, configurations):
        handled.extend(event.pk for event in events)
        return receive(events, configurations)

    local = threading.local()
    monkeypatch.setattr(inbox, "_claim", claim_together)
    monkeypatch.setattr(inbox, "BATCH", 10)
    monkeypatch.setattr(process, "handle_event", record)
    monkeypatch.setattr(arrivals, "receive_messages", record_batch)

    def drain() -> None:
        try:
            with tenant_context(many_events.tenant):
                inbox.drain_inbox()
        except BaseException as exc:  # reported below: an exception in a thread cannot fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(handled) == len(set(handled)) == EVENTS
    with tenant_context(many_events.tenant):
        assert set(WebhookEvent.objects.values_list("state", "attempts")) == {("processed", 1)}
        assert Message.objects.filter(direction="in").count() == EVENTS
