"""send_message: the exact request, the 202 answer, and how each failure is typed."""

import json
import socket
import threading
from datetime import UTC, datetime, timedelta, timezone
from http.client import RemoteDisconnected

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from messaging.bandwidth import (
    BandwidthClient,
    BandwidthOutcomeUnknown,
    BandwidthPermissionError,
    BandwidthRateLimited,
    BandwidthRequestError,
    BandwidthUnavailable,
    FieldError,
)
from tests.messaging.factories import ACCOUNT, API_URL, OAUTH, SEND_URL, TOKEN_URL

pytestmark = pytest.mark.bandwidth(strict=True)  # every faked answer is used

ACCEPTED = {
    "id": "1589228074636lm4k2je7j7jklbn2", "owner": "+19195550100",
    "applicationId": "93de2206-9669-4e07-948d-329f4b722ee2", "time": "2026-11-24T20:14:34.636Z",
    "segmentCount": 1, "direction": "out", "to": ["+19195550199"], "from": "+19195550100",
    "text": "Hello", "media": [], "tag": "msg-42", "priority": "default",
}


def client(**kwargs):
    return BandwidthClient(OAUTH, messaging_api_url=API_URL, oauth_token_url=TOKEN_URL, **kwargs)


def send(c=None, **overrides):
    fields = {"application_id": "93de2206-9669-4e07-948d-329f4b722ee2", "to": ["+19195550199"],
              "from_": "+19195550100", "text": "Hello", "tag": "msg-42", **overrides}
    return (c or client()).send_message(**fields)


def connection_refused():
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, SEND_URL, reason))


def test_send_posts_the_exact_request(bandwidth):
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send()
    request = api.calls[0].request
    assert request.url == SEND_URL
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "applicationId": "93de2206-9669-4e07-948d-329f4b722ee2",
        "to": ["+19195550199"],
        "from": "+19195550100",
        "text": "Hello",
        "tag": "msg-42",
    }


def test_timeouts_come_from_settings(bandwidth, settings):
    settings.BANDWIDTH_CONNECT_TIMEOUT, settings.BANDWIDTH_READ_TIMEOUT = 2.5, 9.0
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send()
    assert api.calls[0].request.req_kwargs["timeout"] == (2.5, 9.0)


def test_api_url_comes_from_settings_by_default(bandwidth, settings):
    settings.BANDWIDTH_MESSAGING_API_URL = "http://127.0.0.1:9077/api/v2"
    api = bandwidth.post(f"http://127.0.0.1:9077/api/v2/users/{ACCOUNT}/messages", status=202, json=ACCEPTED)
    send(BandwidthClient(OAUTH, oauth_token_url=TOKEN_URL))
    assert api.call_count == 1


def test_group_mms_with_priority_and_expiration(bandwidth):
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    expires = datetime(2026, 11, 24, 21, 0, tzinfo=timezone(timedelta(hours=1)))
    send(to=["+19195550199", "+19195550198"], text="", media=["https://example.com/a.jpg"], tag="",
         priority="high", expiration=expires)
    body = json.loads(api.calls[0].request.body)
    assert body["to"] == ["+19195550199", "+19195550198"]
    assert body["media"] == ["https://example.com/a.jpg"]
    assert body["priority"] == "high"
    assert body["expiration"] == "2026-11-24T20:00:00.000Z"
    assert "text" not in body and "tag" not in body


def test_202_is_parsed_into_a_sent_message(bandwidth):
    bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    sent = send()
    assert sent.id == "1589228074636lm4k2je7j7jklbn2"
    assert sent.segment_count == 1
    assert sent.time == datetime(2026, 11, 24, 20, 14, 34, 636000, tzinfo=UTC)
    assert sent.raw["tag"] == "msg-42"


def test_202_without_an_id_is_an_unknown_outcome(bandwidth):
    bandwidth.post(SEND_URL, status=202, body="")
    with pytest.raises(BandwidthOutcomeUnknown):
        send()


@pytest.mark.parametrize("overrides", [{"to": "+19195550199"}, {"to": []}, {"text": "", "media": ()},
                                       {"priority": "urgent"}, {"expiration": datetime(2026, 11, 24)}])
def test_malformed_call_is_refused_before_any_request(overrides):
    with responses.RequestsMock(), pytest.raises(ValueError):
        send(**overrides)


def test_400_keeps_description_and_field_errors(bandwidth):
    bandwidth.post(SEND_URL, status=400, json={
        "type": "request-validation", "description": "Your request could not be accepted.",
        "fieldErrors": [{"fieldName": "from", "description": "'+1555' must be a valid E164 number"}],
    })
    with pytest.raises(BandwidthRequestError) as caught:
        send()
    error = caught.value
    assert (error.status, error.error_type) == (400, "request-validation")
    assert error.description == "Your request could not be accepted."
    assert error.field_errors == (FieldError("from", "'+1555' must be a valid E164 number"),)
    assert not error.transient
    assert "could not be accepted" in error.user_message


def test_403_is_a_permission_error(bandwidth):
    bandwidth.post(SEND_URL, status=403, json={"type": "forbidden", "description": "not allowed"})
    with pytest.raises(BandwidthPermissionError) as caught:
        send()
    assert not caught.value.transient


@pytest.mark.parametrize(("header", "seconds"), [("7", 7.0), (None, None)])
def test_429_is_rate_limited_with_retry_after(bandwidth, header, seconds):
    bandwidth.post(SEND_URL, status=429, json={"type": "too-many-requests"},
                   headers={"Retry-After": header} if header else {})
    with pytest.raises(BandwidthRateLimited) as caught:
        send()
    assert caught.value.retry_after == seconds
    assert caught.value.transient


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_unavailable_and_transient(bandwidth, status):
    bandwidth.post(SEND_URL, status=status, body="<html>oops</html>")
    with pytest.raises(BandwidthUnavailable) as caught:
        send()
    assert caught.value.status == status
    assert caught.value.transient


@pytest.mark.parametrize("failure", [connection_refused(), requests.exceptions.ConnectTimeout("connect")])
def test_failure_to_connect_is_transient(bandwidth, failure):
    bandwidth.post(SEND_URL, body=failure)
    with pytest.raises(BandwidthUnavailable) as caught:
        send()
    assert caught.value.status is None
    assert caught.value.transient


@pytest.mark.parametrize("failure", [
    requests.exceptions.ReadTimeout("read timed out"),
    requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", RemoteDisconnected("closed"))),
    requests.exceptions.ChunkedEncodingError("broken body"),
])
def test_no_answer_after_sending_is_an_unknown_outcome(bandwidth, failure):
    bandwidth.post(SEND_URL, body=failure)
    with pytest.raises(BandwidthOutcomeUnknown) as caught:
        send()
    assert not caught.value.transient


def test_redirect_is_not_followed(bandwidth):
    api = bandwidth.post(SEND_URL, status=307, headers={"Location": "https://elsewhere.example/messages"})
    with pytest.raises(BandwidthRequestError) as caught:
        send()
    assert api.call_count == 1
    assert "elsewhere.example" in caught.value.description


def _one_shot_server(behaviour):
    server = socket.create_server(("127.0.0.1", 0))

    def run():
        conn, _ = server.accept()
        conn.recv(65536)
        behaviour(conn)
        server.close()

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/api/v2"


def _plain_session():
    session = requests.Session()
    session.trust_env = False  # no proxy between us and the local socket
    return session


def test_real_socket_closed_after_the_request_is_an_unknown_outcome(bandwidth):
    base = _one_shot_server(lambda conn: conn.close())
    bandwidth.add_passthru(base)
    with pytest.raises(BandwidthOutcomeUnknown):
        send(BandwidthClient(OAUTH, messaging_api_url=base, oauth_token_url=TOKEN_URL, session=_plain_session()))


def test_real_refused_connection_is_unavailable(bandwidth):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/api/v2"
    bandwidth.add_passthru(base)
    with pytest.raises(BandwidthUnavailable) as caught:
        send(BandwidthClient(OAUTH, messaging_api_url=base, oauth_token_url=TOKEN_URL, session=_plain_session()))
    assert caught.value.transient
