"""/t/<slug>/api/v1/extensions/: the same rules as the screens, as JSON; other tenants get 404."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, Extension, InboundRule, OutboundRule
from messaging.services.configuration.extensions import create_extension
from messaging.services.configuration.trunks import create_trunk
from tests.messaging.factories import rows_of

pytestmark = pytest.mark.django_db

EXTENSIONS = "/t/acme/api/v1/extensions/"


def payload(**overrides) -> dict:
    return {"number": "101", "name": "Alice", "did": None, "send_sms": "allowed", "sender_id": ""} | overrides


acme_rows = rows_of(Extension, AuditEntry)


def test_list_shows_the_did_as_e164_or_null(api_a, tenant_a, admin_a, alice):
    with tenant_context(tenant_a):
        create_extension(user=admin_a, number="102", send_sms="allowed_with_sender_id", sender_id="24273")
    body = api_a.get(EXTENSIONS).json()
    assert body["count"] == 2
    assert body["results"] == [
        {"id": alice.pk, "number": "101", "name": "Alice", "did": "+19195550100", "send_sms": "allowed",
         "sender_id": ""},
        {"id": body["results"][1]["id"], "number": "102", "name": "", "did": None,
         "send_sms": "allowed_with_sender_id", "sender_id": "24273"},
    ]


def test_create_normalises_did_and_sender_id(api_a, tenant_a, acme_trunk):
    response = api_a.post(EXTENSIONS, payload(did="(919) 555-0100", send_sms="allowed_with_sender_id",
                                              sender_id="919 555 0142"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json() | {"id": 0} == {
        "id": 0, "number": "101", "name": "Alice", "did": "+19195550100", "send_sms": "allowed_with_sender_id",
        "sender_id": "+19195550142",
    }
    with tenant_context(tenant_a):
        assert AuditEntry.objects.get().changes["did"] == [None, "+19195550100"]


def test_create_with_only_a_number_is_allowed_to_send(api_a):
    response = api_a.post(EXTENSIONS, {"number": "101"}, format="json")
    assert response.status_code == 201
    assert response.json()["send_sms"] == "allowed" and response.json()["did"] is None


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"number": "1"}, "number", "2 to 8 digits"),
        ({"number": "abc"}, "number", "2 to 8 digits"),
        ({"number": ""}, "number", ""),
        ({"name": "x" * 101}, "name", "100"),
        ({"did": "12345"}, "did", "not a valid phone number"),
        ({"did": "+19195550199"}, "did", "+19195550199 is not a DID of this tenant"),
        ({"send_sms": "sometimes"}, "send_sms", "not a valid choice"),
        ({"send_sms": "allowed_with_sender_id"}, "sender_id", "Enter the sender ID"),
        ({"send_sms": "allowed_with_sender_id", "sender_id": "1234"}, "sender_id", "5–6 digit short code"),
        ({"sender_id": "+19195550142"}, "sender_id", "only used with"),
    ],
)
def test_bad_field_answers_400_with_the_field_error(api_a, tenant_a, acme_trunk, overrides, field, fragment):
    response = api_a.post(EXTENSIONS, payload(**overrides), format="json")
    assert response.status_code == 400
    errors = response.json()["fields"][field]
    assert errors and fragment in " ".join(errors), response.json()
    assert acme_rows(tenant_a) == []


def test_duplicate_number_and_taken_did_answer_400(api_a, alice):
    assert api_a.post(EXTENSIONS, payload(), format="json").json()["fields"]["number"] == [
        "Extension 101 already exists."
    ]
    response = api_a.post(EXTENSIONS, payload(number="102", did="+19195550100"), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["did"] == ["+19195550100 is already the own DID of extension 101 “Alice”."]


def test_did_of_another_tenant_answers_400(api_a, tenant_b, admin_b):
    with tenant_context(tenant_b):
        create_trunk(user=admin_b, name="Globex", host="192.0.2.50", numbers=["+19195550150"])
    response = api_a.post(EXTENSIONS, payload(did="+19195550150"), format="json")
    assert response.status_code == 400 and "not a DID of this tenant" in response.json()["fields"]["did"][0]


def test_partial_update_changes_only_what_is_given(api_a, tenant_a, alice):
    response = api_a.patch(f"{EXTENSIONS}{alice.pk}/", {"name": "Alice Smith"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["did"]) == ("Alice Smith", "+19195550100")
    with tenant_context(tenant_a):
        assert AuditEntry.objects.get(action="update").changes == {"name": ["Alice", "Alice Smith"]}


def test_null_did_removes_the_own_did(api_a, alice):
    response = api_a.patch(f"{EXTENSIONS}{alice.pk}/", {"did": None}, format="json")
    assert response.status_code == 200 and response.json()["did"] is None


def test_update_replaces_the_fields(api_a, alice):
    body = payload(number="201", name="Alice B", did="+19195550101", send_sms="not_allowed")
    response = api_a.put(f"{EXTENSIONS}{alice.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"id": alice.pk, **body}


def test_delete_answers_204(api_a, tenant_a, alice):
    assert api_a.delete(f"{EXTENSIONS}{alice.pk}/").status_code == 204
    with tenant_context(tenant_a):
        assert not Extension.objects.exists()


def test_delete_of_the_only_extension_of_a_rule_answers_409_naming_the_rules(
    api_a, tenant_a, alice, acme_trunk, acme_config
):
    with tenant_context(tenant_a):
        inbound = InboundRule.objects.create(name="Main line", trunk=acme_trunk, did_start="+19195550100",
                                             did_end="+19195550100")
        inbound.extensions.set([alice])
        outbound = OutboundRule.objects.create(name="Local", sms_configuration=acme_config)
        outbound.extensions.set([alice])
    before = acme_rows(tenant_a)
    response = api_a.delete(f"{EXTENSIONS}{alice.pk}/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "extension_in_use"
    assert "inbound rule “Main line”" in body["detail"] and "outbound rule “Local”" in body["detail"]
    assert acme_rows(tenant_a) == before


def test_extension_id_of_another_tenant_does_not_exist_here(api_a, tenant_b, admin_b):
    with tenant_context(tenant_b):
        globex = create_extension(user=admin_b, number="101", name="Globex")
    path = f"{EXTENSIONS}{globex.pk}/"
    assert api_a.get(path).status_code == 404
    assert api_a.patch(path, {"name": "Mine now"}, format="json").status_code == 404
    assert api_a.delete(path).status_code == 404
    with tenant_context(tenant_b):
        assert Extension.objects.get().name == "Globex"


def test_admin_of_other_tenant_gets_404_on_every_extension_endpoint_and_nothing_changes(api_b, tenant_a, alice):
    before = acme_rows(tenant_a)
    detail = f"{EXTENSIONS}{alice.pk}/"
    responses = [
        api_b.get(EXTENSIONS), api_b.get(detail),
        api_b.post(EXTENSIONS, payload(number="666"), format="json"),
        api_b.put(detail, payload(name="Hijacked"), format="json"),
        api_b.patch(detail, {"name": "Hijacked"}, format="json"),
        api_b.delete(detail),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert all(r.json() == {"detail": "Not found.", "code": "not_found", "fields": {}} for r in responses)
    assert acme_rows(tenant_a) == before


def test_extension_endpoints_are_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    assert {"get", "post"} <= set(schema["paths"]["/t/{tenant}/api/v1/extensions/"])
    assert {"get", "put", "patch", "delete"} <= set(schema["paths"]["/t/{tenant}/api/v1/extensions/{id}/"])
