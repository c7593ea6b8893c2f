"""What is not valid text, an odd token, or garbage headers on the webhook: a 4xx with the reason, nothing
stored, never a 5xx (item 4 of issue 10). A lone surrogate is refused with 400 rather than stored
"repaired": the body can never be accepted as sent, and a 4xx tells Bandwidth to stop retrying it."""

import base64
import json

import pytest
from django_tenants.utils import tenant_context

from messaging.models import WebhookEvent
from messaging.services.configuration import sms_configurations as service
from tests.messaging.factories import callback, configuration_data, path_of

pytestmark = pytest.mark.django_db



def stored(tenant) -> int:
    with tenant_context(tenant):
        return WebhookEvent.objects.count()


def post(client, path, body, **extra):
    return client.post(path, body, content_type="application/json", **extra)


RECEIVED = json.dumps(callback("message-received"))


@pytest.mark.parametrize("body", [
    RECEIVED.replace('"text": "Hi"', '"text": "Hi \\ud800"'),
    RECEIVED.replace('"text": "Hi"', '"text": "\\udfff"'),
    RECEIVED.replace('"text": "Hi"', '"\\ud83d": "key"'),
    RECEIVED.replace('"description": "Incoming message received"', '"description": "\\uDBFF\\u0041"'),
    RECEIVED.replace('"to": "+19195550100"', '"to": "\\ud800"'),
])
def test_a_lone_surrogate_anywhere_is_400_with_the_reason(client, webhook_path, tenant_a, body):
    answer = post(client, webhook_path, body)
    assert answer.status_code == 400
    assert "surrogate" in answer.json()["detail"] and answer.json()["code"] == "invalid_body"
    assert stored(tenant_a) == 0


def test_a_surrogate_pair_is_an_ordinary_character_and_is_stored(client, webhook_path, tenant_a):
    body = RECEIVED.replace('"text": "Hi"', '"text": "Hi \\ud83d\\ude00"')
    assert post(client, webhook_path, body).status_code == 200
    with tenant_context(tenant_a):
        assert WebhookEvent.objects.get().payload["message"]["text"] == "Hi 😀"


@pytest.mark.parametrize("token", ["abc%00def", "%00", "x" * 65, "t%C3%A9st", "a.b", "%F0%9F%98%80", "a%20b",
                                   "%ED%A0%80", "..", "a%0Ab"])
def test_an_odd_token_is_404_and_never_500(client, token, tenant_a, acme_config):
    answer = post(client, f"/webhooks/bandwidth/{token}/", RECEIVED)
    assert answer.status_code == 404
    assert stored(tenant_a) == 0


@pytest.mark.parametrize("length", ["abc", "-1", "1e9", "¹", "", "99999999999999999999999"])
def test_garbage_content_length_is_a_4xx(client, webhook_path, tenant_a, length):
    answer = post(client, webhook_path, RECEIVED, CONTENT_LENGTH=length)
    assert 400 <= answer.status_code < 500
    assert stored(tenant_a) <= 1  # a length Django can read may still carry the whole body


@pytest.fixture
def guarded_path(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        configuration = service.create_configuration(
            user=None, **configuration_data(acme_trunk, name="Guarded", callback_username="bw-cb",
                                               callback_password="callback-password-123"),
        )
        return path_of(service.webhook_url(configuration))


@pytest.mark.parametrize("authorization", [
    "Basic ÿÿÿ", "Basic", "Basic  ", "Bearer abc", "basic " + base64.b64encode(b"bw-cb:x").decode(),
    "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode(), "Basic " + "A" * 10000, "Basic =", "\x7f",
    "Basic " + base64.b64encode("bw-cb:callback-password-123\u00e9".encode()).decode(),
])
def test_a_weird_authorization_header_is_401(client, guarded_path, tenant_a, authorization):
    answer = post(client, guarded_path, RECEIVED, HTTP_AUTHORIZATION=authorization)
    assert answer.status_code == 401
    assert stored(tenant_a) == 0
