"""search_messages: query parameters and the parsed answer (used to reconcile unknown outcomes)."""

from datetime import UTC, datetime

import pytest
import requests
import responses
from responses import matchers

from messaging.bandwidth import BandwidthClient, BandwidthUnavailable
from tests.messaging.factories import ACCOUNT, API_URL, OAUTH, SEARCH_URL, TOKEN_URL

pytestmark = pytest.mark.bandwidth(strict=True)  # every faked answer is used

ANSWER = {
    "totalCount": 1,
    "pageInfo": {"nextPageToken": "next-page"},
    "messages": [{
        "messageId": "1589228074636lm4k2je7j7jklbn2", "accountId": ACCOUNT, "sourceTn": "+19195550100",
        "destinationTn": "+19195550199", "messageStatus": "DELIVERED", "messageDirection": "OUTBOUND",
        "messageType": "sms", "segmentCount": 1, "errorCode": 0, "receiveTime": "2026-11-24T20:14:34.636Z",
        "carrierName": "Verizon",
    }],
}


def client():
    return BandwidthClient(OAUTH, messaging_api_url=API_URL, oauth_token_url=TOKEN_URL)


def test_search_sends_every_given_parameter(bandwidth):
    bandwidth.get(SEARCH_URL, json=ANSWER, match=[matchers.query_param_matcher({
        "messageId": "m-1", "sourceTn": "+19195550100", "destinationTn": "+19195550199",
        "fromDateTime": "2026-11-24T20:00:00.000Z", "toDateTime": "2026-11-24T21:00:00.000Z",
        "limit": "10", "pageToken": "p-2",
    })])
    client().search_messages(
        message_id="m-1", source_tn="+19195550100", destination_tn="+19195550199",
        from_date_time=datetime(2026, 11, 24, 20, tzinfo=UTC), to_date_time="2026-11-24T21:00:00.000Z",
        limit=10, page_token="p-2",
    )


def test_search_leaves_out_missing_parameters(bandwidth):
    search = bandwidth.get(SEARCH_URL, json={"totalCount": 0, "messages": []})
    result = client().search_messages(source_tn="+19195550100")
    assert search.calls[0].request.url == f"{SEARCH_URL}?sourceTn=%2B19195550100"
    assert (result.total_count, result.messages, result.next_page_token) == (0, [], None)


def test_search_answer_is_parsed(bandwidth):
    bandwidth.get(SEARCH_URL, json=ANSWER)
    result = client().search_messages(message_id="1589228074636lm4k2je7j7jklbn2")
    assert result.total_count == 1
    assert result.next_page_token == "next-page"
    record = result.messages[0]
    assert record.message_id == "1589228074636lm4k2je7j7jklbn2"
    assert (record.source_tn, record.destination_tn) == ("+19195550100", "+19195550199")
    assert (record.status, record.direction, record.message_type) == ("DELIVERED", "OUTBOUND", "sms")
    assert (record.segment_count, record.error_code, record.carrier_name) == (1, 0, "Verizon")
    assert record.receive_time == datetime(2026, 11, 24, 20, 14, 34, 636000, tzinfo=UTC)


def test_search_timeout_is_safe_to_repeat(bandwidth):
    bandwidth.get(SEARCH_URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(BandwidthUnavailable) as caught:
        client().search_messages(message_id="m-1")
    assert caught.value.transient


def test_naive_datetimes_are_refused():
    with responses.RequestsMock(), pytest.raises(ValueError):
        client().search_messages(from_date_time=datetime(2026, 11, 24))
