"""GET /metrics after known messages: queued, sent, delivered, failed (by error category) and received per
tenant, Bandwidth's answers, the webhook's requests and latency, sweeper re-queues, rate-limit waits and the
callback gauges. The figures counted by tasks (in Redis) and by the web process (in its registry) both show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

from messaging.bandwidth import describe_error
from messaging.models import WebhookEvent
from messaging.services.inbound import inbox, webhook
from messaging.services.inbound import sweep as inbound_sweep
from messaging.services.outbound import sweep as outbound_sweep
from messaging.services.outbound.compose import queue_message
from messaging.services.outbound.deliver import deliver_message
from portal import metrics
from tenants.tasks import refresh_tenant_counts
from tests.messaging.factories import RECIPIENT, SEND_URL, accepted, callback, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stored_metrics():
    metrics.reset()
    yield
    metrics.reset()


def scrape(client) -> dict[tuple[str, frozenset], float]:
    schema = connection.tenant
    answer = client.get("/metrics")
    connection.set_tenant(schema)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.content.decode()) for sample in family.samples}


def messages(status: str, *, direction: str = "out", category: str = "") -> tuple[str, frozenset]:
    return ("portal_messages_total", frozenset({"tenant": "acme", "direction": direction, "status": status,
                                                "category": category}.items()))


def test_messages_sent_and_received_are_counted_by_tenant_status_and_category(
    acme, bandwidth, published, client, django_capture_on_commit_callbacks
):
    bandwidth.post(SEND_URL, status=202, json=accepted("bw-1"))
    bandwidth.post(SEND_URL, status=400, json={"type": "request-validation", "description": "bad number"})
    with django_capture_on_commit_callbacks(execute=True):
        delivered = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello")
        deliver_message(message_id=delivered.pk)
        deliver_message(message_id=make_message(acme).pk)  # refused by Bandwidth: failed, no error code
        refused_later = make_message(acme, status="sent", provider_message_id="bw-3")
        events = [
            *callback("message-delivered", message__id="bw-1", message__tag=str(delivered.uid)),
            *callback("message-failed-4773", message__id="bw-3", message__tag=str(refused_later.uid)),
            *callback("message-received", message__id="in-1", message__media=[]),
        ]
        webhook.record_callbacks(configuration_id=acme.configuration.pk, events=events)
        inbox.drain_inbox()

    figures = scrape(client)
    assert figures[messages("queued")] == 1
    assert figures[messages("sent")] == 1
    assert figures[messages("delivered")] == 1
    assert figures[messages("failed", category="rejected")] == 1
    assert figures[messages("failed", category=describe_error(4773).category)] == 1  # 10dlc
    assert figures[messages("received", direction="in")] == 1
    answers = {dict(labels)["status"]: value for (name, labels), value in figures.items()
               if name == "portal_bandwidth_responses_total"}
    assert answers == {"202": 1, "400": 1}


def test_nothing_is_counted_for_a_transaction_that_rolled_back(acme, published, client):
    queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello")  # the test's transaction never commits
    assert messages("queued") not in scrape(client)


def test_webhook_requests_are_counted_by_answer_and_timed(client, webhook_path):
    def webhook_figures():
        figures = scrape(client)
        return (figures.get(("portal_webhook_requests_total", frozenset({("status", "400")})), 0),
                figures.get(("portal_webhook_request_seconds_count", frozenset()), 0))

    before = webhook_figures()
    for _ in range(3):
        assert client.post(webhook_path, "not json", content_type="application/json").status_code == 400
    requests, timed = webhook_figures()
    assert (requests - before[0], timed - before[1]) == (3, 3)


def test_sweeper_requeues_and_callback_gauges(acme, published, client, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(minutes=10)
    make_message(acme, next_attempt_at=long_ago, updated_at=long_ago)
    stored = webhook.record_callbacks(configuration_id=acme.configuration.pk,
                                      events=callback("message-received", message__id="in-2", message__media=[]))
    assert stored[0] == 1
    WebhookEvent.objects.update(received_at=long_ago)
    failed = callback("message-received", message__id="in-3", message__media=[])
    webhook.record_callbacks(configuration_id=acme.configuration.pk, events=failed)
    WebhookEvent.objects.filter(carrier_message_id="in-3").update(state="failed", processed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        outbound_sweep.sweep_messages()
        inbound_sweep.sweep_inbound()
        refresh_tenant_counts()
    metrics.flush()  # what a worker does after each task

    figures = scrape(client)
    assert figures[("portal_sweeper_requeued_total", frozenset({("kind", "send")}))] == 1
    assert figures[("portal_sweeper_requeued_total", frozenset({("kind", "callbacks")}))] == 1
    assert figures[("portal_callbacks_pending", frozenset({("tenant", "acme")}))] == 1
    assert figures[("portal_callbacks_failed_now", frozenset({("tenant", "acme")}))] == 1


def test_a_send_waiting_for_its_numbers_slot_is_counted(acme, bandwidth, published, client, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    from messaging.services.outbound import deliver, rate_limit

    monkeypatch.setattr(deliver, "rate_of", lambda own_rate: 0.01)  # one message per 100 s
    bandwidth.post(SEND_URL, status=202, json=accepted("bw-9"))
    first, second = make_message(acme), make_message(acme)
    rate_limit.reset(first.from_number)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_message(message_id=first.pk)
        with pytest.raises(deliver.SendThrottled):
            deliver_message(message_id=second.pk)

    figures = scrape(client)
    assert figures[("portal_rate_limit_waits_total", frozenset({("reason", "deferred")}))] == 1
    assert figures[("portal_rate_limit_wait_seconds_total", frozenset())] > 50


def test_other_tenants_figures_are_labelled_with_their_own_slug(tenant_b, published, client,
                                                              django_capture_on_commit_callbacks):
    from messaging import metrics as message_metrics

    with tenant_context(tenant_b), django_capture_on_commit_callbacks(execute=True):
        message_metrics.message_status("queued")
    figures = scrape(client)
    assert figures[("portal_messages_total", frozenset({"tenant": "globex", "direction": "out", "status": "queued",
                                                        "category": ""}.items()))] == 1
