"""reconcile_message: a send whose answer was lost is settled by a callback or Bandwidth's search, and only
re-sent when Bandwidth certainly has no record of it."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import transaction
from django.utils import timezone

from messaging.exceptions import ReconcileLater
from messaging.models import Message
from messaging.services.outbound import status as outbound_status
from messaging.services.outbound.deliver import deliver_message
from messaging.services.outbound.reconcile import reconcile_message
from tests.messaging.factories import DID, RECIPIENT, SEARCH_URL, SEND_URL, accepted, handed_to_tasks, make_message

pytestmark = pytest.mark.django_db


def unknown_message(acme, minutes_ago: float = 3, **fields) -> Message:
    return make_message(acme, status="unknown", attempts=1,
                        claimed_at=timezone.now() - timedelta(minutes=minutes_ago), **fields)


def record(message_id="bw-found-1", status="SENT", minutes_ago=3, **extra) -> dict:
    when = (timezone.now() - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
    return {"messageId": message_id, "accountId": "9900123", "sourceTn": DID, "destinationTn": RECIPIENT,
            "messageStatus": status, "messageDirection": "OUTBOUND", "messageType": "sms", "segmentCount": 1,
            "receiveTime": when, **extra}


def search_answer(*records) -> dict:
    return {"totalCount": len(records), "pageInfo": {}, "messages": list(records)}


def calls_to(bandwidth, method) -> list:
    return [c for c in bandwidth.calls if c.request.method == method and c.request.url.startswith(SEARCH_URL)]


def test_search_asks_for_sender_recipient_and_a_window_around_the_attempt(acme, bandwidth):
    bandwidth.get(SEARCH_URL, json=search_answer(record()))
    message = unknown_message(acme)
    reconcile_message(message_id=message.pk)
    (call,) = calls_to(bandwidth, "GET")
    query = parse_qs(urlsplit(call.request.url).query)
    assert query["sourceTn"] == [DID] and query["destinationTn"] == [RECIPIENT]
    window = [datetime.fromisoformat(query[name][0]) for name in ("fromDateTime", "toDateTime")]
    # Only when Bandwidth could have received this attempt: from just before it to the client's timeouts.
    assert message.claimed_at - timedelta(seconds=15) <= window[0] <= message.claimed_at
    assert message.claimed_at < window[1] <= message.claimed_at + timedelta(minutes=2)
    assert call.request.headers["Authorization"] == "Bearer token-1"


def test_found_in_bandwidths_records_becomes_sent_with_its_id_and_is_not_posted(acme, bandwidth):
    bandwidth.get(SEARCH_URL, json=search_answer(record(segmentCount=2)))
    message = unknown_message(acme)
    reconcile_message(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id, message.segments) == ("sent", "bw-found-1", 2)
    assert message.error_description == "" and message.sent_at is not None
    assert calls_to(bandwidth, "POST") == []


def test_found_delivered_or_failed_takes_that_status(acme, bandwidth):
    bandwidth.get(SEARCH_URL, json=search_answer(record(status="FAILED", errorCode=4773)))
    message = unknown_message(acme)
    reconcile_message(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", 4773)
    assert "10DLC" in message.error_description


def test_a_record_another_message_owns_is_not_taken(acme, bandwidth, django_capture_on_commit_callbacks):
    make_message(acme, status="sent", provider_message_id="bw-found-1")
    bandwidth.get(SEARCH_URL, json=search_answer(record()))
    message = unknown_message(acme)
    with django_capture_on_commit_callbacks() as callbacks:
        reconcile_message(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("queued", "")
    assert len(handed_to_tasks(callbacks)) == 1


def test_the_closest_record_in_time_is_chosen(acme, bandwidth):
    bandwidth.get(SEARCH_URL, json=search_answer(record("far", minutes_ago=8), record("near", minutes_ago=3.1)))
    message = unknown_message(acme)
    reconcile_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.provider_message_id == "near"


def test_not_there_yet_shortly_after_the_attempt_asks_again_later(acme, bandwidth):
    bandwidth.get(SEARCH_URL, json=search_answer())
    message = unknown_message(acme, minutes_ago=0.5)
    with pytest.raises(ReconcileLater) as later:
        reconcile_message(message_id=message.pk)
    assert 90 - 5 <= later.value.retry_after <= 90 + 10
    message.refresh_from_db()
    assert message.status == "unknown" and message.next_attempt_at > timezone.now()


def test_certainly_not_there_goes_back_to_queued_and_is_sent_again(
    acme, bandwidth, eager, django_capture_on_commit_callbacks
):
    bandwidth.get(SEARCH_URL, json=search_answer())
    bandwidth.post(SEND_URL, status=202, json=accepted("bw-second"))
    message = unknown_message(acme)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_message(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id, message.attempts) == ("sent", "bw-second", 2)
    assert len(calls_to(bandwidth, "POST")) == 1


def test_search_failure_asks_again_later_then_gives_up_after_a_day(acme, bandwidth):
    bandwidth.get(SEARCH_URL, status=503, json={"type": "unavailable"})
    message = unknown_message(acme)
    with pytest.raises(ReconcileLater, match="Bandwidth could not be asked yet"):
        reconcile_message(message_id=message.pk)
    assert Message.objects.get(pk=message.pk).status == "unknown"

    old = unknown_message(acme, minutes_ago=25 * 60)
    reconcile_message(message_id=old.pk)
    old.refresh_from_db()
    assert old.status == "failed"
    assert "It was not sent again, to avoid a duplicate" in old.error_description
    assert calls_to(bandwidth, "POST") == []


def test_a_callback_that_already_moved_it_on_stops_the_reconciler(acme, bandwidth):
    message = unknown_message(acme)
    event = {"type": "message-delivered", "time": "2026-11-24T10:00:05.000Z", "description": "ok",
             "to": RECIPIENT, "message": {"id": "bw-by-callback", "tag": str(message.uid), "from": DID,
                                          "to": [RECIPIENT], "direction": "out"}}
    with transaction.atomic():
        outbound_status.apply_delivery_event(event=event)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("delivered", "bw-by-callback")
    reconcile_message(message_id=message.pk)
    assert len(bandwidth.calls) == 0


def test_read_timeout_then_reconciled_by_search_posts_once(acme, bandwidth, django_capture_on_commit_callbacks):
    bandwidth.post(SEND_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    bandwidth.get(SEARCH_URL, json=search_answer(record("bw-late", minutes_ago=0)))
    message = make_message(acme)
    deliver_message(message_id=message.pk)
    assert Message.objects.get(pk=message.pk).status == "unknown"
    with django_capture_on_commit_callbacks() as callbacks:
        reconcile_message(message_id=message.pk)
        deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("sent", "bw-late")
    assert len(calls_to(bandwidth, "POST")) == 1
    assert handed_to_tasks(callbacks) == []


def test_a_record_outside_the_attempts_window_is_never_taken_for_it(acme, bandwidth):
    """A later message's record (same sender and recipient) must not settle this one (lost + duplicate)."""
    message = unknown_message(acme)
    later = (message.claimed_at + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    bandwidth.get(SEARCH_URL, json=search_answer(record(receiveTime=later)))
    reconcile_message(message_id=message.pk)
    message.refresh_from_db()
    # Not settled with the other message's id: nothing in its own window, so it goes out again.
    assert (message.status, message.provider_message_id) == ("queued", "")


def test_two_unsettled_attempts_to_the_same_pair_wait_for_their_receipts(acme, bandwidth):
    first, second = unknown_message(acme), unknown_message(acme)
    bandwidth.get(SEARCH_URL, json=search_answer(record()))
    with pytest.raises(ReconcileLater):
        reconcile_message(message_id=first.pk)
    first.refresh_from_db()
    assert first.status == "unknown" and first.provider_message_id == ""
    assert second.pk != first.pk and calls_to(bandwidth, "POST") == []
