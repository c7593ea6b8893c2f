"""The inbox's drain: the webhook's events processed in batches by one task per tenant (services/inbound/
inbox.py), woken through a coalesced Redis key (handoff.py). A poison event does not hold back its batch,
two drains at once never take one event twice, and a wake-up while a drain runs is not lost."""


import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging.models import Message, WebhookEvent
from messaging.services.inbound import handoff, inbox, payload, receipts, webhook
from tests.messaging.factories import callback

pytestmark = pytest.mark.django_db
DRAIN = ("messaging.drain_inbox", (), {})


def store(configuration, *message_ids: str) -> list[int]:
    """message-received events, stored without their hand-off (the test decides when to wake)."""
    events = [callback("message-received", message__id=m, message__media=[])[0] for m in message_ids]
    webhook.record_callbacks(configuration_id=configuration.pk, events=events)
    return list(WebhookEvent.objects.filter(carrier_message_id__in=message_ids).order_by("id")
                .values_list("pk", flat=True))


def test_a_poison_event_in_a_batch_does_not_hold_back_the_others(acme_schema, acme_config, monkeypatch, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    read = payload.read_message

    def poisoned(event):
        if event["message"]["id"] == "poison":
            raise TypeError("unforeseen payload")
        return read(event)

    monkeypatch.setattr(payload, "read_message", poisoned)
    store(acme_config, "first", "poison", "last")
    inbox.drain_inbox()
    states = dict(WebhookEvent.objects.values_list("carrier_message_id", "state"))
    assert states == {"first": "processed", "poison": "pending", "last": "processed"}
    poison = WebhookEvent.objects.get(carrier_message_id="poison")
    assert poison.attempts == 1 and "Attempt 1 of 3 failed: TypeError: unforeseen payload" in poison.note
    assert set(Message.objects.values_list("provider_message_id", flat=True)) == {"first", "last"}

    inbox.drain_inbox()  # at once: its claim is fresh, so it is not hammered in a loop
    assert WebhookEvent.objects.get(pk=poison.pk).attempts == 1
    for attempt in (2, 3):  # later drains, once the claim is old, try it alone and end it
        WebhookEvent.objects.filter(pk=poison.pk).update(claimed_at=timezone.now() - timezone.timedelta(minutes=5))
        inbox.drain_inbox()
        assert WebhookEvent.objects.get(pk=poison.pk).attempts == attempt
    poison.refresh_from_db()
    assert poison.state == "failed" and poison.note.startswith("Failed after 3 attempts: TypeError")


def test_an_event_a_dead_worker_held_is_taken_again_alone_and_counted(acme_schema, acme_config, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    dead, fresh = store(acme_config, "dead", "fresh")
    # A drain claimed it and its worker was killed: the claim stays, uncommitted work is gone.
    WebhookEvent.objects.filter(pk=dead).update(attempts=1, claimed_at=timezone.now())
    inbox.drain_inbox()
    assert WebhookEvent.objects.get(pk=fresh).state == "processed"
    assert WebhookEvent.objects.get(pk=dead).state == "pending"  # its claim is not old yet
    WebhookEvent.objects.filter(pk=dead).update(claimed_at=timezone.now() - timezone.timedelta(minutes=5))
    inbox.drain_inbox()
    event = WebhookEvent.objects.get(pk=dead)
    assert (event.state, event.attempts) == ("processed", 2)


def test_the_webhooks_wake_ups_are_coalesced_until_the_drain_starts(tenant_a, acme_config, published):
    with tenant_context(tenant_a):
        first, second = store(acme_config, "m1"), store(acme_config, "m2")
        schema = connection.schema_name
        handoff.callbacks_stored(schema_name=schema, event_ids=first)
        handoff.callbacks_stored(schema_name=schema, event_ids=second)
        assert published == [DRAIN]  # one drain for both requests
        assert inbox.drain_inbox() == 2  # it takes both
        handoff.callbacks_stored(schema_name=schema, event_ids=store(acme_config, "m3"))
        assert published == [DRAIN, DRAIN]  # the drain started: the next commit wakes another one


def test_a_wake_up_while_a_drain_runs_is_not_lost(tenant_a, acme_config, published, monkeypatch):
    """The worst moment: events commit after the drain's last claim found nothing, before it returns."""
    claim = inbox._claim
    late: list[int] = []

    def claim_then_a_request_commits(*, fresh, limit, **options):
        found = claim(fresh=fresh, limit=limit, **options)
        if fresh and not found and not late:
            late.extend(store(acme_config, "late"))
            handoff.callbacks_stored(schema_name=connection.schema_name, event_ids=late)
        return found

    with tenant_context(tenant_a):
        handoff.callbacks_stored(schema_name=connection.schema_name, event_ids=store(acme_config, "early"))
        monkeypatch.setattr(inbox, "_claim", claim_then_a_request_commits)
        inbox.drain_inbox()
        assert WebhookEvent.objects.get(pk=late[0]).state == "pending"
        assert published == [DRAIN, DRAIN]  # the late request woke a second drain
        monkeypatch.setattr(inbox, "_claim", claim)
        inbox.drain_inbox()
        assert WebhookEvent.objects.get(pk=late[0]).state == "processed"


def test_without_redis_the_webhook_still_wakes_a_drain(tenant_a, acme_config, published, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    monkeypatch.setattr(handoff, "_paused_until", 0.0)
    with tenant_context(tenant_a):
        handoff.callbacks_stored(schema_name=connection.schema_name, event_ids=store(acme_config, "m1"))
    assert published == [DRAIN]


def test_receipts_of_a_batch_are_applied_together_and_told_live_in_one_go(acme_schema, acme_config, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    messages = [Message.objects.create(direction="out", status="sent", sms_configuration=acme_config,
                                       from_number="+19195550100", to_numbers=["+19195550199"],
                                       provider_message_id=f"out-{i}") for i in range(3)]
    events = [callback("message-delivered", message__id=f"out-{i}", message__tag="")[0] for i in range(3)]
    events += callback("message-sending", message__id="out-0", message__tag="")  # late: never back
    webhook.record_callbacks(configuration_id=acme_config.pk, events=events)
    applied, told = [], []
    apply = receipts.apply_receipts
    monkeypatch.setattr(receipts, "apply_receipts", lambda events: applied.append(len(events)) or apply(events))
    monkeypatch.setattr("messaging.live.publication.publish_messages", lambda schema, ids: told.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        inbox.drain_inbox()
    assert applied == [4]
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in messages])} == {"delivered"}
    assert told == [[m.pk for m in messages]]
    late = WebhookEvent.objects.get(event_type="message-sending")
    assert late.state == "processed" and "already delivered" in late.note
