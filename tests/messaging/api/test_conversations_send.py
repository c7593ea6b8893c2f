"""POST /t/<slug>/api/v1/conversations/<id>/messages/ (a reply, from the conversation's number) and
POST /t/<slug>/api/v1/conversations/ (a new conversation): 202 with the message, the refusals of messages/,
and Idempotency-Key exactly as messages/ honours it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.models import Conversation, IdempotentRequest, Message
from tests.messaging.conversations.builders import CUSTOMER, extension_user, receive, route_did
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT, handed_to_tasks

pytestmark = pytest.mark.usefixtures("media_in_tmp_path")

CONVERSATIONS = "/t/acme/api/v1/conversations/"
KEY = "8d1e0c52-7a53-4c0e-a7a4-0f9b6c2d9e10"


@pytest.fixture
def second_line(acme) -> Conversation:
    """A customer wrote to OTHER_DID, which goes to 103."""
    route_did(acme, OTHER_DID, acme.ext.chooser)
    return receive(acme, sender=CUSTOMER, on=OTHER_DID).conversation


def replies_to(conversation) -> str:
    return f"{CONVERSATIONS}{conversation.pk}/messages/"


def test_a_reply_goes_to_the_participants_from_the_conversations_number(second_line, api_a):
    answer = api_a.post(replies_to(second_line), {"text": "On my way", "from_extension": "101"}, format="json")
    assert answer.status_code == 202, answer.json()
    body = answer.json()
    # 101 would send from DID anywhere else: in this conversation it answers from the number written to.
    assert body["from"] == OTHER_DID and body["to"] == [CUSTOMER] and body["status"] == "queued"
    assert body["extension"] == "101" and body["conversation"] == second_line.pk
    assert Message.objects.get(pk=body["id"]).conversation_id == second_line.pk


def test_an_administrator_replies_as_the_extension_of_the_conversation_by_default(second_line, api_a):
    answer = api_a.post(replies_to(second_line), {"text": "Hello"}, format="json")
    assert answer.status_code == 202 and answer.json()["extension"] == "103"


def test_an_extension_user_replies_as_their_extension(acme, second_line, api_client):
    api_client.force_authenticate(extension_user(acme, "erin", acme.ext.chooser))
    answer = api_client.post(replies_to(second_line), {"text": "Erin here"}, format="json")
    assert answer.status_code == 202 and answer.json()["extension"] == "103"
    assert answer.json()["from"] == OTHER_DID


def test_an_extension_user_cannot_write_as_someone_elses_extension(acme, second_line, api_client):
    api_client.force_authenticate(extension_user(acme, "erin", acme.ext.chooser))
    answer = api_client.post(replies_to(second_line), {"text": "Hi", "from_extension": "101"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"from_extension": ["101 is not one of your extensions."]}
    assert Message.objects.filter(direction="out").count() == 0


@pytest.mark.parametrize("body, field", [
    ({"text": ""}, None),
    ({"text": "x" * 2049}, "text"),
    ({"text": "Hi", "from_extension": "999"}, "from_extension"),
    ({"text": "Hi", "from_extension": "1" * 17}, "from_extension"),
    ({"text": "Hi", "media": ["ftp://example.com/cat.png"]}, "media"),
])
def test_a_bad_reply_is_400_and_sends_nothing(second_line, api_a, body, field):
    answer = api_a.post(replies_to(second_line), body, format="json")
    assert answer.status_code == 400, answer.json()
    assert set(answer.json()) == {"detail", "code", "fields"}
    if field:
        assert field in answer.json()["fields"]
    assert not Message.objects.filter(direction="out").exists()


def test_a_reply_the_rules_forbid_is_409(second_line, api_a):
    answer = api_a.post(replies_to(second_line), {"text": "Hi", "from_extension": "102"}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "not_allowed"


def test_a_reply_with_an_attachment_is_served_to_the_conversations_readers(acme, second_line, api_a, api_client):
    picture = SimpleUploadedFile("map.png", b"\x89PNG map", content_type="image/png")
    answer = api_a.post(replies_to(second_line), {"text": "", "media": [picture]}, format="multipart")
    assert answer.status_code == 202, answer.json()
    url = answer.json()["media"][0]
    assert f"/conversations/{second_line.pk}/messages/{answer.json()['id']}/media/0/" in url
    api_client.force_authenticate(extension_user(acme, "erin", acme.ext.chooser))
    served = api_client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"\x89PNG map"


def test_a_retried_reply_answers_the_first_answer_and_sends_once(second_line, api_a,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = api_a.post(replies_to(second_line), {"text": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
        again = api_a.post(replies_to(second_line), {"text": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Message.objects.filter(direction="out").count() == 1 and len(handed_to_tasks(callbacks)) == 1


def test_the_same_key_for_another_reply_is_422_and_sends_nothing(second_line, api_a):
    api_a.post(replies_to(second_line), {"text": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    reused = api_a.post(replies_to(second_line), {"text": "Twice"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert Message.objects.filter(direction="out").count() == 1


def test_a_malformed_key_is_400(second_line, api_a):
    answer = api_a.post(replies_to(second_line), {"text": "Hi"}, format="json", HTTP_IDEMPOTENCY_KEY="caf\u00e9")
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_idempotency_key"
    assert not IdempotentRequest.objects.exists()


def test_a_new_conversation_answers_the_message_and_its_conversation(acme, api_a):
    answer = api_a.post(CONVERSATIONS, {"from_extension": "101", "to": RECIPIENT, "text": "Welcome"}, format="json")
    assert answer.status_code == 202, answer.json()
    body = answer.json()
    assert body["from"] == DID and body["to"] == [RECIPIENT] and body["extension"] == "101"
    shown = api_a.get(f"{CONVERSATIONS}{body['conversation']}/").json()
    assert shown["our_number"] == DID and shown["participants"] == [RECIPIENT] and shown["unread"] == 0


def test_a_new_group_conversation_takes_a_list(acme, api_a):
    body = api_a.post(CONVERSATIONS, {"from_extension": "101", "to": [RECIPIENT, CUSTOMER], "text": "All"},
                      format="json").json()
    assert api_a.get(f"{CONVERSATIONS}{body['conversation']}/").json()["participants"] == sorted([RECIPIENT, CUSTOMER])


def test_writing_to_the_same_people_again_continues_their_conversation(acme, api_a):
    first = api_a.post(CONVERSATIONS, {"from_extension": "101", "to": RECIPIENT, "text": "One"}, format="json")
    second = api_a.post(CONVERSATIONS, {"from_extension": "101", "to": RECIPIENT, "text": "Two"}, format="json")
    assert first.json()["conversation"] == second.json()["conversation"]
    assert Conversation.objects.count() == 1


def test_an_extension_user_with_one_extension_need_not_name_it(acme, api_client):
    api_client.force_authenticate(extension_user(acme, "carol", acme.ext.sales))
    answer = api_client.post(CONVERSATIONS, {"to": RECIPIENT, "text": "Hi"}, format="json")
    assert answer.status_code == 202 and answer.json()["extension"] == "101"
    assert api_client.get(f"{CONVERSATIONS}{answer.json()['conversation']}/").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"to": RECIPIENT, "text": "Hi"}, "from_extension"),
    ({"from_extension": "999", "to": RECIPIENT, "text": "Hi"}, "from_extension"),
    ({"from_extension": "101", "text": "Hi"}, "to"),
    ({"from_extension": "101", "to": [], "text": "Hi"}, "to"),
    ({"from_extension": "101", "to": "not a number", "text": "Hi"}, "to"),
    ({"from_extension": "101", "to": {"a": 1}, "text": "Hi"}, "to"),
])
def test_a_bad_new_conversation_is_400_with_the_field(acme, api_a, body, field):
    answer = api_a.post(CONVERSATIONS, body, format="json")
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["fields"]
    assert not Message.objects.exists() and not Conversation.objects.exists()


def test_a_new_conversation_is_idempotent_too(acme, api_a):
    body = {"from_extension": "101", "to": RECIPIENT, "text": "Once"}
    first = api_a.post(CONVERSATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    again = api_a.post(CONVERSATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert again.status_code == 202 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1
    other = api_a.post(CONVERSATIONS, body | {"text": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert other.status_code == 422
