"""The inbox row, not the Celery queue, is the record of work: the sweeper re-queues what was left."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging import inbound_tasks
from messaging.models import WebhookEvent
from messaging.services import callbacks
from tests.messaging.callbacks import callback

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(inbound_tasks.process_callback, "delay", lambda event_id: calls.append(event_id))
    return calls


def test_sweeper_requeues_an_event_whose_task_was_lost(tenant_a, acme_config, queued):
    with tenant_context(tenant_a):
        callbacks.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        lost = WebhookEvent.objects.get()  # its task never ran: the commit hook never fired in this test
        WebhookEvent.objects.filter(pk=lost.pk).update(received_at=timezone.now() - timezone.timedelta(minutes=5))
        callbacks.record_callbacks(configuration_id=acme_config.pk, events=callback("message-delivered"))
    inbound_tasks.sweep_inbound()
    assert queued == [lost.pk]  # the fresh one is left to its own task


def test_sweeper_leaves_processed_events_and_disabled_configurations_alone(tenant_a, acme_config, queued):
    with tenant_context(tenant_a):
        callbacks.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        old = timezone.now() - timezone.timedelta(minutes=5)
        WebhookEvent.objects.update(received_at=old)
        acme_config.enabled = False
        acme_config.save(update_fields=["enabled"])
    inbound_tasks.sweep_inbound()
    assert queued == []
    with tenant_context(tenant_a):
        acme_config.enabled = True
        acme_config.save(update_fields=["enabled"])
        WebhookEvent.objects.update(processed_at=timezone.now())
    inbound_tasks.sweep_inbound()
    assert queued == []


def test_enabling_a_configuration_queues_its_waiting_callbacks(tenant_a, acme_config, acme_trunk, queued,
                                                               django_capture_on_commit_callbacks, monkeypatch):
    from messaging.services import sms_configurations as service
    from tests.messaging.conftest import configuration_data

    monkeypatch.setattr(inbound_tasks.process_waiting_callbacks, "delay",
                        lambda configuration_id: inbound_tasks.process_waiting_callbacks(configuration_id))
    with tenant_context(tenant_a):
        service.update_configuration(user=None, configuration=acme_config,
                                     data=configuration_data(acme_trunk, password="", enabled=False))
        callbacks.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        waiting = WebhookEvent.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            service.update_configuration(user=None, configuration=acme_config,
                                         data=configuration_data(acme_trunk, password="", enabled=True))
    assert queued == [waiting.pk]
