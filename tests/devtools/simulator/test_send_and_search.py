"""Sending and looking messages up, with plain requests and with the portal's BandwidthClient."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from messaging.bandwidth import BandwidthClient, BandwidthRequestError, Credentials
from tests.devtools.simulator.conftest import (
    ACCOUNT,
    APP_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    OUR_NUMBER,
    THEIR_NUMBER,
    send_body,
)

BANDWIDTH_ID = re.compile(r"^\d{13}[a-z0-9]{16}$")


def test_send_answers_202_with_bandwidths_message(api, app):
    answer = api("POST", "/messages", json=send_body(text="Hello 👋", priority="high"))
    assert answer.status_code == 202
    data = answer.json()
    assert BANDWIDTH_ID.match(data["id"])
    assert data | {"id": "x", "time": "t"} == {
        "id": "x", "owner": OUR_NUMBER, "applicationId": APP_ID, "time": "t", "segmentCount": 1,
        "direction": "out", "to": [THEIR_NUMBER], "from": OUR_NUMBER, "text": "Hello 👋", "media": [],
        "tag": "msg-1", "priority": "high",
    }
    assert data["time"].endswith("Z")


def test_segment_count_follows_the_encoding(api, app):
    assert api("POST", "/messages", json=send_body(text="a" * 161)).json()["segmentCount"] == 2
    assert api("POST", "/messages", json=send_body(text="é" * 70 + "ж")).json()["segmentCount"] == 2


def test_an_alphanumeric_sender_id_is_accepted_and_a_bad_one_refused(api, app):
    # Bandwidth's `from`: a number, a short code, or up to 11 letters, digits, space and - + _ & (one letter).
    answer = api("POST", "/messages", json=send_body(**{"from": "Acme Co", "to": ["+447700900123"]}))
    assert answer.status_code == 202 and answer.json()["from"] == "Acme Co"
    refused = api("POST", "/messages", json=send_body(**{"from": "Acme Company Ltd", "to": ["+447700900123"]}))
    assert refused.status_code == 400 and refused.json()["fieldErrors"][0]["fieldName"] == "from"


def test_missing_fields_get_request_validation_errors(api, app):
    answer = api("POST", "/messages", json={"to": [THEIR_NUMBER]})
    assert answer.status_code == 400
    data = answer.json()
    assert data["type"] == "request-validation" and data["description"]
    assert {e["fieldName"] for e in data["fieldErrors"]} == {"applicationId", "from", "text"}


def test_wrong_content_type_gets_415(api, app):
    answer = api("POST", "/messages", data="to=+19195550199",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 415


def test_application_of_another_account_is_refused(api, simulator):
    simulator.register_application(APP_ID, account_id="9900999")
    answer = api("POST", "/messages", json=send_body())
    assert answer.status_code == 400
    assert answer.json()["fieldErrors"][0]["fieldName"] == "applicationId"


def test_client_sends_and_finds_the_message_without_its_text(simulator, app, bw):
    sent = bw.send_message(application_id=APP_ID, to=[THEIR_NUMBER], from_=OUR_NUMBER, text="secret text", tag="m-7")
    assert sent.segment_count == 1 and sent.time is not None
    simulator.wait_idle()
    found = bw.search_messages(message_id=sent.id)
    assert found.total_count == 1
    record = found.messages[0]
    assert (record.message_id, record.source_tn, record.destination_tn) == (sent.id, OUR_NUMBER, THEIR_NUMBER)
    assert (record.status, record.direction, record.message_type) == ("DELIVERED", "OUTBOUND", "sms")
    assert record.error_code == 0
    assert "secret text" not in str(found.raw)


def test_client_validation_errors_keep_bandwidths_field_errors(simulator, app, bw):
    with pytest.raises(BandwidthRequestError) as caught:
        bw.send_message(application_id=APP_ID, to=["12345"], from_=OUR_NUMBER, text="x")
    assert caught.value.status == 400
    assert caught.value.field_errors[0].field_name == "to"


def test_search_filters_and_pages(simulator, app, bw):
    for n in range(5):
        bw.send_message(application_id=APP_ID, to=[f"+1919555030{n}"], from_=OUR_NUMBER, text=f"t{n}")
    bw.send_message(application_id=APP_ID, to=[THEIR_NUMBER], from_="+19195550111", text="other sender")
    first = bw.search_messages(source_tn=OUR_NUMBER, limit=3)
    second = bw.search_messages(source_tn=OUR_NUMBER, limit=3, page_token=first.next_page_token)
    assert first.total_count == 5 and len(first.messages) == 3 and first.next_page_token
    assert len(second.messages) == 2 and second.next_page_token is None
    assert bw.search_messages(destination_tn=THEIR_NUMBER).total_count == 1
    assert bw.search_messages(from_date_time="2999-01-01T00:00:00Z").total_count == 0


def test_accepted_sends_are_recorded_with_duplicate_tags_counted(simulator, app, api, session):
    api("POST", "/messages", json=send_body(tag="dup"))
    api("POST", "/messages", json=send_body(tag="dup"))
    api("POST", "/messages", json=send_body(tag="single"))
    data = session.get(f"{simulator.base_url}/simulator/messages").json()
    assert data["totalCount"] == 3 and data["duplicateTags"] == {"dup": 2}
    assert [m["tagCount"] for m in data["messages"]] == [2, 2, 1]
    assert data["messages"][0]["body"] == send_body(tag="dup") and data["messages"][0]["accountId"] == ACCOUNT


def test_client_uses_the_base_urls_from_settings(simulator, app, settings, session):
    settings.BANDWIDTH_MESSAGING_API_URL = simulator.api_url
    settings.BANDWIDTH_OAUTH_TOKEN_URL = simulator.token_url
    client = BandwidthClient(Credentials(account_id=ACCOUNT, username=CLIENT_ID, password=CLIENT_SECRET),
                             session=session)
    client.send_message(application_id=APP_ID, to=[THEIR_NUMBER], from_=OUR_NUMBER, text="via settings")
    assert simulator.messages()[0]["message"]["text"] == "via settings"


def test_a_session_reuses_one_keep_alive_connection(simulator, app, api):
    for _ in range(5):
        assert api("POST", "/messages", json=send_body()).status_code == 202
    assert len(simulator._server._connections) == 1


def test_concurrent_sends_are_all_recorded_and_called_back(simulator, app, receiver, token):
    def worker(offset):
        with requests.Session() as s:
            s.trust_env = False
            for n in range(25):
                answer = s.post(f"{simulator.api_url}/users/{ACCOUNT}/messages", json=send_body(tag=f"t{offset}-{n}"),
                                headers={"Authorization": f"Bearer {token}"})
                assert answer.status_code == 202
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, range(8)))
    assert simulator.wait_idle()
    assert len(simulator.messages()) == 200 and len(receiver.events()) == 200
    assert {e["message"]["tag"] for e in receiver.events()} == {f"t{o}-{n}" for o in range(8) for n in range(25)}
