"""A broker that refuses connections turns no screen or endpoint into a 500: the row is kept, the sweeper
sends it.

The Celery app is pointed at a closed port, so every request below goes through the real publish path
(kombu raises, messaging.dispatch logs it and carries on); nothing of ours is patched. Publishing happens
on commit and tests run inside a transaction, so the commit hooks are captured and run.

Every request that reaches messaging.dispatch is here: composing (screen and API), a Bandwidth callback,
and enabling a disabled SMS configuration (screen and API), whose waiting callbacks are then queued.
"""

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging import tasks
from messaging.models import Message, SmsConfiguration, WebhookEvent
from portal.celery import app
from tests.messaging.factories import (
    RECIPIENT,
    SEND_URL,
    accepted,
    callback,
    configuration_data,
    set_celery_conf,
)

pytestmark = pytest.mark.django_db

# Connection refused at once; no retries, so a request waits well under a second for the broker.
# Celery fills broker_write_url from broker_url when the app is configured, and publishes to it.
REFUSING = {"broker_url": "redis://127.0.0.1:1/0", "broker_write_url": "redis://127.0.0.1:1/0",
            "broker_connection_timeout": 1, "task_publish_retry": False}
NOT_PUBLISHED = "could not publish"


class Broker:
    def __init__(self):
        self.saved = {}

    def refuse(self) -> None:
        self.saved = self._use(REFUSING)

    def restore(self) -> None:
        self._use(self.saved)

    @staticmethod
    def _use(conf: dict) -> dict:
        before = set_celery_conf(**conf)
        # The app holds on to kombu's connection and producer pools for the old URL: let go of both, as
        # Celery itself does after a fork, so the next publish looks up the pools of the URL now set.
        # (Not closed: kombu keeps them in a registry by URL and hands them out again on restore.)
        app._pool = None
        app.amqp._producer_pool = None
        return before


@pytest.fixture
def broker(caplog):
    """The broker refuses connections until `broker.restore()` (and again after the test)."""
    caplog.set_level(logging.WARNING, logger="messaging.dispatch")
    broker = Broker()
    broker.refuse()
    yield broker
    broker.restore()


def publish_failures(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if NOT_PUBLISHED in record.getMessage()]


def a_minute_later(model) -> None:
    """Age the rows as if the sweeper ran a minute later (past its grace period)."""
    earlier = timezone.now() - timedelta(minutes=1)
    if model is Message:
        Message.objects.update(next_attempt_at=earlier)
    else:
        WebhookEvent.objects.update(received_at=earlier)


# --- outbound -----------------------------------------------------------------------------------------

def compose_on_screen(client_a, acme):
    return client_a.post("/t/acme/messages/compose/",
                         {"from_extension": acme.ext.sales.pk, "to": RECIPIENT, "text": "Hello"}), 302


def compose_through_api(api_a, acme):
    return api_a.post("/t/acme/api/v1/messages/", {"from_extension": "101", "to": [RECIPIENT], "text": "Hello"},
                      format="json"), 202


@pytest.mark.parametrize(("compose", "user_client"), [(compose_on_screen, "client_a"),
                                                     (compose_through_api, "api_a")])
def test_composing_keeps_the_message_queued_and_the_sweeper_sends_it(
    compose, user_client, request, acme, broker, bandwidth, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer, expected = compose(request.getfixturevalue(user_client), acme)
    assert answer.status_code == expected
    assert publish_failures(caplog) == [f"{NOT_PUBLISHED} messaging.deliver_message({_only_message().pk},); "
                                        "the sweeper will pick it up"]
    assert _only_message().status == Message.Status.QUEUED

    broker.restore()
    request.getfixturevalue("eager")
    bandwidth.post(SEND_URL, status=202, json=accepted())
    with tenant_context(acme.tenant):
        a_minute_later(Message)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_outbound()["queued"] == 1
    assert _only_message().status == Message.Status.SENT


def _only_message() -> Message:
    from tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug="acme")):
        return Message.objects.get()


# --- inbound ------------------------------------------------------------------------------------------

def test_a_callback_is_stored_and_acknowledged_and_the_sweeper_queues_it(
    client, webhook_path, tenant_a, broker, caplog, request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(webhook_path, json.dumps(callback("message-received")), content_type="application/json")
    assert answer.status_code == 200
    with tenant_context(tenant_a):
        event = WebhookEvent.objects.get()
    # The webhook wakes a drain of the tenant's inbox (one message, no ids: the rows are the work).
    assert publish_failures(caplog) == [f"{NOT_PUBLISHED} messaging.drain_inbox(); the sweeper will pick it up"]
    assert event.processed_at is None

    assert _sweep_inbound_after_restoring(broker, tenant_a, request, django_capture_on_commit_callbacks) == [event.pk]


def enable_on_screen(client_a, api_a, configuration):
    form = configuration_data(configuration.trunk, password="", enabled="on") | {"trunk": configuration.trunk.pk}
    return client_a.post(f"/t/acme/sms/{configuration.pk}/edit/", form), 302


def enable_through_api(client_a, api_a, configuration):
    return api_a.patch(f"/t/acme/api/v1/sms-configurations/{configuration.pk}/", {"enabled": True},
                       format="json"), 200


@pytest.mark.parametrize("enable", [enable_on_screen, enable_through_api])
def test_enabling_a_configuration_saves_it_and_the_sweeper_queues_its_waiting_callbacks(
    enable, client_a, api_a, webhook_path, tenant_a, acme_config, broker, caplog, request,
    django_capture_on_commit_callbacks,
):
    with tenant_context(tenant_a):
        SmsConfiguration.objects.filter(pk=acme_config.pk).update(enabled=False)
    assert client_a.post(webhook_path, json.dumps(callback("message-received")),
                         content_type="application/json").status_code == 200
    with tenant_context(tenant_a):
        waiting = WebhookEvent.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        answer, expected = enable(client_a, api_a, acme_config)
    assert answer.status_code == expected
    with tenant_context(tenant_a):
        assert SmsConfiguration.objects.get(pk=acme_config.pk).enabled
    assert publish_failures(caplog) == [f"{NOT_PUBLISHED} messaging.process_waiting_callbacks({acme_config.pk},); "
                                        "the sweeper will pick it up"]

    assert _sweep_inbound_after_restoring(broker, tenant_a, request, django_capture_on_commit_callbacks) == [
        waiting.pk
    ]


def _sweep_inbound_after_restoring(broker, tenant, request, django_capture_on_commit_callbacks) -> list[int]:
    """The callback ids the inbound sweeper hands to messaging.dispatch once the broker is back."""
    broker.restore()
    queued = request.getfixturevalue("queued")
    with tenant_context(tenant):
        a_minute_later(WebhookEvent)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_inbound()
    return queued
