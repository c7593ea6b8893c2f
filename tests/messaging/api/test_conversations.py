"""GET /t/<slug>/api/v1/conversations/ (+ <id>/, <id>/messages/, <id>/read/): the Inbox for apps. Newest
first, this user's unread counts, search and filters, cursor pages; the thread newest first; read state per
user. Sending (replies, new conversations) is in test_conversations_send.py, access in
test_conversations_access.py."""

import pytest
from rest_framework.test import APIClient

from messaging.models import Conversation
from tests.messaging.conversations.builders import CUSTOMER, extension_user, receive, route_did
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT

CONVERSATIONS = "/t/acme/api/v1/conversations/"
OTHER_CUSTOMER = "+19195550177"


@pytest.fixture
def inbox(acme):
    """101 answers DID, 103 answers OTHER_DID; one inbound message on each, the one on OTHER_DID last."""
    route_did(acme, DID, acme.ext.sales)
    route_did(acme, OTHER_DID, acme.ext.chooser)
    receive(acme, sender=CUSTOMER, on=DID, text="Is the shop open on Sunday?")
    receive(acme, sender=OTHER_CUSTOMER, on=OTHER_DID, text="Invoice 42 please")
    return acme


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def conversation_of(our_number: str, *participants: str) -> Conversation:
    return Conversation.objects.get(our_number=our_number, participants=sorted(participants))


def test_the_list_is_newest_first_with_unread_counts_and_the_last_message(inbox, api_a):
    answer = api_a.get(CONVERSATIONS)
    assert answer.status_code == 200, answer.json()
    results = answer.json()["results"]
    assert [(c["our_number"], c["participants"]) for c in results] == [
        (OTHER_DID, [OTHER_CUSTOMER]), (DID, [CUSTOMER])]
    first = results[0]
    assert set(first) == {"id", "our_number", "participants", "unread", "last_message_at", "last_message",
                          "extensions"}
    assert first["unread"] == 1 and first["extensions"] == ["103"]
    assert first["last_message"]["text"] == "Invoice 42 please" and first["last_message"]["direction"] == "in"
    assert set(first["last_message"]) == {"id", "direction", "text", "status", "created_at"}
    assert answer.json()["next"] is None and answer.json()["previous"] is None


def test_the_last_message_preview_is_its_first_160_characters(inbox, api_a):
    receive(inbox, sender=CUSTOMER, text="x" * 150 + "y" * 50)
    preview = api_a.get(CONVERSATIONS).json()["results"][0]["last_message"]["text"]
    assert preview == "x" * 150 + "y" * 10


def test_one_conversation_shows_its_fields(inbox, api_a):
    conversation = conversation_of(DID, CUSTOMER)
    answer = api_a.get(f"{CONVERSATIONS}{conversation.pk}/").json()
    assert answer["id"] == conversation.pk and answer["our_number"] == DID
    assert answer["participants"] == [CUSTOMER] and answer["unread"] == 1 and answer["last_message_at"]


def test_unread_true_keeps_only_conversations_with_unread_messages(inbox, api_a):
    api_a.post(f"{CONVERSATIONS}{conversation_of(DID, CUSTOMER).pk}/read/")
    only_unread = api_a.get(CONVERSATIONS, {"unread": "true"}).json()["results"]
    assert [c["participants"] for c in only_unread] == [[OTHER_CUSTOMER]]
    assert len(api_a.get(CONVERSATIONS, {"unread": "false"}).json()["results"]) == 2


@pytest.mark.parametrize("q, found", [
    ("Sunday", [[CUSTOMER]]),
    ("invoice", [[OTHER_CUSTOMER]]),
    ("(919) 555-0142", [[CUSTOMER]]),
    ("0177", [[OTHER_CUSTOMER]]),
    ("nothing like this", []),
])
def test_q_finds_conversations_by_number_or_text(inbox, api_a, q, found):
    results = api_a.get(CONVERSATIONS, {"q": q}).json()["results"]
    assert [c["participants"] for c in results] == found


@pytest.mark.parametrize("query, field", [
    ({"unread": "maybe"}, "unread"),
    ({"q": "x" * 201}, "q"),
    ({"q": "nul\x00"}, "q"),
    ({"after": "c" * 201}, "after"),
])
def test_a_bad_query_is_400_with_the_field(inbox, api_a, query, field):
    answer = api_a.get(CONVERSATIONS, query)
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"detail", "code", "fields"} and field in body["fields"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0", "", "bnVsbA"])
def test_an_unreadable_cursor_gives_the_first_page(inbox, api_a, cursor):
    answer = api_a.get(CONVERSATIONS, {"after": cursor, "limit": "nonsense"})
    assert answer.status_code == 200 and len(answer.json()["results"]) == 2


def test_pages_follow_next_and_previous(inbox, api_a):
    receive(inbox, sender=RECIPIENT, text="Third")
    first = api_a.get(CONVERSATIONS, {"limit": 2}).json()
    assert [c["participants"] for c in first["results"]] == [[RECIPIENT], [OTHER_CUSTOMER]]
    second = api_a.get(first["next"]).json()
    assert [c["participants"] for c in second["results"]] == [[CUSTOMER]] and second["next"] is None
    back = api_a.get(second["previous"]).json()
    assert back["results"] == first["results"]


def test_a_new_message_moves_its_conversation_to_the_top(inbox, api_a):
    receive(inbox, sender=CUSTOMER, text="Hello again")
    top = api_a.get(CONVERSATIONS).json()["results"][0]
    assert top["participants"] == [CUSTOMER] and top["unread"] == 2


def test_the_thread_is_newest_first_in_pages_with_the_writer_of_each_reply(inbox, api_a):
    conversation = conversation_of(OTHER_DID, OTHER_CUSTOMER)
    sent = api_a.post(f"{CONVERSATIONS}{conversation.pk}/messages/", {"text": "Attached", "from_extension": "101"},
                      format="json")
    assert sent.status_code == 202, sent.json()
    receive(inbox, sender=OTHER_CUSTOMER, on=OTHER_DID, text="Thanks")
    page = api_a.get(f"{CONVERSATIONS}{conversation.pk}/messages/", {"limit": 2}).json()
    assert [(m["direction"], m["text"]) for m in page["results"]] == [("in", "Thanks"), ("out", "Attached")]
    assert page["results"][1]["extension"] == "101" and page["results"][1]["from"] == OTHER_DID
    assert all(m["conversation"] == conversation.pk for m in page["results"])
    rest = api_a.get(page["next"]).json()
    assert [m["text"] for m in rest["results"]] == ["Invoice 42 please"] and rest["next"] is None


def test_reading_clears_the_count_for_that_user_only(inbox, api_a):
    conversation = conversation_of(DID, CUSTOMER)
    carol, dave = (signed_in(extension_user(inbox, name, inbox.ext.sales)) for name in ("carol", "dave"))
    read = carol.post(f"{CONVERSATIONS}{conversation.pk}/read/")
    assert read.status_code == 200 and read.json()["unread"] == 0 and read.json()["id"] == conversation.pk
    assert carol.get(f"{CONVERSATIONS}{conversation.pk}/").json()["unread"] == 0
    assert carol.get(CONVERSATIONS, {"unread": "true"}).json()["results"] == []
    assert dave.get(f"{CONVERSATIONS}{conversation.pk}/").json()["unread"] == 1
    assert api_a.get(f"{CONVERSATIONS}{conversation.pk}/").json()["unread"] == 1


def test_a_message_after_reading_is_unread_again(inbox, api_a):
    conversation = conversation_of(DID, CUSTOMER)
    assert api_a.post(f"{CONVERSATIONS}{conversation.pk}/read/").json()["unread"] == 0
    assert api_a.post(f"{CONVERSATIONS}{conversation.pk}/read/").json()["unread"] == 0
    receive(inbox, sender=CUSTOMER, text="Still there?")
    assert api_a.get(f"{CONVERSATIONS}{conversation.pk}/").json()["unread"] == 1


def test_my_own_replies_never_count_as_unread(inbox, api_a):
    conversation = conversation_of(DID, CUSTOMER)
    api_a.post(f"{CONVERSATIONS}{conversation.pk}/read/")
    api_a.post(f"{CONVERSATIONS}{conversation.pk}/messages/", {"text": "Yes, 10 to 4"}, format="json")
    assert api_a.get(f"{CONVERSATIONS}{conversation.pk}/").json()["unread"] == 0


def test_the_openapi_schema_documents_every_operation(db, api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    base = "/t/{tenant}/api/v1/conversations/"
    operations = {(path.removeprefix(base), method) for path, item in paths.items() if path.startswith(base)
                  for method in item}
    assert operations == {("", "get"), ("", "post"), ("{id}/", "get"), ("{id}/messages/", "get"),
                          ("{id}/messages/", "post"), ("{id}/read/", "post"),
                          ("{id}/messages/{message_id}/media/{position}/", "get")}
    listing = paths[base]["get"]
    assert {"unread", "q", "after", "before", "limit"} <= {p["name"] for p in listing["parameters"]}
    assert "offset" not in {p["name"] for p in listing["parameters"]}
    assert "400" in listing["responses"] and "400" in paths[base + "{id}/messages/"]["get"]["responses"]
    for send in (paths[base]["post"], paths[base + "{id}/messages/"]["post"]):
        assert "Idempotency-Key" in {p["name"] for p in send["parameters"]}
        assert {"202", "400", "409", "422"} <= set(send["responses"])
        assert "Idempotent-Replayed" in send["responses"]["202"]["headers"]
    components = schema["components"]["schemas"]
    assert {"id", "our_number", "participants", "unread", "last_message_at"} <= set(
        components["Conversation"]["properties"])
    assert {"conversation", "extension", "status", "media"} <= set(components["ConversationMessage"]["properties"])
