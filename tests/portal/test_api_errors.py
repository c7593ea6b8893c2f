"""Every API and webhook error has one body, {"detail", "code", "fields"}, with a 4xx, and it is
documented once in the OpenAPI schema."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import SmsConfiguration
from messaging.services.configuration import sms_configurations, trunks
from tenants.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

TRUNKS = "/t/acme/api/v1/trunks/"
APPLICATION_ID = "93de2206-9669-4e07-948d-329f4b722ee2"


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert body["code"] == code, body
    assert isinstance(body["fields"], dict), body
    return body


@pytest.fixture
def trunk_in_use(tenant_a, admin_a):
    with tenant_context(tenant_a):
        trunk = trunks.create_trunk(user=admin_a, name="BW Raleigh", host="sip.example.com", numbers=["+19195550100"])
        sms_configurations.create_configuration(
            user=admin_a, name="Sales SMS", trunk=trunk, account_id="9900123", application_id=APPLICATION_ID,
            username="client-id", password="client-secret-1",  # noqa: S106
        )
    return trunk


def test_validation_error_names_every_field(api_a):
    body = error_of(api_a.post(TRUNKS, {"name": "", "host": "not a host!"}, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"name", "host"}
    assert body["detail"].startswith(("name: ", "host: "))


def test_service_error_on_a_field_is_under_fields(api_a, trunk_in_use):
    body = error_of(api_a.post(TRUNKS, {"name": "bw raleigh", "host": "10.0.0.1"}, format="json"), 400, "duplicate")
    assert body["fields"] == {"name": ["A trunk named “bw raleigh” already exists."]}


def test_domain_refusal_is_409_with_its_code(api_a, trunk_in_use):
    body = error_of(api_a.delete(f"{TRUNKS}{trunk_in_use.pk}/"), 409, "trunk_in_use")
    assert "“Sales SMS”" in body["detail"] and body["fields"] == {}


def test_object_of_another_tenant_is_404(api_b, trunk_in_use):
    body = error_of(api_b.get(f"/t/globex/api/v1/trunks/{trunk_in_use.pk}/"), 404, "not_found")
    assert body["fields"] == {}


def test_another_tenants_endpoint_is_404(api_b):
    error_of(api_b.get(TRUNKS), 404, "not_found")


def test_no_credentials_is_401_with_a_challenge(api_client, tenant_a):
    response = api_client.get(TRUNKS)
    error_of(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_malformed_json_is_a_parse_error(api_a):
    response = api_a.generic("POST", TRUNKS, '{"name": "x", ', content_type="application/json")
    body = error_of(response, 400, "parse_error")
    assert body["fields"] == {}


def test_not_allowed_and_unsupported_media_type(api_a, sysadmin, api_client):
    error_of(api_a.put(TRUNKS, {}, format="json"), 405, "method_not_allowed")
    error_of(api_a.generic("POST", TRUNKS, "name=x", content_type="text/csv"), 415, "unsupported_media_type")
    error_of(api_a.get("/api/v1/tenants/"), 403, "permission_denied")


def test_unknown_api_address_is_json_too(api_a):
    error_of(api_a.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_unexpected_error_is_a_logged_500_with_the_same_shape(api_a, trunk_in_use, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(trunks, "delete_trunk", explode)
    body = error_of(api_a.delete(f"{TRUNKS}{trunk_in_use.pk}/"), 500, "server_error")
    assert body["detail"] == "Internal error; it has been logged."


def test_webhook_refusals_have_the_same_shape(client, tenant_a, trunk_in_use):
    with tenant_context(tenant_a):
        configuration = SmsConfiguration.objects.get(name="Sales SMS")
    path = WebhookEndpoint.objects.get(tenant=tenant_a, configuration_id=configuration.pk).path
    error_of(client.post(path, "[{", content_type="application/json"), 400, "invalid_body")
    error_of(client.post("/webhooks/bandwidth/unknown-token/", "[]", content_type="application/json"), 404,
             "not_found")


def test_error_body_is_documented_once_and_used_by_every_operation(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code", "fields"}
    reference = {"$ref": "#/components/schemas/Error"}
    create_trunk = schema["paths"]["/t/{tenant}/api/v1/trunks/"]["post"]["responses"]
    for status in ("400", "401", "403", "404", "409"):
        assert create_trunk[status]["content"]["application/json"]["schema"] == reference, status
    assert schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["429"]["content"]["application/json"][
        "schema"] == reference
    for operations in schema["paths"].values():
        for operation in operations.values():
            errors = {status for status in operation["responses"] if status.startswith("4")}
            assert errors, operation["operationId"]
            assert all(operation["responses"][status]["content"]["application/json"]["schema"] == reference
                       for status in errors), operation["operationId"]


def test_every_operation_documents_the_503_it_answers_while_the_database_restarts(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert operation["responses"]["503"]["content"]["application/json"]["schema"] == reference, \
                operation["operationId"]
