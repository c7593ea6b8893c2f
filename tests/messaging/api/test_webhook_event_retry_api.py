"""webhook-events/: failed events show `state: failed` and the error in `note`; POST .../retry/ makes one
pending again and queues it (item 5 of issue 10)."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging.models import WebhookEvent
from messaging.services.inbound import webhook
from tests.messaging.factories import callback

pytestmark = pytest.mark.django_db
EVENTS = "/t/acme/api/v1/webhook-events/"


@pytest.fixture
def failed_event(tenant_a, acme_config) -> WebhookEvent:
    with tenant_context(tenant_a):
        webhook.record_callbacks(configuration_id=acme_config.pk, events=callback("message-received"))
        WebhookEvent.objects.update(state="failed", processed_at=timezone.now(), attempts=5,
                                    note="Failed after 5 attempts: KeyError: 'x'")
        return WebhookEvent.objects.get()


def test_failed_events_are_listed_with_their_error(api_a, failed_event):
    (event,) = api_a.get(EVENTS, {"state": "failed"}).json()["results"]
    assert (event["state"], event["attempts"]) == ("failed", 5) and "KeyError" in event["note"]
    assert api_a.get(EVENTS, {"state": "processed"}).json()["results"] == []


def test_retry_answers_202_pending_and_queues_it(api_a, failed_event, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_a.post(f"{EVENTS}{failed_event.pk}/retry/")
    assert answer.status_code == 202
    assert (answer.json()["state"], answer.json()["attempts"]) == ("pending", 0)
    assert queued == [failed_event.pk]
    again = api_a.post(f"{EVENTS}{failed_event.pk}/retry/")
    assert again.status_code == 409 and again.json()["code"] == "not_failed"


def test_retry_of_another_tenants_event_is_404(api_b, failed_event):
    assert api_b.post(f"{EVENTS}{failed_event.pk}/retry/").status_code == 404
