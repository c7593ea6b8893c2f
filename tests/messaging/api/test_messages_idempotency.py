"""POST /t/<slug>/api/v1/messages/ with an Idempotency-Key: a retried send (its answer lost) answers the first
answer again and sends nothing more; another body under the key is 422; a malformed key is 400; keys are per
user; the OpenAPI schema documents the header. Other tenants get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from messaging.models import IdempotentRequest, Message
from tests.messaging.factories import RECIPIENT, handed_to_tasks, in_acme

pytestmark = pytest.mark.usefixtures("media_in_tmp_path")

MESSAGES = "/t/acme/api/v1/messages/"
HELLO = {"from_extension": "101", "to": [RECIPIENT], "text": "Hello"}
KEY = "5f0c8a1e-4d3b-4a8e-9a37-0d9a3c1f2b61"


def post(client, body=HELLO, key=KEY, **options):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(MESSAGES, body, format=options.pop("format", "json"), headers=headers, **options)


def test_a_retried_send_answers_the_same_message_status_and_body_and_sends_once(
        acme, api_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = post(api_a)
        retried = post(api_a)
    assert first.status_code == retried.status_code == 202, retried.json()
    assert retried.json() == first.json() and first.json()["status"] == "queued"
    assert "Idempotent-Replayed" not in first and retried["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1 and len(handed_to_tasks(callbacks)) == 1


def test_the_replay_is_the_first_answer_even_after_the_message_moved_on(acme, api_a):
    first = post(api_a).json()
    Message.objects.filter(pk=first["id"]).update(status="delivered")
    assert post(api_a).json() == first
    assert api_a.get(f"{MESSAGES}{first['id']}/").json()["status"] == "delivered"


def test_the_same_body_written_differently_is_the_same_request(acme, api_a):
    first = post(api_a, {"text": "Hello", "to": RECIPIENT, "from_extension": "101"})
    again = post(api_a, {"from_extension": "101", "to": [RECIPIENT], "text": "Hello"})
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_422_and_sends_nothing(acme, api_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        post(api_a)
        reused = post(api_a, HELLO | {"text": "Something else"})
    assert reused.status_code == 422
    body = reused.json()
    assert set(body) == {"detail", "code", "fields"} and body["code"] == "idempotency_key_reused"
    assert "already used for a different message" in body["detail"]
    assert Message.objects.count() == 1 and len(handed_to_tasks(callbacks)) == 1


def test_multipart_sends_with_the_same_file_are_one_request(acme, api_a):
    def body(content):
        return {"from_extension": "101", "to": [RECIPIENT], "text": "",
                "media": [SimpleUploadedFile("cat.png", content, content_type="image/png")]}

    first = post(api_a, body(b"\x89PNG one"), format="multipart")
    assert post(api_a, body(b"\x89PNG one"), format="multipart").json() == first.json()
    assert post(api_a, body(b"\x89PNG two"), format="multipart").status_code == 422
    assert Message.objects.count() == 1


@pytest.mark.parametrize("key", ["", "k" * 256, "caf\u00e9", "nul\x00byte", "tab\tkey"])
def test_a_malformed_key_is_400_and_stores_nothing(acme, api_a, key):
    response = api_a.post(MESSAGES, HELLO, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert "1 to 255 printable ASCII characters" in response.json()["detail"]
    assert not Message.objects.exists() and not IdempotentRequest.objects.exists()


def test_a_refused_send_is_not_remembered(acme, api_a):
    assert post(api_a, HELLO | {"from_extension": "102"}).status_code == 409
    assert post(api_a).status_code == 202
    assert Message.objects.count() == 1


def test_each_user_has_keys_of_their_own(acme, api_a, sysadmin):
    other = APIClient()
    other.force_authenticate(sysadmin)
    first, second = post(api_a), post(other, HELLO | {"text": "From the system administrator"})
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] != second.json()["id"] and "Idempotent-Replayed" not in second


def test_without_the_header_every_post_sends(acme, api_a):
    post(api_a, key=None)
    post(api_a, key=None)
    assert Message.objects.count() == 2


def test_admin_of_other_tenant_gets_404_and_leaves_no_key(acme, api_b):
    assert post(api_b).status_code == 404
    assert in_acme(acme, lambda: (Message.objects.count(), IdempotentRequest.objects.count())) == (0, 0)


def test_the_openapi_schema_documents_the_header_and_the_422(db, api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    create = schema["paths"]["/t/{tenant}/api/v1/messages/"]["post"]
    header = next(parameter for parameter in create["parameters"] if parameter["name"] == "Idempotency-Key")
    assert header["in"] == "header" and not header.get("required")
    assert "422" in header["description"] and "24 hours" in header["description"]
    assert create["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert "Idempotent-Replayed" in create["responses"]["202"]["headers"]
