"""POST /webhooks/bandwidth/<token>/: store once, answer fast, refuse bad input without writing."""

import base64
import json

import pytest
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from messaging.models import WebhookEvent
from messaging.services.configuration import sms_configurations as service
from tests.messaging.factories import callback, configuration_data, path_of

pytestmark = pytest.mark.django_db




def events_in(tenant) -> int:
    with tenant_context(tenant):
        return WebhookEvent.objects.count()


def post(client, path, payload, **extra):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(path, body, content_type="application/json", **extra)


def test_callback_is_stored_and_acknowledged_then_queued_after_commit(
    client, webhook_path, tenant_a, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(client, webhook_path, callback("message-received"))
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "stored": 1, "duplicates": 0}
    with tenant_context(tenant_a):
        event = WebhookEvent.objects.get()
    assert (event.event_type, event.carrier_message_id, event.recipient) == (
        "message-received", "14762070468292kw2fuqty55yp2b2", "+19195550100")
    assert event.payload == callback("message-received")[0]
    assert queued == [event.pk]


def test_duplicate_callback_is_stored_once(client, webhook_path, tenant_a, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, webhook_path, callback("message-delivered"))
        second = post(client, webhook_path, callback("message-delivered"))
    assert first.status_code == second.status_code == 200
    assert second.json()["duplicates"] == 1
    assert events_in(tenant_a) == 1
    assert len(queued) == 1


def test_a_single_object_is_accepted_too(client, webhook_path, tenant_a):
    assert post(client, webhook_path, callback("message-delivered")[0]).status_code == 200
    assert events_in(tenant_a) == 1


def test_unknown_event_type_is_stored_and_acknowledged(client, webhook_path, tenant_a):
    answer = post(client, webhook_path, callback("message-delivered", type="message-teleported"))
    assert answer.status_code == 200
    assert events_in(tenant_a) == 1


def test_unknown_or_regenerated_token_is_404_and_writes_nothing(client, webhook_path, tenant_a, acme_config):
    assert post(client, "/webhooks/bandwidth/not-a-token/", callback("message-received")).status_code == 404
    with tenant_context(tenant_a):
        service.rotate_webhook_token(user=None, configuration=acme_config)
    answer = post(client, webhook_path, callback("message-received"))
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Unknown webhook URL.", "code": "not_found", "fields": {}}
    assert events_in(tenant_a) == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ("42", 400),
        ("[]", 400),
        ('["a string"]', 400),
        ('[{"no": "type"}]', 400),
        ('[{"type": "message-received", "message": "nope"}]', 400),
        ('[{"type": "message-received", "to": 12}]', 400),
        ('[{"type": "message-received", "text": "\\u0000"}]', 400),
        ('[{"type": "message-received", "n": NaN}]', 400),
        ('[{"type": "message-received", "n": 1e999}]', 400),
        ("[" * 100000 + "]" * 100000, 400),
        (b"\xff\xfe", 400),
    ],
)
def test_malformed_bodies_get_400_with_a_reason_and_write_nothing(client, webhook_path, tenant_a, body, status):
    answer = post(client, webhook_path, body)
    assert answer.status_code == status
    assert answer.json()["detail"]
    assert events_in(tenant_a) == 0


def test_body_over_one_mebibyte_gets_413_and_writes_nothing(client, webhook_path, tenant_a):
    big = json.dumps(callback("message-received", description="x" * (1024 * 1024)))
    assert post(client, webhook_path, big).status_code == 413
    assert events_in(tenant_a) == 0


@pytest.fixture
def guarded_path(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        configuration = service.create_configuration(
            user=None, **configuration_data(acme_trunk, name="Guarded", callback_username="bw-cb",
                                               callback_password="callback-password-123"),
        )
        return path_of(service.webhook_url(configuration))


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_callback_credentials_challenge_then_accept(client, guarded_path, tenant_a):
    bare = post(client, guarded_path, callback("message-delivered"))
    assert bare.status_code == 401 and bare["WWW-Authenticate"].startswith("Basic realm=")
    wrong = post(client, guarded_path, callback("message-delivered"), HTTP_AUTHORIZATION=basic("bw-cb", "nope"))
    assert wrong.status_code == 401
    garbage = post(client, guarded_path, callback("message-delivered"), HTTP_AUTHORIZATION="Basic !!!")
    assert garbage.status_code == 401
    assert events_in(tenant_a) == 0
    right = post(client, guarded_path, callback("message-delivered"),
                 HTTP_AUTHORIZATION=basic("bw-cb", "callback-password-123"))
    assert right.status_code == 200
    assert events_in(tenant_a) == 1


def test_token_of_tenant_a_never_writes_into_tenant_b(client, webhook_path, tenant_a, tenant_b):
    post(client, webhook_path, callback("message-received"))
    assert events_in(tenant_a) == 1
    assert events_in(tenant_b) == 0


def test_disabled_configuration_still_stores_callbacks(client, webhook_path, tenant_a, acme_config):
    with tenant_context(tenant_a):
        acme_config.enabled = False
        acme_config.save(update_fields=["enabled"])
    assert post(client, webhook_path, callback("message-received")).status_code == 200
    assert events_in(tenant_a) == 1


def test_get_is_not_allowed(client, webhook_path):
    assert client.get(webhook_path).status_code == 405


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
event_like = st.fixed_dictionaries(
    {"type": st.text(max_size=50) | st.integers() | st.none()},
    optional={"message": json_values | st.fixed_dictionaries({"id": json_values}), "to": json_values,
              "time": json_values},
)


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300) | json_values.map(json.dumps) | st.lists(event_like, max_size=3).map(json.dumps))
def test_fuzzed_bodies_never_get_a_5xx(client, webhook_path, tenant_a, body):
    before = events_in(tenant_a)
    answer = post(client, webhook_path, body)
    assert answer.status_code in (200, 400, 413), answer.content
    if answer.status_code != 200:
        assert events_in(tenant_a) == before
