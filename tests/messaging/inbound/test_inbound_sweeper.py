"""The inbox row, not the Celery queue, is the record of work: the sweeper re-queues what was left."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging import tasks
from messaging.models import WebhookEvent
from messaging.services.configuration import sms_configurations as service
from messaging.services.inbound import webhook
from tests.messaging.factories import callback, configuration_data

pytestmark = pytest.mark.django_db



def test_sweeper_wakes_a_drain_for_an_event_whose_task_was_lost(tenant_a, acme_config, published,
                                                                 django_capture_on_commit_callbacks):
    with tenant_context(tenant_a):
        webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-delivered"))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_inbound()
    assert published == []  # a fresh event is left to the drain its webhook request woke
    with tenant_context(tenant_a):
        webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        lost = WebhookEvent.objects.get(event_type="message-received")  # its commit hook never fired here
        WebhookEvent.objects.filter(pk=lost.pk).update(received_at=timezone.now() - timezone.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_inbound()
    assert published == [("messaging.drain_inbox", (), {})]
    with tenant_context(tenant_a):
        tasks.drain_inbox()
        assert WebhookEvent.objects.get(pk=lost.pk).state == "processed"


def test_sweeper_leaves_processed_events_and_disabled_configurations_alone(tenant_a, acme_config, queued,
                                                                           django_capture_on_commit_callbacks):
    with tenant_context(tenant_a):
        webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        old = timezone.now() - timezone.timedelta(minutes=5)
        WebhookEvent.objects.update(received_at=old)
        acme_config.enabled = False
        acme_config.save(update_fields=["enabled"])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_inbound()
    assert queued == []
    with tenant_context(tenant_a):
        acme_config.enabled = True
        acme_config.save(update_fields=["enabled"])
        WebhookEvent.objects.update(processed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_inbound()
    assert queued == []


def test_enabling_a_configuration_queues_its_waiting_callbacks(tenant_a, acme_config, acme_trunk, published, queued,
                                                               django_capture_on_commit_callbacks):
    with tenant_context(tenant_a):
        service.update_configuration(user=None, configuration=acme_config,
                                     **configuration_data(acme_trunk, password="", enabled=False))
        webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        waiting = WebhookEvent.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            service.update_configuration(user=None, configuration=acme_config,
                                         **configuration_data(acme_trunk, password="", enabled=True))
        assert published[0][:2] == ("messaging.process_waiting_callbacks", (acme_config.pk,))
        with django_capture_on_commit_callbacks(execute=True):
            tasks.process_waiting_callbacks(acme_config.pk)
    assert queued == [waiting.pk]
