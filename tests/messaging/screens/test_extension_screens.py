"""The Extensions screens: list, add, edit, delete; field errors; rules named on delete; other tenants get 404."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, Extension, InboundRule, OutboundRule
from messaging.services.configuration.extensions import create_extension
from tests.messaging.factories import in_acme

pytestmark = pytest.mark.django_db

LIST, ADD = "/t/acme/extensions/", "/t/acme/extensions/add/"


def form_data(**overrides) -> dict:
    return {"number": "101", "name": "Alice", "did": "", "send_sms": "allowed", "sender_id": ""} | overrides


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def test_list_shows_number_name_did_permission_and_rules(client_a, tenant_a, alice, acme_trunk):
    with tenant_context(tenant_a):
        rule = InboundRule.objects.create(name="Main line", trunk=acme_trunk, did_start="+19195550100",
                                          did_end="+19195550100")
        rule.extensions.set([alice])
    html = client_a.get(LIST).content.decode()
    assert 'data-extension="101"' in html and "Alice" in html and "+19195550100" in html
    assert 'data-send-sms="allowed"' in html and "inbound “Main line”" in html


def test_list_orders_numbers_by_length_then_digits(client_a, tenant_a, admin_a):
    with tenant_context(tenant_a):
        for number in ["1000", "20", "101"]:
            create_extension(user=admin_a, number=number)
    html = client_a.get(LIST).content.decode()
    assert html.index('data-extension="20"') < html.index('data-extension="101"') < html.index('data-extension="1000"')


def test_list_without_extensions_invites_to_add_one(client_a):
    response = client_a.get(LIST)
    assert response.status_code == 200 and b"No extensions yet" in response.content


def test_add_stores_the_extension_and_audits_it(client_a, tenant_a, acme_trunk):
    response = client_a.post(ADD, form_data(did="+19195550100", send_sms="allowed_with_sender_id",
                                            sender_id="(919) 555-0142"))
    assert response.status_code == 302 and response["Location"] == LIST
    with tenant_context(tenant_a):
        extension = Extension.objects.get()
        assert (extension.number, extension.did.number, extension.sender_id) == ("101", "+19195550100", "+19195550142")
        assert AuditEntry.objects.get().action == "create"


def test_did_choices_are_this_tenants_dids_with_their_trunk(client_a, alice):
    html = client_a.get(ADD).content.decode()
    assert '<option value="+19195550101">+19195550101 (trunk BW Raleigh)</option>' in html
    assert "No own DID" in html


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"number": "1"}, "number", "2 to 8 digits"),
        ({"number": "12ab"}, "number", "2 to 8 digits"),
        ({"number": "123456789"}, "number", ""),
        ({"number": ""}, "number", ""),
        ({"name": "x" * 101}, "name", "100"),
        ({"did": "+19195550199"}, "did", "valid choice"),
        ({"send_sms": "sometimes"}, "send_sms", "valid choice"),
        ({"send_sms": "allowed_with_sender_id"}, "sender_id", "Enter the sender ID"),
        ({"send_sms": "allowed_with_sender_id", "sender_id": "1234"}, "sender_id", "5–6 digit short code"),
        ({"send_sms": "allowed", "sender_id": "+19195550142"}, "sender_id", "only used with"),
    ],
)
def test_bad_field_is_shown_next_to_it_and_nothing_is_saved(client_a, tenant_a, acme_trunk, overrides, field, fragment):
    response = client_a.post(ADD, form_data(**overrides))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and fragment in " ".join(errors), response.context["form"].errors
    assert not in_acme(tenant_a, Extension.objects.exists)


def test_duplicate_number_and_taken_did_are_refused_naming_the_holder(client_a, tenant_a, alice):
    assert field_errors(client_a.post(ADD, form_data(name="Bob")), "number") == ["Extension 101 already exists."]
    response = client_a.post(ADD, form_data(number="102", name="Bob", did="+19195550100"))
    assert field_errors(response, "did") == ["+19195550100 is already the own DID of extension 101 “Alice”."]
    assert in_acme(tenant_a, Extension.objects.count) == 1


def test_edit_form_starts_with_the_stored_values(client_a, alice):
    form = client_a.get(f"/t/acme/extensions/{alice.pk}/").context["form"]
    assert (form["number"].value(), form["did"].value(), form["send_sms"].value()) == ("101", "+19195550100", "allowed")


def test_edit_saves_and_audits_the_changed_fields(client_a, tenant_a, alice):
    response = client_a.post(f"/t/acme/extensions/{alice.pk}/", form_data(did="+19195550101", send_sms="not_allowed"))
    assert response.status_code == 302
    with tenant_context(tenant_a):
        alice.refresh_from_db()
        assert (alice.did.number, alice.send_sms) == ("+19195550101", "not_allowed")
        assert AuditEntry.objects.get(action="update").changes == {
            "did": ["+19195550100", "+19195550101"], "send_sms": ["allowed", "not_allowed"],
        }


def test_edit_with_no_did_chosen_clears_the_own_did(client_a, tenant_a, alice):
    assert client_a.post(f"/t/acme/extensions/{alice.pk}/", form_data(did="")).status_code == 302
    with tenant_context(tenant_a):
        alice.refresh_from_db()
        assert alice.did is None


def test_unknown_extension_is_404(client_a):
    assert client_a.get("/t/acme/extensions/999999/").status_code == 404
    assert client_a.post("/t/acme/extensions/999999/delete/").status_code == 404


def test_delete_of_an_unused_extension_asks_then_deletes(client_a, tenant_a, alice):
    path = f"/t/acme/extensions/{alice.pk}/delete/"
    confirm = client_a.get(path)
    assert confirm.status_code == 200 and b"No SMS rule names this extension" in confirm.content
    assert client_a.post(path)["Location"] == LIST
    with tenant_context(tenant_a):
        assert not Extension.objects.exists() and AuditEntry.objects.filter(action="delete").exists()


def test_delete_names_the_shared_rules_it_will_be_taken_out_of(client_a, tenant_a, admin_a, alice, acme_config):
    with tenant_context(tenant_a):
        bob = create_extension(user=admin_a, number="102", name="Bob")
        rule = OutboundRule.objects.create(name="Local", sms_configuration=acme_config)
        rule.extensions.set([alice, bob])
    path = f"/t/acme/extensions/{alice.pk}/delete/"
    confirm = client_a.get(path).content.decode()
    assert 'data-testid="extension-in-rules"' in confirm and "“Local”" in confirm
    response = client_a.post(path, follow=True)
    assert "Extension 101 deleted and taken out of “Local”." in response.content.decode()
    with tenant_context(tenant_a):
        assert list(rule.extensions.values_list("number", flat=True)) == ["102"]


def test_delete_of_the_only_destination_of_an_inbound_rule_is_refused_naming_it(client_a, tenant_a, alice, acme_trunk):
    with tenant_context(tenant_a):
        rule = InboundRule.objects.create(name="Main line", trunk=acme_trunk, did_start="+19195550100",
                                          did_end="+19195550100")
        rule.extensions.set([alice])
    path = f"/t/acme/extensions/{alice.pk}/delete/"
    confirm = client_a.get(path)
    assert b'data-testid="extension-in-use"' in confirm.content and "“Main line”" in confirm.content.decode()
    assert b'class="danger"' not in confirm.content
    refused = client_a.post(path)
    assert refused.status_code == 409
    assert "only destination of inbound rule “Main line”" in refused.content.decode()
    with tenant_context(tenant_a):
        assert Extension.objects.exists() and not AuditEntry.objects.filter(action="delete").exists()


def test_admin_of_other_tenant_gets_404_on_every_extension_page_and_nothing_changes(client_b, tenant_a, alice):
    def rows():
        return list(Extension.objects.values()) + list(AuditEntry.objects.values_list("id", flat=True))

    before = in_acme(tenant_a, rows)
    paths = [LIST, ADD, f"/t/acme/extensions/{alice.pk}/", f"/t/acme/extensions/{alice.pk}/delete/"]
    for path in paths:
        assert client_b.get(path).status_code == 404, path
        assert client_b.post(path, form_data(number="666", name="Hijacked")).status_code == 404, path
    assert in_acme(tenant_a, rows) == before
