import pytest
from django_tenants.utils import tenant_context

from messaging.models import SmsConfiguration, Trunk
from messaging.services.configuration import sms_configurations as service
from tests.messaging.factories import APPLICATION_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db

BASE = "/t/acme/api/v1/sms-configurations/"


def body(trunk, **overrides):
    return {
        "name": "API SMS", "trunk": trunk.pk, "account_id": "9900123", "application_id": APPLICATION_ID,
        "username": "client-id", "password": "api-client-secret-1",
    } | overrides


def test_create_defaults_to_oauth_and_returns_the_webhook_url_but_no_secret(api_a, tenant_a, acme_trunk):
    created = api_a.post(BASE, body(acme_trunk), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["auth_type"] == "oauth" and data["enabled"] is True and data["sender_id"] == ""
    assert data["webhook_url"].startswith("http") and "/webhooks/bandwidth/" in data["webhook_url"]
    assert data["last_callback_at"] is None
    assert "password" not in data and "callback_password" not in data
    assert "api-client-secret-1" not in created.content.decode()
    with tenant_context(tenant_a):
        assert service.webhook_url(SmsConfiguration.objects.get(pk=data["id"])) == data["webhook_url"]


def test_list_and_detail_never_contain_the_secret(api_a, acme_config):
    for path in (BASE, f"{BASE}{acme_config.pk}/"):
        answer = api_a.get(path)
        assert answer.status_code == 200
        assert CLIENT_SECRET not in answer.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"account_id": "u-1234"}, "account_id", "old-style user ID"),
        ({"account_id": "abc"}, "account_id", "7-digit"),
        ({"application_id": "app-1"}, "application_id", "UUID"),
        ({"auth_type": "basic"}, "auth_type", ""),
        ({"sender_id": "12"}, "sender_id", "short code"),
        ({"name": "x" * 65}, "name", "64"),
        ({"password": ""}, "password", "Client Secret"),
        ({"callback_username": "cb", "callback_password": "short"}, "callback_password", "12"),
        ({"sender_id": "Acme Company"}, "sender_id", "at most 11 characters"),
        ({"priority": "urgent"}, "priority", "not a valid choice"),
        ({"expiration_minutes": 10081}, "expiration_minutes", "10080"),
        ({"expiration_minutes": "soon"}, "expiration_minutes", "integer"),
    ],
)
def test_validation_errors_are_400_by_field(api_a, acme_trunk, overrides, field, words):
    answer = api_a.post(BASE, body(acme_trunk, **overrides), format="json")
    assert answer.status_code == 400
    assert words in " ".join(answer.json()["fields"][field])


def test_alphanumeric_sender_priority_and_expiration_are_written_and_read(api_a, tenant_a, acme_trunk):
    created = api_a.post(
        BASE, body(acme_trunk, sender_id="Acme Co", priority="high", expiration_minutes=60), format="json"
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["sender_id"], data["priority"], data["expiration_minutes"]) == ("Acme Co", "high", 60)
    changed = api_a.patch(f"{BASE}{data['id']}/", {"priority": "", "expiration_minutes": 0}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["priority"], changed.json()["expiration_minutes"]) == ("", 0)
    with tenant_context(tenant_a):
        stored = SmsConfiguration.objects.get(pk=data["id"])
    assert (stored.sender_id, stored.priority, stored.expiration_minutes) == ("Acme Co", "", 0)


def test_partial_update_keeps_the_secret_and_changes_the_field(api_a, tenant_a, acme_config):
    answer = api_a.patch(f"{BASE}{acme_config.pk}/", {"enabled": False}, format="json")
    assert answer.status_code == 200 and answer.json()["enabled"] is False
    with tenant_context(tenant_a):
        stored = SmsConfiguration.objects.get(pk=acme_config.pk)
    assert stored.password == CLIENT_SECRET and not stored.enabled


def test_regenerate_webhook_action(api_a, acme_config):
    before = api_a.get(f"{BASE}{acme_config.pk}/").json()["webhook_url"]
    after = api_a.post(f"{BASE}{acme_config.pk}/regenerate-webhook/").json()["webhook_url"]
    assert after != before


def test_trunk_of_another_tenant_cannot_be_chosen(api_a, tenant_b):
    with tenant_context(tenant_b):
        foreign = Trunk.objects.create(name="Globex trunk", host="10.9.9.9")
    answer = api_a.post(BASE, body(foreign), format="json")
    assert answer.status_code == 400 and "trunk" in answer.json()["fields"]


def test_admin_of_other_tenant_gets_404_everywhere(api_b, tenant_a, acme_config, acme_trunk):
    detail = f"{BASE}{acme_config.pk}/"
    assert api_b.get(BASE).status_code == 404
    assert api_b.post(BASE, body(acme_trunk), format="json").status_code == 404
    assert api_b.get(detail).status_code == 404
    assert api_b.patch(detail, {"name": "Hijacked"}, format="json").status_code == 404
    assert api_b.delete(detail).status_code == 404
    assert api_b.post(f"{detail}regenerate-webhook/").status_code == 404
    assert api_b.post(f"{detail}test-connection/").status_code == 404
    with tenant_context(tenant_a):
        assert SmsConfiguration.objects.get(pk=acme_config.pk).name == "Main SMS"
