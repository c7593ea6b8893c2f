"""An alphanumeric Sender ID on an SMS configuration: sent as Bandwidth's `from` abroad, refused before
Bandwidth is called for recipients in the US and Canada."""

import pytest

from messaging.exceptions import SendRefused
from messaging.models import Message, OutboundRule, SmsConfiguration
from messaging.services.outbound.compose import queue_message
from messaging.services.outbound.deliver import deliver_message
from messaging.services.outbound.routing import outbound_route
from tests.messaging.factories import APPLICATION_ID, SEND_URL, accepted, make_message, posted

pytestmark = pytest.mark.django_db

UK = "+447911123456"
TORONTO = "+14165550100"
RALEIGH = "+19195550199"


@pytest.fixture
def branded(acme) -> OutboundRule:
    """A configuration sending as "Acme Co", reached by a rule for every destination (order 1)."""
    configuration = SmsConfiguration.objects.create(
        name="Branded", trunk=acme.trunk, sender_id="Acme Co", account_id="9900123",
        application_id=APPLICATION_ID, username="client-id-123", password="s3cret-Client-Secret-value-42",
    )
    return OutboundRule.objects.create(name="Everywhere", order=1, sms_configuration=configuration)


def test_the_alphanumeric_sender_id_is_the_from_abroad(acme, branded, bandwidth):
    route = outbound_route(extension=acme.ext.sales, to=[UK])
    assert (route.rule, route.from_number) == (branded, "Acme Co")
    bandwidth.post(SEND_URL, status=202, json=accepted())
    message = queue_message(extension=acme.ext.sales, to=[UK], text="Your parcel ships today")
    deliver_message(message_id=message.pk)
    (call,) = bandwidth.calls[1:]  # after the OAuth token
    assert posted(call) == {
        "applicationId": APPLICATION_ID, "to": [UK], "from": "Acme Co", "text": "Your parcel ships today",
        "tag": str(message.uid),
    }
    assert Message.objects.get(pk=message.pk).status == "sent"


@pytest.mark.parametrize(("to", "place"), [([RALEIGH], "the US"), ([UK, TORONTO], "Canada")])
def test_us_and_canadian_recipients_are_refused_before_anything_is_stored(acme, branded, bandwidth, to, place):
    with pytest.raises(SendRefused) as refused:
        queue_message(extension=acme.ext.sales, to=to, text="Hello")
    assert refused.value.code == "alphanumeric_sender_refused" and refused.value.field == "to"
    assert f"does not deliver alphanumeric sender IDs to {place}" in refused.value.message
    assert "“Acme Co”" in refused.value.message and UK not in refused.value.message
    assert not Message.objects.exists()
    assert len(bandwidth.calls) == 0


def test_a_number_sender_still_reaches_us_recipients(acme, bandwidth):
    # The seed's configuration (no sender ID: the trunk's DID) is not touched by the rule.
    assert outbound_route(extension=acme.ext.sales, to=[RALEIGH]).from_number == acme.did.number


def test_a_queued_message_from_an_alphanumeric_sender_to_the_us_fails_without_calling_bandwidth(acme, bandwidth):
    # A row written some other way (an older queue, a hand-made row) is checked again before the POST.
    message = make_message(acme, from_number="Acme Co", to_numbers=[RALEIGH])
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "failed"
    assert "does not deliver alphanumeric sender IDs to the US" in message.error_description
    assert len(bandwidth.calls) == 0
