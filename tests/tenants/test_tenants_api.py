import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_exists

from tenants.models import Membership, Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_flow_gives_a_token_that_authenticates(api_client):
    answer = api_client.post("/api/v1/auth/token/", {"username": "admin_a", "password": PASSWORD}, format="json")
    assert answer.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert api_client.get("/t/acme/api/v1/me/").json()["username"] == "admin_a"


def test_wrong_password_gets_400_json(api_client):
    answer = api_client.post("/api/v1/auth/token/", {"username": "admin_a", "password": "nope"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Wrong username or password.", "code": "wrong_credentials", "fields": {}}


def test_token_endpoint_locks_out_after_repeated_failures(api_client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post("/api/v1/auth/token/", {"username": "admin_b", "password": "nope"}, format="json")
    locked = api_client.post("/api/v1/auth/token/", {"username": "admin_b", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]


def test_system_admin_creates_a_tenant_with_its_first_admin(api_client, sysadmin):
    api_client.force_authenticate(sysadmin)
    created = api_client.post(
        "/api/v1/tenants/",
        {"name": "Umbrella", "slug": "umbrella", "admin_username": "alice", "admin_password": "umbrella-pass-42"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["slug"] == "umbrella" and body["url"].endswith("/t/umbrella/") and body["enabled"] is True
    assert schema_exists("t_umbrella")
    alice = get_user_model().objects.get(username="alice")
    assert Membership.objects.get(user=alice).tenant.slug == "umbrella"
    assert "umbrella" in [t["slug"] for t in api_client.get("/api/v1/tenants/").json()["results"]]


def test_tenant_create_api_refuses_bad_slug_with_field_errors(api_client, sysadmin):
    api_client.force_authenticate(sysadmin)
    refused = api_client.post("/api/v1/tenants/", {"name": "X", "slug": "Not OK"}, format="json")
    assert refused.status_code == 400
    assert "slug" in refused.json()["fields"]
    refused = api_client.post("/api/v1/tenants/", {"name": "X", "slug": "acme"}, format="json")
    assert refused.status_code == 400 and "already taken" in refused.json()["fields"]["slug"][0]
    assert not Tenant.objects.filter(name="X").exists()


def test_tenant_admin_cannot_use_the_tenants_api(api_a):
    assert api_a.get("/api/v1/tenants/").status_code == 403
    assert api_a.post("/api/v1/tenants/", {"name": "X", "slug": "xx"}, format="json").status_code == 403


def test_openapi_schema_lists_public_and_tenant_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/tenants/" in schema["paths"]
    assert "/t/{tenant}/api/v1/me/" in schema["paths"]
    assert client.get("/api/docs/").status_code == 200
