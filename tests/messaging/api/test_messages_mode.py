"""POST /t/<slug>/api/v1/messages/ with several recipients: `mode` group (default, at most 10 recipients,
Bandwidth's limit; 11 is a 400 with the one error body and nothing queued) or individual (one message per
recipient, answered as `{"messages": [...]}`, once per Idempotency-Key). Other tenants get 404."""

import pytest

from messaging.models import Conversation, Message
from tests.messaging.factories import handed_to_tasks, in_acme

MESSAGES = "/t/acme/api/v1/messages/"
NUMBERS = [f"+1919555{n:04d}" for n in range(150, 162)]  # fictitious NANP numbers Acme's rule sends to


def send(client, to, mode=None, **options):
    body = {"from_extension": "101", "to": to, "text": "Team lunch", **({"mode": mode} if mode else {})}
    return client.post(MESSAGES, body, format="json", **options)


@pytest.mark.parametrize("mode", [None, "group"], ids=["default", "group"])
def test_ten_recipients_make_one_group_message(acme, api_a, mode):
    response = send(api_a, NUMBERS[:10], mode)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["to"] == NUMBERS[:10] and [r["number"] for r in body["recipients"]] == NUMBERS[:10]
    assert in_acme(acme, lambda: Message.objects.count()) == 1


def test_eleven_recipients_in_a_group_are_400_naming_the_limit_and_nothing_is_queued(
        acme, api_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = send(api_a, NUMBERS[:11], "group")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_many_recipients" and set(body) == {"detail", "code", "fields"}
    assert "at most 10 recipients (Bandwidth's limit)" in body["detail"]
    assert body["fields"]["to"] == [body["detail"]]
    assert not in_acme(acme, lambda: Message.objects.exists())
    assert handed_to_tasks(callbacks) == []


def test_individual_mode_answers_one_message_per_recipient_each_in_its_own_conversation(acme, api_a):
    response = send(api_a, NUMBERS[:11], "individual")
    assert response.status_code == 202, response.json()
    messages = response.json()["messages"]
    assert [m["to"] for m in messages] == [[number] for number in NUMBERS[:11]]
    assert {(m["status"], m["text"]) for m in messages} == {("queued", "Team lunch")}
    assert in_acme(acme, lambda: sorted(c.participants for c in Conversation.objects.all())) == [
        [number] for number in NUMBERS[:11]]


def test_an_individual_send_retried_with_its_key_answers_the_same_and_queues_nothing_more(acme, api_a):
    key = {"headers": {"Idempotency-Key": "lunch-1"}}
    first = send(api_a, NUMBERS[:3], "individual", **key)
    retried = send(api_a, NUMBERS[:3], "individual", **key)
    assert first.status_code == retried.status_code == 202
    assert retried.json() == first.json() and retried["Idempotent-Replayed"] == "true"
    assert in_acme(acme, lambda: Message.objects.count()) == 3
    as_group = send(api_a, NUMBERS[:3], "group", **key)
    assert as_group.status_code == 422 and as_group.json()["code"] == "idempotency_key_reused"


def test_an_unknown_mode_is_400(acme, api_a):
    response = send(api_a, NUMBERS[:2], "broadcast")
    assert response.status_code == 400 and "mode" in response.json()["fields"]
    assert not in_acme(acme, lambda: Message.objects.exists())


def test_admin_of_other_tenant_gets_404_and_queues_nothing(acme, api_b):
    assert send(api_b, NUMBERS[:3], "individual").status_code == 404
    assert not in_acme(acme, lambda: Message.objects.exists())


def test_openapi_documents_the_mode(db, api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    request = schema["components"]["schemas"]["MessageCreate"]["properties"]
    assert "individual" in request["mode"]["description"] and "at most 10" in request["to"]["description"]
