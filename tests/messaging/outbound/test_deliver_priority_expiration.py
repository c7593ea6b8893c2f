"""deliver_message sends the configuration's priority and expiration, and only when they are set."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from messaging.models import Message, SmsConfiguration
from messaging.services.outbound.deliver import deliver_message
from tests.messaging.factories import APPLICATION_ID, DID, RECIPIENT, SEND_URL, accepted, make_message, posted

pytestmark = pytest.mark.django_db


def set_options(acme, **options) -> None:
    SmsConfiguration.objects.filter(pk=acme.configuration.pk).update(**options)


def sent_body(bandwidth) -> dict:
    (call,) = [call for call in bandwidth.calls if call.request.url == SEND_URL]
    return posted(call)


def test_priority_and_expiration_are_sent_as_set(acme, bandwidth):
    set_options(acme, priority="high", expiration_minutes=90)
    bandwidth.post(SEND_URL, status=202, json=accepted())
    message = make_message(acme)
    queued_at = Message.objects.get(pk=message.pk).created_at
    deliver_message(message_id=message.pk)
    expected_expiration = (queued_at + timedelta(minutes=90)).astimezone(UTC)
    assert sent_body(bandwidth) == {
        "applicationId": APPLICATION_ID, "to": [RECIPIENT], "from": DID, "text": "Hello", "tag": str(message.uid),
        "priority": "high",
        "expiration": expected_expiration.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def test_default_priority_alone_is_sent_without_expiration(acme, bandwidth):
    set_options(acme, priority="default")
    bandwidth.post(SEND_URL, status=202, json=accepted())
    message = make_message(acme)
    deliver_message(message_id=message.pk)
    body = sent_body(bandwidth)
    assert body["priority"] == "default" and "expiration" not in body


def test_unset_options_leave_the_request_as_before(acme, bandwidth):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    message = make_message(acme)
    deliver_message(message_id=message.pk)
    assert sent_body(bandwidth) == {
        "applicationId": APPLICATION_ID, "to": [RECIPIENT], "from": DID, "text": "Hello", "tag": str(message.uid),
    }


def test_a_message_past_its_expiration_fails_without_calling_bandwidth(acme, bandwidth):
    # Queued 2 hours ago (retries, a paused sender) with a 60-minute expiration: Bandwidth would refuse a
    # past time, and the admin asked for it not to go out anyway.
    set_options(acme, expiration_minutes=60)
    message = make_message(acme)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=2))
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "failed"
    assert "expires messages 60 minutes after they are queued" in message.error_description
    assert "nothing was sent" in message.error_description
    assert len(bandwidth.calls) == 0
