"""The list filters of messages/ and webhook-events/ (django-filter FilterSets): the filters the OpenAPI schema
documents are exactly the ones the list applies (a documented filter the view ignored would be a bug), and a
value that cannot match answers 400 with the one error body, naming the parameter."""

import pytest

from messaging.models import WebhookEvent
from tests.messaging.factories import DID, RECIPIENT, make_message

MESSAGES = "/t/acme/api/v1/messages/"
WEBHOOK_EVENTS = "/t/acme/api/v1/webhook-events/"
PAGING = {"after", "before", "limit", "offset"}

# filter -> (a value, the texts of the messages it keeps from the `log` fixture)
MESSAGE_FILTERS = {
    "direction": ("in", {"inbound unrouted", "inbound to 102"}),
    "status": ("failed", {"outbound failed"}),
    "extension": ("102", {"inbound to 102"}),
    "number": ("(919) 555-0197", {"outbound failed"}),
    "unrouted": ("true", {"inbound unrouted"}),
    "keyword_reply": ("any", {"outbound delivered"}),
}
# filter -> (a value, the carrier message ids of the events it keeps from the `events` fixture)
WEBHOOK_EVENT_FILTERS = {
    "configuration": ("2", {"m-2"}),
    "type": ("message-failed", {"m-3"}),
    "state": ("failed", {"m-3"}),
}


def documented_filters(api, path: str) -> set[str]:
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"][path.replace("/t/acme/", "/t/{tenant}/")]["get"]["parameters"]
    return {parameter["name"] for parameter in parameters if parameter["in"] == "query"} - PAGING


@pytest.fixture
def log(acme):
    make_message(acme, direction="in", status="received", extension=None, from_number=RECIPIENT, to_numbers=[DID],
                 text="inbound unrouted", unrouted=True)
    routed = make_message(acme, direction="in", status="received", extension=None, from_number="+19195550198",
                          to_numbers=[DID], text="inbound to 102")
    routed.routed_to.add(acme.ext.blocked)
    make_message(acme, status="failed", to_numbers=["+19195550197"], text="outbound failed")
    make_message(acme, status="delivered", text="outbound delivered", keyword_reply="help")
    return acme


@pytest.fixture
def events(acme):
    for n, (configuration, event_type, state) in enumerate(
            [(1, "message-received", "processed"), (2, "message-delivered", "pending"),
             (1, "message-failed", "failed")], start=1):
        WebhookEvent.objects.create(configuration_id=configuration, event_type=event_type, carrier_message_id=f"m-{n}",
                                    recipient=RECIPIENT, event_time=f"2026-01-0{n}T00:00:00Z", payload={}, state=state)


def texts(answer) -> set[str]:
    assert answer.status_code == 200, answer.json()
    return {message["text"] for message in answer.json()["results"]}


def carrier_ids(answer) -> set[str]:
    assert answer.status_code == 200, answer.json()
    return {event["carrier_message_id"] for event in answer.json()["results"]}


def test_every_documented_message_filter_is_applied(log, api_a):
    assert documented_filters(api_a, MESSAGES) == set(MESSAGE_FILTERS)
    assert len(texts(api_a.get(MESSAGES))) == 4
    for name, (value, kept) in MESSAGE_FILTERS.items():
        assert texts(api_a.get(MESSAGES, {name: value})) == kept, name


def test_message_filters_combine(log, api_a):
    assert texts(api_a.get(MESSAGES, {"direction": "out", "extension": "101"})) == {"outbound failed",
                                                                                     "outbound delivered"}
    assert texts(api_a.get(MESSAGES, {"direction": "out", "unrouted": "true"})) == set()
    assert len(texts(api_a.get(MESSAGES, {"unrouted": "false"}))) == 4


def test_every_documented_webhook_event_filter_is_applied(events, api_a):
    assert documented_filters(api_a, WEBHOOK_EVENTS) == set(WEBHOOK_EVENT_FILTERS)
    assert carrier_ids(api_a.get(WEBHOOK_EVENTS)) == {"m-1", "m-2", "m-3"}
    for name, (value, kept) in WEBHOOK_EVENT_FILTERS.items():
        assert carrier_ids(api_a.get(WEBHOOK_EVENTS, {name: value})) == kept, name


@pytest.mark.parametrize("path, name, value", [
    (MESSAGES, "direction", "sideways"),
    (MESSAGES, "status", "lost"),
    (MESSAGES, "unrouted", "maybe"),
    (MESSAGES, "extension", "1" * 17),
    (MESSAGES, "number", "+1\x00"),
    (MESSAGES, "keyword_reply", "stop"),
    (MESSAGES, "after", "c" * 201),
    (WEBHOOK_EVENTS, "configuration", "1.5"),
    (WEBHOOK_EVENTS, "configuration", "٣"),
    (WEBHOOK_EVENTS, "configuration", str(2**63)),
    (WEBHOOK_EVENTS, "state", "lost"),
    (WEBHOOK_EVENTS, "type", "x" * 41),
])
def test_a_filter_value_that_cannot_match_is_400_naming_it(acme, api_a, path, name, value):
    answer = api_a.get(path, {name: value})
    assert answer.status_code == 400, answer.content[:300]
    body = answer.json()
    assert set(body) == {"detail", "code", "fields"} and body["code"] == "invalid"
    assert list(body["fields"]) == [name] and body["fields"][name][0]


def test_the_unrouted_filter_keeps_what_the_screens_unrouted_box_shows(log, api_a, client_a):
    screen = client_a.get("/t/acme/messages/", {"unrouted": "on"})
    assert screen.status_code == 200 and "inbound unrouted" in screen.content.decode()
    assert "inbound to 102" not in screen.content.decode()
    assert texts(api_a.get(MESSAGES, {"unrouted": "true"})) == {"inbound unrouted"}
