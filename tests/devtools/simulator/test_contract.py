"""The simulator speaks Bandwidth's contract: Bandwidth's own SDK (bandwidth-sdk) drives it, and its answers
validate against the component schemas of Bandwidth's OpenAPI spec (tests/fixtures/bandwidth/bandwidth.yml)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from bandwidth import ApiClient, Configuration
from bandwidth.api.media_api import MediaApi
from bandwidth.api.messages_api import MessagesApi
from bandwidth.exceptions import BadRequestException, ForbiddenException, UnauthorizedException
from bandwidth.models.message_request import MessageRequest
from openapi_schema_validator import OAS30Validator

from tests.devtools.simulator.conftest import (
    ACCOUNT,
    APP_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    OUR_NUMBER,
    THEIR_NUMBER,
    send_body,
)

SPEC_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "bandwidth" / "bandwidth.yml"


class _SpecLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML as JSON sees it: the spec's example dates stay strings (the schemas are JSON Schema)."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SpecLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def spec() -> dict:
    return yaml.load(SPEC_FILE.read_text(encoding="utf-8"), Loader=_SpecLoader)  # noqa: S506 - a safe loader


def assert_matches(instance, schema_name: str) -> None:
    """Validate against components.schemas[schema_name], $refs resolved inside the spec, formats checked."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}
    validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def spec_properties(schema_name: str) -> set[str]:
    return set(spec()["components"]["schemas"][schema_name]["properties"])


# -- the SDK against the simulator ---------------------------------------------------------------------


@pytest.fixture
def oauth_sdk(simulator, app):
    """bandwidth-sdk's ApiClient with OAuth client credentials, every operation's host at the simulator."""
    simulator.add_credential(CLIENT_ID, CLIENT_SECRET, auth_type="oauth", account_id=ACCOUNT)
    config = Configuration(host=simulator.api_url, ignore_operation_servers=True, client_id=CLIENT_ID,
                           client_secret=CLIENT_SECRET, access_token_url=simulator.token_url)
    with ApiClient(config) as client:
        yield client


def sdk_send(client: ApiClient, text: str = "Hello", **fields):
    request = MessageRequest(application_id=APP_ID, to=[THEIR_NUMBER], var_from=OUR_NUMBER, text=text, **fields)
    return MessagesApi(client).create_message(ACCOUNT, request)


def test_sdk_sends_a_message_with_oauth(simulator, oauth_sdk):
    sent = sdk_send(oauth_sdk, "Hi from the SDK", tag="t-1", priority="high")
    assert (sent.owner, sent.application_id, sent.var_from, sent.text) == (OUR_NUMBER, APP_ID, OUR_NUMBER,
                                                                          "Hi from the SDK")
    assert list(sent.to) == [THEIR_NUMBER] and sent.segment_count == 1 and sent.direction == "out"
    assert (sent.tag, sent.priority) == ("t-1", "high") and sent.time is not None
    assert [m["id"] for m in simulator.messages()] == [sent.id]


def test_sdk_lists_messages_with_every_field_and_pages_through_them(simulator, oauth_sdk):
    sent = [sdk_send(oauth_sdk, f"message {n}").id for n in range(5)]
    simulator.wait_idle()
    api = MessagesApi(oauth_sdk)
    first = api.list_messages(ACCOUNT, source_tn=OUR_NUMBER, limit=2)
    assert first.total_count == 5 and len(first.messages) == 2
    assert first.page_info.next_page_token and first.page_info.next_page and first.page_info.prev_page is None
    seen = [item.message_id for item in first.messages]
    page = first
    while page.page_info.next_page_token:
        page = api.list_messages(ACCOUNT, source_tn=OUR_NUMBER, limit=2, page_token=page.page_info.next_page_token)
        assert page.page_info.prev_page_token and page.page_info.prev_page
        seen += [item.message_id for item in page.messages]
    assert sorted(seen) == sorted(sent)
    item = first.messages[0]
    assert (item.message_size, item.message_length, item.attachment_count, item.recipient_count) == (9, 9, 0, 1)
    assert (item.calling_number_country_a3, item.called_number_country_a3) == ("USA", "USA")
    assert (item.product, item.message_type, item.message_direction) == ("LOCAL_A2P", "sms", "OUTBOUND")


def test_sdk_filters_by_the_specs_new_parameters(simulator, oauth_sdk):
    sdk_send(oauth_sdk, "short")
    sdk_send(oauth_sdk, "a" * 200)
    api = MessagesApi(oauth_sdk)
    assert api.list_messages(ACCOUNT, from_message_size=100).total_count == 1
    assert api.list_messages(ACCOUNT, to_segment_count=1).total_count == 1
    assert api.list_messages(ACCOUNT, product="TOLL_FREE").total_count == 0
    assert api.list_messages(ACCOUNT, calling_number_country_a3="USA").total_count == 2
    ordered = api.list_messages(ACCOUNT, sort="messageSize:desc").messages
    assert [m.message_size for m in ordered] == [200, 5]


def test_search_reports_and_filters_by_the_applications_location(simulator, session, oauth_sdk):
    session.put(f"{simulator.base_url}/simulator/applications/{APP_ID}", json={"location": "loc-77"})
    sdk_send(oauth_sdk)
    api = MessagesApi(oauth_sdk)
    assert [m.location for m in api.list_messages(ACCOUNT, location="loc-77").messages] == ["loc-77"]
    assert api.list_messages(ACCOUNT, location="other").total_count == 0


def test_sdk_with_legacy_basic_credentials(simulator, app):
    simulator.add_credential("legacy-user", "legacy-password", auth_type="legacy", account_id=ACCOUNT)
    config = Configuration(host=simulator.api_url, ignore_operation_servers=True, username="legacy-user",
                           password="legacy-password")
    with ApiClient(config) as client:
        assert sdk_send(client).id
        config.password = "wrong"
        with pytest.raises(UnauthorizedException) as caught:
            sdk_send(client)
    assert caught.value.status == 401
    assert_matches(json.loads(caught.value.body), "messagingRequestError")


def test_sdk_uploads_lists_downloads_and_deletes_media(simulator, oauth_sdk):
    media = MediaApi(oauth_sdk)
    # The SDK replaces the content_type header by its default (application/json) unless _content_type is set.
    media.upload_media(ACCOUNT, "pics/cat.png", b"\x89PNG-bytes", _content_type="image/png")
    assert simulator.state.get_media(ACCOUNT, "pics/cat.png")["contentType"] == "image/png"
    listed = media.list_media(ACCOUNT)
    assert [(m.media_name, m.content_length) for m in listed] == [("pics/cat.png", 10)]
    assert listed[0].content == f"{simulator.api_url}/users/{ACCOUNT}/media/pics/cat.png"
    assert bytes(media.get_media(ACCOUNT, "pics/cat.png")) == b"\x89PNG-bytes"
    media.delete_media(ACCOUNT, "pics/cat.png")
    assert media.list_media(ACCOUNT) == []


def test_sdk_sees_bandwidths_errors(simulator, oauth_sdk):
    with pytest.raises(BadRequestException) as caught:
        MessagesApi(oauth_sdk).create_message(
            ACCOUNT, MessageRequest(application_id=APP_ID, to=["12345"], var_from=OUR_NUMBER, text="x"))
    assert caught.value.data.field_errors[0].field_name == "to"
    with pytest.raises(ForbiddenException):
        MessagesApi(oauth_sdk).list_messages("9900999", message_id="x")


# -- raw answers against the spec's schemas ----------------------------------------------------------------


def test_send_answer_matches_the_message_schema(api, app):
    answer = api("POST", "/messages", json=send_body(media=["https://example.com/a.png"],
                                                     expiration="2030-01-01T00:00:00Z"))
    assert answer.status_code == 202
    assert_matches(answer.json(), "message")
    assert set(answer.json()) <= spec_properties("message")


def test_search_answer_matches_messages_list_with_every_listed_field(simulator, api, app):
    api("POST", "/messages", json=send_body(to=[THEIR_NUMBER, "+447700900123"], media=["https://example.com/a.png"]))
    simulator.inject_inbound(to=OUR_NUMBER, from_=THEIR_NUMBER, text="inbound")
    simulator.wait_idle()
    data = api("GET", "/messages", params={"limit": 1}).json()
    assert_matches(data, "messagesList")
    assert data["totalCount"] == 3 and set(data["pageInfo"]) == {"nextPage", "nextPageToken"}
    everything = api("GET", "/messages").json()["messages"]
    assert_matches({"messages": everything}, "messagesList")
    for item in everything:
        assert set(item) == spec_properties("listMessageItem")
    group = [m for m in everything if m["messageDirection"] == "OUTBOUND"]
    assert {(m["destinationTn"], m["calledNumberCountryA3"]) for m in group} == {(THEIR_NUMBER, "USA"),
                                                                                  ("+447700900123", "GBR")}
    assert {(m["messageType"], m["attachmentCount"], m["recipientCount"]) for m in group} == {("mms", 1, 2)}


def test_next_page_link_is_the_same_search_followable_as_it_is(simulator, session, token, api, app):
    for _ in range(3):
        api("POST", "/messages", json=send_body())
    first = api("GET", "/messages", params={"sourceTn": OUR_NUMBER, "limit": 2}).json()
    link = first["pageInfo"]["nextPage"]
    assert parse_qs(urlsplit(link).query) == {"sourceTn": [OUR_NUMBER], "limit": ["2"],
                                              "pageToken": [first["pageInfo"]["nextPageToken"]]}
    second = session.get(link, headers={"Authorization": f"Bearer {token}"}).json()
    assert_matches(second, "messagesList")
    assert len(second["messages"]) == 1 and set(second["pageInfo"]) == {"prevPage", "prevPageToken"}
    back = session.get(second["pageInfo"]["prevPage"], headers={"Authorization": f"Bearer {token}"}).json()
    assert back["messages"] == first["messages"]


def test_a_page_token_not_from_the_simulator_is_a_400(api, app):
    answer = api("GET", "/messages", params={"pageToken": "not-ours!"})
    assert answer.status_code == 400
    assert_matches(answer.json(), "messagingRequestError")


def test_media_list_matches_the_media_schema(api, app):
    api("PUT", "/media/a.png", data=b"png", headers={"Content-Type": "image/png"})
    data = api("GET", "/media").json()
    assert isinstance(data, list)  # listMediaResponse: an array of media
    for item in data:
        assert_matches(item, "media")
    assert [set(m) for m in data] == [spec_properties("media")]


@pytest.mark.parametrize("case", ["send-400", "unauthorized-401", "forbidden-403", "media-404", "type-415",
                                  "rate-429"])
def test_error_answers_match_the_error_schemas(simulator, session, api, app, case):
    if case == "send-400":
        answer, schema = api("POST", "/messages", json={"to": []}), "createMessageRequestError"
    elif case == "unauthorized-401":
        answer = session.get(f"{simulator.api_url}/users/{ACCOUNT}/messages", headers={"Authorization": "Bearer x"})
        schema = "messagingRequestError"
    elif case == "forbidden-403":
        simulator.add_credential(CLIENT_ID, CLIENT_SECRET, account_id="9900999")
        token = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET),
                             data={"grant_type": "client_credentials"}).json()["access_token"]
        answer = session.get(f"{simulator.api_url}/users/{ACCOUNT}/messages",
                             headers={"Authorization": f"Bearer {token}"})
        schema = "messagingRequestError"
    elif case == "media-404":
        answer, schema = api("GET", "/media/missing.png"), "messagingRequestError"
    elif case == "type-415":
        answer = api("POST", "/messages", data="x", headers={"Content-Type": "text/plain"})
        schema = "messagingRequestError"
    else:
        simulator.configure(rate_limit_rate=1)
        answer, schema = api("POST", "/messages", json=send_body()), "messagingRequestError"
    assert answer.status_code == int(case.rsplit("-", 1)[1])
    assert_matches(answer.json(), schema)


def test_callbacks_match_the_status_and_inbound_callback_schemas(simulator, api, app, receiver):
    api("POST", "/messages", json=send_body())
    api("POST", "/messages", json=send_body(to=[THEIR_NUMBER, "+19195550198"], media=["https://example.com/a.png"]))
    simulator.wait_idle()
    simulator.configure(delivery_failure_rate=1)
    api("POST", "/messages", json=send_body())
    simulator.inject_inbound(to=OUR_NUMBER, from_=THEIR_NUMBER, text="hi", picture=True)
    simulator.wait_idle()
    events = receiver.events()
    assert {e["type"] for e in events} == {"message-delivered", "message-sending", "message-failed",
                                           "message-received"}
    for event in events:
        assert_matches(event, "inboundCallback" if event["type"] == "message-received" else "statusCallback")
