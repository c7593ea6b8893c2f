"""/t/<slug>/api/v1/inbound-rules/ and outbound-rules/: the rules page as JSON; other tenants get 404."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, InboundRule, OutboundRule
from messaging.services.configuration import rules
from messaging.services.configuration.extensions import create_extension
from messaging.services.configuration.trunks import create_trunk
from tests.messaging.factories import rows_of

pytestmark = pytest.mark.django_db

INBOUND, OUTBOUND = "/t/acme/api/v1/inbound-rules/", "/t/acme/api/v1/outbound-rules/"


@pytest.fixture
def main_line(tenant_a, acme_config, alice_and_bob, admin_a, acme_trunk) -> InboundRule:
    with tenant_context(tenant_a):
        return rules.create_inbound_rule(user=admin_a, name="Main line", trunk=acme_trunk,
                                         did="+19195550100-+19195550199", extensions=["101", "102"])


@pytest.fixture
def local(tenant_a, acme_config, alice_and_bob, admin_a) -> OutboundRule:
    with tenant_context(tenant_a):
        return rules.create_outbound_rule(user=admin_a, name="Local", sms_configuration=acme_config,
                                          extensions=["101"], destination_prefix="+1919")


def inbound_payload(trunk, /, **overrides) -> dict:
    return {"name": "Main line", "trunk": trunk.pk, "did": "+19195550100", "caller_mask": "",
            "extensions": ["101"], "enabled": True} | overrides


def outbound_payload(configuration, /, **overrides) -> dict:
    return {"name": "Local", "sms_configuration": configuration.pk} | overrides


acme_rows = rows_of(InboundRule, OutboundRule, AuditEntry)


def test_inbound_list_shows_did_range_and_extension_numbers(api_a, main_line, acme_trunk):
    body = api_a.get(INBOUND).json()
    assert body["results"] == [{
        "id": main_line.pk, "name": "Main line", "trunk": acme_trunk.pk, "did": "+19195550100-+19195550199",
        "caller_mask": "", "extensions": ["101", "102"], "order": 10, "enabled": True,
    }]


def test_outbound_list_shows_all_fields(api_a, local, acme_config):
    assert api_a.get(OUTBOUND).json()["results"] == [{
        "id": local.pk, "name": "Local", "extensions": ["101"], "destination_prefix": "+1919",
        "destination_length": None, "sms_configuration": acme_config.pk, "sender": "configuration", "order": 10,
        "enabled": True,
    }]


def test_create_inbound_rule_normalises_did_and_mask(api_a, tenant_a, acme_config, alice_and_bob, acme_trunk):
    response = api_a.post(INBOUND, inbound_payload(acme_trunk, did="919-555-0100 - 919-555-0199",
                                                   caller_mask="+1 919 *** ****", extensions=["102", "101"]),
                          format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["did"], body["caller_mask"], body["extensions"]) == (
        "+19195550100-+19195550199", "+1919*******", ["101", "102"]
    )
    with tenant_context(tenant_a):
        assert AuditEntry.objects.get(object_type="inbound rule").action == "create"


def test_create_outbound_rule_with_defaults_is_for_all_extensions_and_goes_last(api_a, local, acme_config):
    response = api_a.post(OUTBOUND, outbound_payload(acme_config, name="Anyone"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["extensions"], body["sender"], body["order"], body["destination_length"]) == (
        [], "configuration", 20, None
    )


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": ""}, "name", ""),
        ({"trunk": 999999}, "trunk", "does not exist"),
        ({"did": "+19195550199-+19195550100"}, "did", "A range goes upwards"),
        ({"did": "+19195550100-+442071838750"}, "did", "same number of digits"),
        ({"did": "+19195550150"}, "did", "No DID of trunk “BW Raleigh”"),
        ({"did": "anything"}, "did", "neither a phone number nor a range"),
        ({"caller_mask": "1919***"}, "caller_mask", "not a wildcard mask"),
        ({"caller_mask": "+1919***-+1919999"}, "caller_mask", ""),
        ({"extensions": []}, "extensions", "at least one extension"),
        ({"extensions": ["101", "109"]}, "extensions", "Extension 109 does not exist."),
        ({"extensions": ["101", "x"]}, "extensions", "Item 2: “x” is not an extension number"),
        ({"extensions": "101"}, "extensions", "Expected a list"),
        ({"order": -1}, "order", ""),
    ],
)
def test_bad_inbound_field_answers_400_with_the_field_error(
    api_a, tenant_a, acme_config, alice_and_bob, acme_trunk, overrides, field, fragment
):
    response = api_a.post(INBOUND, inbound_payload(acme_trunk, **overrides), format="json")
    assert response.status_code == 400
    errors = response.json()["fields"][field]
    assert errors and fragment in " ".join(errors), response.json()
    with tenant_context(tenant_a):
        assert not InboundRule.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "x" * 65}, "name", "64"),
        ({"sms_configuration": 999999}, "sms_configuration", "does not exist"),
        ({"destination_prefix": "1919"}, "destination_prefix", "+ and 1 to 15 digits"),
        ({"destination_length": 7}, "destination_length", "from 8 to 15"),
        ({"destination_length": "eleven"}, "destination_length", "valid integer"),
        ({"destination_prefix": "+191955501", "destination_length": 8}, "destination_length", "more than"),
        ({"sender": "anyone"}, "sender", "not a valid choice"),
        ({"sender": "extension_did", "extensions": ["102"]}, "sender", "Extension 102 has no own DID"),
        ({"extensions": ["109"]}, "extensions", "Extension 109 does not exist."),
        ({"extensions": ["101", "101"]}, "extensions", "listed twice"),
    ],
)
def test_bad_outbound_field_answers_400_with_the_field_error(
    api_a, tenant_a, acme_config, alice_and_bob, overrides, field, fragment
):
    response = api_a.post(OUTBOUND, outbound_payload(acme_config, **overrides), format="json")
    assert response.status_code == 400
    errors = response.json()["fields"][field]
    assert errors and fragment in " ".join(errors), response.json()
    with tenant_context(tenant_a):
        assert not OutboundRule.objects.exists()


def test_duplicate_name_answers_400_on_the_name_field(api_a, main_line, acme_trunk):
    response = api_a.post(INBOUND, inbound_payload(acme_trunk), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["name"] == ["An inbound rule named “Main line” already exists."]


def test_partial_update_changes_only_what_is_given(api_a, tenant_a, main_line):
    response = api_a.patch(f"{INBOUND}{main_line.pk}/", {"caller_mask": "+19195550142"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["caller_mask"], body["did"], body["extensions"]) == (
        "+19195550142", "+19195550100-+19195550199", ["101", "102"]
    )
    with tenant_context(tenant_a):
        assert AuditEntry.objects.get(action="update").changes == {"caller_mask": ["", "+19195550142"]}


def test_partial_update_cannot_leave_an_inbound_rule_without_extensions(api_a, main_line):
    response = api_a.patch(f"{INBOUND}{main_line.pk}/", {"extensions": []}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "required"


def test_outbound_update_replaces_extensions_and_null_length_means_any(api_a, local, acme_config):
    api_a.patch(f"{OUTBOUND}{local.pk}/", {"destination_length": 11}, format="json")
    body = outbound_payload(acme_config, extensions=["101", "102"], destination_prefix="+1",
                            destination_length=None, sender="trunk_did", order=5, enabled=False)
    response = api_a.put(f"{OUTBOUND}{local.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"id": local.pk, **body}


def test_delete_answers_204_and_keeps_the_extensions(api_a, tenant_a, main_line, local):
    assert api_a.delete(f"{INBOUND}{main_line.pk}/").status_code == 204
    assert api_a.delete(f"{OUTBOUND}{local.pk}/").status_code == 204
    with tenant_context(tenant_a):
        assert not InboundRule.objects.exists() and not OutboundRule.objects.exists()
        assert AuditEntry.objects.filter(action="delete").count() == 2


def test_rule_id_of_another_tenant_does_not_exist_here(api_a, acme_config, alice_and_bob, tenant_b, admin_b):
    with tenant_context(tenant_b):
        trunk = create_trunk(user=admin_b, name="Globex", host="192.0.2.50", numbers=["+19195550150"])
        create_extension(user=admin_b, number="101")
        globex = rules.create_inbound_rule(user=admin_b, name="Globex line", trunk=trunk, did="+19195550150",
                                           extensions=["101"])
    path = f"{INBOUND}{globex.pk}/"
    assert api_a.get(path).status_code == 404
    assert api_a.patch(path, {"name": "Mine now"}, format="json").status_code == 404
    assert api_a.delete(path).status_code == 404
    with tenant_context(tenant_b):
        assert InboundRule.objects.get().name == "Globex line"


def test_admin_of_other_tenant_gets_404_on_every_rule_endpoint_and_nothing_changes(
    api_b, tenant_a, main_line, local, acme_trunk, acme_config
):
    before = acme_rows(tenant_a)
    responses = []
    for collection, rule, body in [
        (INBOUND, main_line, inbound_payload(acme_trunk, name="Hijacked")),
        (OUTBOUND, local, outbound_payload(acme_config, name="Hijacked")),
    ]:
        detail = f"{collection}{rule.pk}/"
        responses += [
            api_b.get(collection), api_b.get(detail), api_b.post(collection, body, format="json"),
            api_b.put(detail, body, format="json"), api_b.patch(detail, {"name": "Hijacked"}, format="json"),
            api_b.delete(detail),
        ]
    assert [r.status_code for r in responses] == [404] * 12
    assert all(r.json() == {"detail": "Not found.", "code": "not_found", "fields": {}} for r in responses)
    assert acme_rows(tenant_a) == before


def test_rule_endpoints_are_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for collection in ["inbound-rules", "outbound-rules"]:
        assert {"get", "post"} <= set(schema["paths"][f"/t/{{tenant}}/api/v1/{collection}/"])
        assert {"get", "put", "patch", "delete"} <= set(schema["paths"][f"/t/{{tenant}}/api/v1/{collection}/{{id}}/"])
