"""/t/<slug>/api/v1/users/: administrators manage the tenant's users; everyone else gets 404."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from messaging.models import ExtensionAssignment
from tenants.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

USERS = "/t/acme/api/v1/users/"


def payload(**overrides) -> dict:
    return {"username": "carol", "email": "carol@example.com", "password": PASSWORD, "role": "extension",
            "extensions": ["101"]} | overrides


def test_create_list_update_delete(api_a, tenant_a, alice_and_bob):
    created = api_a.post(USERS, payload(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {"id": body["id"], "username": "carol", "email": "carol@example.com", "role": "extension",
                    "extensions": ["101"]}
    assert "password" not in body
    listed = api_a.get(USERS).json()
    assert listed["count"] == 2 and [user["username"] for user in listed["results"]] == ["admin_a", "carol"]
    changed = api_a.patch(f"{USERS}{body['id']}/", {"extensions": ["101", "102"]}, format="json")
    assert changed.status_code == 200 and changed.json()["extensions"] == ["101", "102"]
    assert api_a.get(f"{USERS}{body['id']}/").json()["extensions"] == ["101", "102"]
    assert api_a.delete(f"{USERS}{body['id']}/").status_code == 204
    assert not get_user_model().objects.get(pk=body["id"]).is_active
    with tenant_context(tenant_a):
        assert not ExtensionAssignment.objects.exists()


def test_field_errors_use_the_one_error_body(api_a, alice):
    answer = api_a.post(USERS, payload(password="1", extensions=["999"]), format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"detail", "code", "fields"}
    assert set(body["fields"]) == {"password", "extensions"}
    assert api_a.post(USERS, payload(role="boss"), format="json").json()["fields"]["role"]


def test_the_last_admin_cannot_be_demoted_or_removed(api_a, admin_a):
    demoted = api_a.patch(f"{USERS}{admin_a.pk}/", {"role": "extension"}, format="json")
    assert demoted.status_code == 409 and demoted.json()["code"] == "last_admin"
    removed = api_a.delete(f"{USERS}{admin_a.pk}/")
    assert removed.status_code == 409 and removed.json()["code"] == "last_admin"


def test_other_tenants_admin_and_extension_users_get_404(api_client, api_b, admin_a, tenant_a):
    assert api_b.get(USERS).status_code == 404
    assert api_b.post(USERS, payload(extensions=[]), format="json").status_code == 404
    assert api_b.delete(f"{USERS}{admin_a.pk}/").status_code == 404
    ext = get_user_model().objects.create_user(username="ext_a", password=PASSWORD)
    Membership.objects.create(user=ext, tenant=tenant_a, role=Membership.Role.EXTENSION)
    api_client.force_authenticate(ext)
    assert api_client.get(USERS).status_code == 404
    assert api_client.patch(f"{USERS}{ext.pk}/", {"role": "admin"}, format="json").status_code == 404


def test_a_user_of_another_tenant_is_not_found_here(api_a, admin_b):
    assert api_a.get(f"{USERS}{admin_b.pk}/").status_code == 404
    assert api_a.delete(f"{USERS}{admin_b.pk}/").status_code == 404


def test_documented_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    users = [path for path in schema["paths"] if path.endswith("/api/v1/users/{id}/")]
    assert users, sorted(schema["paths"])
    assert {"get", "patch", "delete"} <= set(schema["paths"][users[0]])
    components = schema["components"]["schemas"]
    assert set(components["User"]["properties"]) == {"id", "username", "email", "role", "extensions"}
    assert components["UserInput"]["properties"]["password"]["writeOnly"] is True
