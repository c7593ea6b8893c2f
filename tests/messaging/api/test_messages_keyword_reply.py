"""/t/<slug>/api/v1/messages/ and a conversation's messages say which messages are automatic keyword replies, and
of which kind (read-only); the list filters on it; the schema documents it."""

import json

import pytest

from messaging.models import ComplianceSettings, Message
from tests.messaging.factories import DID, callback, make_message, receive_callbacks

MESSAGES = "/t/acme/api/v1/messages/"
SENDER = "+19195550142"


@pytest.fixture
def answered_stop(acme):
    """A STOP from SENDER, answered by the tenant's opt-out reply; and one ordinary outbound message."""
    ComplianceSettings.objects.update_or_create(pk=1, defaults={"opt_out_reply": "Acme: unsubscribed."})
    receive_callbacks(acme.configuration, callback("message-received", to=DID, message__to=[DID],
                                                   message__text="Stop", message__id="in-stop", message__media=[]))
    ordinary = make_message(acme, text="Hello")
    return Message.objects.get(keyword_reply="opt_out"), ordinary


def test_an_automatic_reply_says_its_kind_and_other_messages_say_null(answered_stop, api_a):
    reply, ordinary = answered_stop
    assert api_a.get(f"{MESSAGES}{reply.pk}/").json()["keyword_reply"] == "opt_out"
    assert api_a.get(f"{MESSAGES}{ordinary.pk}/").json()["keyword_reply"] is None
    inbound = Message.objects.get(direction="in")
    assert api_a.get(f"{MESSAGES}{inbound.pk}/").json()["keyword_reply"] is None
    conversation = api_a.get(f"/t/acme/api/v1/conversations/{reply.conversation_id}/messages/").json()["results"]
    assert {m["id"]: m["keyword_reply"] for m in conversation}[reply.pk] == "opt_out"


@pytest.mark.parametrize(("value", "texts"), [("opt_out", ["Acme: unsubscribed."]), ("any", ["Acme: unsubscribed."]),
                                              ("help", [])])
def test_the_list_filters_on_the_kind_or_any(answered_stop, api_a, value, texts):
    body = api_a.get(MESSAGES, {"keyword_reply": value}).json()
    assert [m["text"] for m in body["results"]] == texts


@pytest.mark.parametrize("value", ["stop", "\x00", "%ED%A0%80", "x" * 1000, "1"])
def test_a_bad_kind_answers_400_naming_it(acme, api_a, value):
    answer = api_a.get(f"{MESSAGES}?keyword_reply={value}")
    assert answer.status_code == 400 and "keyword_reply" in answer.json()["fields"]


def test_keyword_reply_is_read_only_on_a_send(acme, api_a):
    answer = api_a.post(MESSAGES, {"from_extension": "101", "to": ["+19195550199"], "text": "Hi",
                                   "keyword_reply": "opt_out"}, format="json")
    assert answer.status_code == 202, answer.json()
    assert answer.json()["keyword_reply"] is None


def test_the_schema_documents_the_field_and_the_filter(db, api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["Message"]["properties"]["keyword_reply"]
    assert field["nullable"] and field["readOnly"]
    kinds = [schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]] for option in field["oneOf"]]
    assert [kind["enum"] for kind in kinds] == [["opt_out", "opt_in", "help"], [None]]
    listing = schema["paths"]["/t/{tenant}/api/v1/messages/"]["get"]["parameters"]
    assert "keyword_reply" in [parameter["name"] for parameter in listing]


def test_admin_of_other_tenant_gets_404(answered_stop, api_b):
    reply, _ = answered_stop
    assert api_b.get(f"{MESSAGES}{reply.pk}/").status_code == 404
    assert api_b.get(MESSAGES, {"keyword_reply": "any"}).status_code == 404
    assert json.loads(api_b.get(MESSAGES).content)["code"] == "not_found"
