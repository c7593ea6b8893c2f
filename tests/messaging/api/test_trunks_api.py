"""/t/<slug>/api/v1/trunks/: the same rules as the screens, as JSON; other tenants get 404."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, PhoneNumber, SmsConfiguration, Trunk
from messaging.services.configuration.trunks import create_trunk
from tests.messaging.factories import rows_of

pytestmark = pytest.mark.django_db

Status = PhoneNumber.TenDlcStatus
TRUNKS = "/t/acme/api/v1/trunks/"


def payload(**overrides) -> dict:
    return {"name": "BW Raleigh", "host": "sip.bandwidth.example", "enabled": True, "numbers": []} | overrides


acme_rows = rows_of(Trunk, PhoneNumber)


def typed(numbers: list[dict]) -> list[dict]:
    """The writable part of each number (the registration fields read from Bandwidth are tested on their own)."""
    return [{key: number[key] for key in ("number", "ten_dlc_status", "campaign_id")} for number in numbers]


def test_list_shows_numbers_as_objects(api_a, raleigh):
    body = api_a.get(TRUNKS).json()
    assert body["count"] == 1
    trunk = body["results"][0]
    assert {key: trunk[key] for key in ("id", "name", "host", "enabled")} == {
        "id": raleigh.pk, "name": "BW Raleigh", "host": "sip.bandwidth.example", "enabled": True}
    assert typed(trunk["numbers"]) == [
        {"number": "+19195550100", "ten_dlc_status": "registered", "campaign_id": "CABC123"},
        {"number": "+19195550101", "ten_dlc_status": "not_registered", "campaign_id": ""},
    ]


def test_create_takes_strings_or_objects_in_any_format_and_stores_e164(api_a, tenant_a):
    numbers = ["(919) 555-0100", "19195550101", {"number": "+1 919 555 0102", "ten_dlc_status": "pending"},
               {"number": "+44 20 7183 8750"}]
    response = api_a.post(TRUNKS, payload(host="192.0.2.11 , 192.0.2.10", numbers=numbers), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["host"] == "192.0.2.11, 192.0.2.10"
    assert typed(body["numbers"]) == [
        {"number": "+19195550100", "ten_dlc_status": "not_registered", "campaign_id": ""},
        {"number": "+19195550101", "ten_dlc_status": "not_registered", "campaign_id": ""},
        {"number": "+19195550102", "ten_dlc_status": "pending", "campaign_id": ""},
        {"number": "+442071838750", "ten_dlc_status": "not_applicable", "campaign_id": ""},
    ]
    with tenant_context(tenant_a):
        assert AuditEntry.objects.get().changes["name"] == [None, "BW Raleigh"]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"host": "sip bandwidth.example"}, "host", "neither a host name"),
        ({"host": "10.0.0.1, 10.0.0.300"}, "host", "not an IPv4 or IPv6 address"),
        ({"host": ""}, "host", ""),
        ({"name": "x" * 65}, "name", "64"),
        ({"name": ""}, "name", ""),
        ({"numbers": ["+19195550100", "12345"]}, "numbers", "Item 2: “12345” is not a valid phone number"),
        ({"numbers": [{"number": "+19195550100", "ten_dlc_status": "done"}]}, "numbers", "not a 10DLC status"),
        ({"numbers": [{"phone": "+19195550100"}]}, "numbers", "Item 1: expected an E.164 string"),
        ({"numbers": [{"number": "+19195550100", "campaign_id": "C/1"}]}, "numbers", "not a campaign ID"),
        ({"numbers": ["+19195550100", "919-555-0100"]}, "numbers", "+19195550100 is listed twice"),
        ({"numbers": "+19195550100"}, "numbers", "Expected a list"),
    ],
)
def test_bad_field_answers_400_with_the_field_error(api_a, tenant_a, overrides, field, fragment):
    response = api_a.post(TRUNKS, payload(**overrides), format="json")
    assert response.status_code == 400
    errors = response.json()["fields"][field]
    assert errors and fragment in " ".join(errors)
    assert acme_rows(tenant_a) == []


def test_number_of_another_trunk_answers_400_naming_that_trunk(api_a, tenant_a, raleigh):
    response = api_a.post(TRUNKS, payload(name="BW Durham", numbers=["+1 919 555 0101"]), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["numbers"] == ["+19195550101 already belongs to trunk “BW Raleigh”."]
    with tenant_context(tenant_a):
        assert Trunk.objects.count() == 1


def test_duplicate_name_answers_400_on_the_name_field(api_a, raleigh):
    response = api_a.post(TRUNKS, payload(name="BW Raleigh"), format="json")
    assert response.status_code == 400 and "already exists" in response.json()["fields"]["name"][0]


def test_partial_update_changes_only_what_is_given_and_keeps_statuses(api_a, tenant_a, raleigh):
    with tenant_context(tenant_a):
        Trunk.objects.filter(pk=raleigh.pk).update(enabled=False)
    response = api_a.patch(f"{TRUNKS}{raleigh.pk}/", {"numbers": ["+19195550100", "+19195550102"]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["host"] == "sip.bandwidth.example" and body["enabled"] is False
    assert typed(body["numbers"]) == [
        {"number": "+19195550100", "ten_dlc_status": "registered", "campaign_id": "CABC123"},
        {"number": "+19195550102", "ten_dlc_status": "not_registered", "campaign_id": ""},
    ]
    with tenant_context(tenant_a):
        assert set(AuditEntry.objects.get(action="update").changes) == {"numbers"}


def test_update_replaces_fields_and_audits_them(api_a, tenant_a, raleigh):
    body = payload(name="BW Raleigh 2", host="2001:DB8::1", enabled=False,
                   numbers=[{"number": "+19195550101", "ten_dlc_status": "registered", "campaign_id": "cdef456"}])
    response = api_a.put(f"{TRUNKS}{raleigh.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["host"] == "2001:db8::1"
    assert typed(response.json()["numbers"]) == [
        {"number": "+19195550101", "ten_dlc_status": "registered", "campaign_id": "CDEF456"}
    ]
    with tenant_context(tenant_a):
        assert set(AuditEntry.objects.get(action="update").changes) == {"name", "host", "enabled", "numbers"}


def test_delete_answers_204_and_removes_the_trunk(api_a, tenant_a, raleigh):
    assert api_a.delete(f"{TRUNKS}{raleigh.pk}/").status_code == 204
    assert acme_rows(tenant_a) == []


def test_delete_of_a_trunk_in_use_answers_409_naming_the_configuration(api_a, tenant_a, raleigh):
    with tenant_context(tenant_a):
        SmsConfiguration.objects.create(
            name="Sales SMS", trunk=raleigh, account_id="9900123",
            application_id="93de2206-9669-4e07-948d-329f4b722ee2", username="client-id", password="secret",
        )
    before = acme_rows(tenant_a)
    response = api_a.delete(f"{TRUNKS}{raleigh.pk}/")
    assert response.status_code == 409
    assert "“Sales SMS”" in response.json()["detail"] and response.json()["code"] == "trunk_in_use"
    assert acme_rows(tenant_a) == before


def test_trunk_id_of_another_tenant_does_not_exist_here(api_a, tenant_a, tenant_b, admin_b):
    with tenant_context(tenant_b):
        globex_trunk = create_trunk(user=admin_b, name="Globex trunk", host="192.0.2.50", numbers=["+19195550150"])
    path = f"{TRUNKS}{globex_trunk.pk}/"
    assert api_a.get(path).status_code == 404
    assert api_a.patch(path, {"name": "Mine now"}, format="json").status_code == 404
    assert api_a.delete(path).status_code == 404
    with tenant_context(tenant_b):
        assert Trunk.objects.get().name == "Globex trunk"


def test_admin_of_other_tenant_gets_404_on_every_trunk_endpoint_and_nothing_changes(api_b, tenant_a, raleigh):
    before = acme_rows(tenant_a)
    detail = f"{TRUNKS}{raleigh.pk}/"
    responses = [
        api_b.get(TRUNKS), api_b.get(detail),
        api_b.post(TRUNKS, payload(name="Hijacked", numbers=["+19195550199"]), format="json"),
        api_b.put(detail, payload(name="Hijacked"), format="json"),
        api_b.patch(detail, {"name": "Hijacked"}, format="json"),
        api_b.delete(detail),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert all(r.json() == {"detail": "Not found.", "code": "not_found", "fields": {}} for r in responses)
    assert acme_rows(tenant_a) == before


def test_trunk_endpoints_are_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    assert {"get", "post"} <= set(schema["paths"]["/t/{tenant}/api/v1/trunks/"])
    assert {"get", "put", "patch", "delete"} <= set(schema["paths"]["/t/{tenant}/api/v1/trunks/{id}/"])
