"""Per-recipient delivery statuses: Bandwidth sends one receipt per recipient of a group message; each
recipient moves forward only, and the message's status is derived from its recipients."""

import importlib
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from messaging import live
from messaging.exceptions import TransientSendError
from messaging.migrations import __file__ as migrations_init
from messaging.models import Message, MessageRecipient
from messaging.services.outbound import status as outbound_status
from messaging.services.outbound.compose import queue_message
from messaging.services.outbound.deliver import deliver_message
from messaging.services.outbound.reconcile import reconcile_message
from tests.messaging.factories import DID, RECIPIENT, SEARCH_URL, SEND_URL, accepted, callback, make_message
from tests.messaging.factories import receive_callbacks as receive

pytestmark = pytest.mark.django_db

ANN, BEN = RECIPIENT, "+19195550198"
CARRIER_ID = "1589228074636lm4k2je7j7jklbn2"
MESSAGES = "/t/acme/api/v1/messages/"


def sent_group(acme, bandwidth, to=(ANN, BEN)) -> Message:
    """A message to `to`, queued by Compose's service and taken by (faked) Bandwidth."""
    bandwidth.post(SEND_URL, status=202, json=accepted(CARRIER_ID, to=list(to)))
    message = queue_message(extension=acme.ext.sales, to=list(to), text="Team lunch at noon")
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent"
    return message


_clock = count(10)


def receipt(message: Message, kind: str, to: str | None, **changes) -> list[dict]:
    """A receipt as Bandwidth sends it for one recipient (`to`); each at its own time, so a repeat is a new
    event the webhook stores and processing must handle."""
    name = {"delivered": "message-delivered", "failed": "message-failed-4773", "sending": "message-sending"}[kind]
    events = callback(name, message__tag=str(message.uid), message__to=list(message.to_numbers),
                      time=_next_time(), **changes)
    if to is None:
        del events[0]["to"]
    else:
        events[0]["to"] = to
    return events


def _next_time() -> str:
    seconds = next(_clock)
    return f"2026-11-24T10:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000Z"


def statuses(message: Message) -> dict[str, str]:
    return dict(MessageRecipient.objects.filter(message=message).values_list("number", "status"))


def test_queue_message_stores_one_queued_recipient_per_number(acme):
    message = queue_message(extension=acme.ext.sales, to=[ANN, BEN], text="Hi")
    assert statuses(message) == {ANN: "queued", BEN: "queued"}


def test_sending_and_sent_carry_every_recipient(acme, bandwidth):
    message = sent_group(acme, bandwidth)
    assert statuses(message) == {ANN: "sent", BEN: "sent"}


def test_group_receipts_out_of_order_end_with_who_got_it_and_who_did_not(acme, bandwidth):
    message = sent_group(acme, bandwidth)

    (event,) = receive(acme.configuration, receipt(message, "failed", BEN))
    message.refresh_from_db()
    assert message.status == "sent"  # Ann has not been reached yet
    assert statuses(message) == {ANN: "sent", BEN: "failed"}
    ben = MessageRecipient.objects.get(message=message, number=BEN)
    assert ben.error_code == 4773 and "10DLC" in ben.error_description
    assert event.state == "processed" and BEN in event.note

    receive(acme.configuration, receipt(message, "delivered", ANN))
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    assert message.error_description.startswith(f"Not delivered to {BEN}: ") and "10DLC" in message.error_description

    # Repeats and late, lower receipts move nobody back.
    notes = [e.note for e in receive(acme.configuration, receipt(message, "delivered", ANN)
                                     + receipt(message, "failed", ANN) + receipt(message, "sending", ANN)
                                     + receipt(message, "delivered", BEN) + receipt(message, "sending", BEN))]
    message.refresh_from_db()
    assert message.status == "delivered" and statuses(message) == {ANN: "delivered", BEN: "failed"}
    assert all("unchanged" in note for note in notes), notes


def test_group_message_fails_only_when_every_recipient_failed(acme, bandwidth):
    message = sent_group(acme, bandwidth)
    receive(acme.configuration, receipt(message, "failed", ANN))
    message.refresh_from_db()
    assert message.status == "sent"
    receive(acme.configuration, receipt(message, "failed", BEN))
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", 4773)
    assert f"Not delivered to {ANN}" in message.error_description
    assert f"Not delivered to {BEN}" in message.error_description


def test_a_full_group_of_ten_keeps_each_recipients_own_receipt(acme, bandwidth):
    group = [f"+1919555{n:04d}" for n in range(150, 160)]  # Bandwidth's limit: 10 recipients
    message = sent_group(acme, bandwidth, to=group)
    receive(acme.configuration, [event for number in group[:9] for event in receipt(message, "delivered", number)])
    message.refresh_from_db()
    assert message.status == "sent"  # the tenth has not answered yet
    receive(acme.configuration, receipt(message, "failed", group[9]))
    message.refresh_from_db()
    assert statuses(message) == {**dict.fromkeys(group[:9], "delivered"), group[9]: "failed"}
    assert message.status == "delivered" and f"Not delivered to {group[9]}" in message.error_description


def test_sending_after_delivered_keeps_the_group_message_delivered(acme, bandwidth):
    message = sent_group(acme, bandwidth)
    receive(acme.configuration, receipt(message, "delivered", ANN) + receipt(message, "delivered", BEN))
    receive(acme.configuration, receipt(message, "sending", ANN))
    message.refresh_from_db()
    assert message.status == "delivered" and message.error_description == ""
    assert statuses(message) == {ANN: "delivered", BEN: "delivered"}


@pytest.mark.parametrize("to", [None, "+14155550123"], ids=["no to", "not a recipient"])
def test_a_receipt_naming_no_recipient_applies_to_every_one_still_waiting(acme, bandwidth, to):
    message = sent_group(acme, bandwidth)
    receive(acme.configuration, receipt(message, "failed", BEN))
    receive(acme.configuration, receipt(message, "delivered", to))
    message.refresh_from_db()
    assert statuses(message) == {ANN: "delivered", BEN: "failed"}
    assert message.status == "delivered" and BEN in message.error_description


def test_single_recipient_message_keeps_todays_behaviour(acme, bandwidth):
    message = sent_group(acme, bandwidth, to=[ANN])
    (event,) = receive(acme.configuration, receipt(message, "failed", ANN))
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", 4773)
    assert "10DLC" in message.error_description and "Not delivered to" not in message.error_description
    assert event.note == f"Message {message.pk}: failed."
    (late,) = receive(acme.configuration, receipt(message, "delivered", None))
    assert late.note == f"Message {message.pk} is already failed: unchanged."
    assert Message.objects.get(pk=message.pk).status == "failed"


def test_a_message_stored_without_recipient_rows_gets_them_from_its_first_receipt(acme):
    message = make_message(acme, status="sent", provider_message_id=CARRIER_ID)
    receive(acme.configuration, receipt(message, "delivered", RECIPIENT))
    message.refresh_from_db()
    assert message.status == "delivered" and statuses(message) == {RECIPIENT: "delivered"}


def test_bandwidth_refusing_the_send_fails_every_recipient_with_its_reason(acme, bandwidth):
    bandwidth.post(SEND_URL, status=400, json={"type": "request-validation", "description": "Bad to number"})
    message = queue_message(extension=acme.ext.sales, to=[ANN, BEN], text="Hi")
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "failed"
    rows = list(MessageRecipient.objects.filter(message=message))
    assert [r.status for r in rows] == ["failed", "failed"]
    assert all(r.error_description == message.error_description and "Bad to number" in r.error_description
               for r in rows)


def test_a_retry_takes_the_recipients_back_to_queued_with_the_message(acme, bandwidth):
    bandwidth.post(SEND_URL, status=503, json={"type": "unavailable", "description": "Try later"})
    message = queue_message(extension=acme.ext.sales, to=[ANN, BEN], text="Hi")
    with pytest.raises(TransientSendError):
        deliver_message(message_id=message.pk)
    assert Message.objects.get(pk=message.pk).status == "queued"
    assert statuses(message) == {ANN: "queued", BEN: "queued"}


def test_reconciling_a_group_message_settles_only_the_recipient_bandwidth_reported(acme, bandwidth):
    message = queue_message(extension=acme.ext.sales, to=[ANN, BEN], text="Hi")
    Message.objects.filter(pk=message.pk).update(status="unknown", attempts=1,
                                                 claimed_at=timezone.now() - timedelta(minutes=3))
    MessageRecipient.objects.filter(message=message).update(status="sending")
    when = (timezone.now() - timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    bandwidth.get(SEARCH_URL, json={"totalCount": 1, "pageInfo": {}, "messages": [{
        "messageId": "bw-found", "sourceTn": DID, "destinationTn": ANN, "messageStatus": "DELIVERED",
        "messageDirection": "OUTBOUND", "messageType": "mms", "segmentCount": 1, "receiveTime": when}]})
    reconcile_message(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("sent", "bw-found")
    assert statuses(message) == {ANN: "delivered", BEN: "sent"}


def test_a_recipient_change_alone_is_announced_live(acme, bandwidth, monkeypatch):
    message = sent_group(acme, bandwidth)
    changed = []
    monkeypatch.setattr(live, "message_changed", changed.append)
    receive(acme.configuration, receipt(message, "delivered", ANN))
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert changed == [message.pk]


def test_derived_status_names_everyone_not_reached():
    rows = [MessageRecipient(number=ANN, status="delivered"),
            MessageRecipient(number=BEN, status="failed", error_description="The number is a landline."),
            MessageRecipient(number="+14155550123", status="failed", error_description="")]
    status, fields = outbound_status.derived_status(rows)
    assert status == "delivered"
    assert fields["error_description"] == (f"Not delivered to {BEN}: The number is a landline. "
                                           "Not delivered to +14155550123: no reason given.")


# --- the data migration


def migration_step():
    """make_recipients of the migration named *_message_recipients (its number may change at merge)."""
    (path,) = Path(migrations_init).parent.glob("*_message_recipients.py")
    return importlib.import_module(f"messaging.migrations.{path.stem}").make_recipients


def test_migration_gives_existing_outbound_messages_their_recipients(acme):
    group = make_message(acme, status="delivered", to_numbers=[ANN, BEN])
    unknown = make_message(acme, status="unknown", error_description="Checking with Bandwidth")
    failed = make_message(acme, status="failed", error_code=4775, error_description="Opted out.")
    queued = make_message(acme, status="queued", error_description="Attempt 1 did not go through")
    inbound = make_message(acme, direction="in", status="received", extension=None)
    MessageRecipient.objects.all().delete()

    make_recipients = migration_step()
    make_recipients(apps, None)
    make_recipients(apps, None)  # a second run adds nothing

    rows = {(r.message_id, r.number): r for r in MessageRecipient.objects.all()}
    assert {key: r.status for key, r in rows.items()} == {
        (group.pk, ANN): "delivered", (group.pk, BEN): "delivered", (unknown.pk, RECIPIENT): "sending",
        (failed.pk, RECIPIENT): "failed", (queued.pk, RECIPIENT): "queued",
    }
    assert (rows[failed.pk, RECIPIENT].error_code, rows[failed.pk, RECIPIENT].error_description) == (4775, "Opted out.")
    assert rows[queued.pk, RECIPIENT].error_description == ""  # a retry note is the message's, not a recipient's
    assert not MessageRecipient.objects.filter(message=inbound).exists()


# --- shown on the message's page and in the API


def test_message_page_shows_who_received_it_and_who_did_not(acme, bandwidth, client_a):
    message = sent_group(acme, bandwidth)
    receive(acme.configuration, receipt(message, "failed", BEN) + receipt(message, "delivered", ANN))
    page = client_a.get(f"/t/acme/messages/{message.pk}/").content.decode()
    recipients = page[page.index('data-testid="recipients"'):]
    ann = recipients[recipients.index(f'data-number="{ANN}"'):]
    assert 'data-status="delivered"' in ann[:80] and "Delivered" in ann[:400]
    ben = recipients[recipients.index(f'data-number="{BEN}"'):]
    ben = ben[:ben.index("</tr>")]
    assert 'data-status="failed"' in ben and "Failed" in ben and "10DLC" in ben


def test_api_message_body_lists_recipients_with_status_and_reason(acme, bandwidth, api_a):
    message = sent_group(acme, bandwidth)
    receive(acme.configuration, receipt(message, "failed", BEN))
    body = api_a.get(f"{MESSAGES}{message.pk}/").json()
    assert body["status"] == "sent"
    ann, ben = body["recipients"]
    assert ann == {"number": ANN, "status": "sent", "reason": ""}
    assert (ben["number"], ben["status"]) == (BEN, "failed") and "10DLC" in ben["reason"]


def test_openapi_documents_the_recipients(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    message = schema["components"]["schemas"]["Message"]["properties"]["recipients"]
    assert "each recipient of a group message" in message["description"]
    recipient = schema["components"]["schemas"]["Recipient"]["properties"]
    assert set(recipient) == {"number", "status", "reason"}
