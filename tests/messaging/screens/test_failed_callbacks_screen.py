"""The SMS configuration's page lists its failed callbacks with the error and a Retry button (item 5)."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging.models import WebhookEvent
from messaging.services.inbound import webhook
from tests.messaging.factories import callback

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_event(tenant_a, acme_config) -> WebhookEvent:
    with tenant_context(tenant_a):
        webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        WebhookEvent.objects.update(state="failed", processed_at=timezone.now(), attempts=5,
                                    note="Failed after 5 attempts: KeyError: 'x'")
        return WebhookEvent.objects.get()


def test_the_page_lists_failed_callbacks_and_retry_processes_one(client_a, tenant_a, acme_config, failed_event,
                                                                  queued, django_capture_on_commit_callbacks):
    page = client_a.get(f"/t/acme/sms/{acme_config.pk}/").content.decode()
    assert 'data-testid="failed-callbacks"' in page and "Failed after 5 attempts: KeyError" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_a.post(f"/t/acme/sms/{acme_config.pk}/callbacks/{failed_event.pk}/retry/", follow=True)
    assert "being processed again" in answer.content.decode()
    assert queued == [failed_event.pk]
    with tenant_context(tenant_a):
        assert WebhookEvent.objects.get().state == "pending"
    assert 'data-testid="failed-callbacks"' not in client_a.get(f"/t/acme/sms/{acme_config.pk}/").content.decode()


def test_retry_of_an_event_that_has_not_failed_says_so(client_a, tenant_a, acme_config, failed_event):
    with tenant_context(tenant_a):
        WebhookEvent.objects.update(state="processed")
    answer = client_a.post(f"/t/acme/sms/{acme_config.pk}/callbacks/{failed_event.pk}/retry/", follow=True)
    assert "Only a failed callback can be retried" in answer.content.decode()


def test_another_tenants_admin_gets_404(client_b, acme_config, failed_event):
    assert client_b.post(f"/t/acme/sms/{acme_config.pk}/callbacks/{failed_event.pk}/retry/").status_code == 404
