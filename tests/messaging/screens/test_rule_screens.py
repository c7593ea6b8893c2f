"""The SMS rules page: both tables, add/edit/delete forms, move up/down; other tenants get 404."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, Extension, InboundRule, OutboundRule
from messaging.services.configuration import rules
from tests.messaging.factories import in_acme

pytestmark = pytest.mark.django_db

RULES = "/t/acme/rules/"
INBOUND_ADD, OUTBOUND_ADD = "/t/acme/rules/inbound/add/", "/t/acme/rules/outbound/add/"


@pytest.fixture
def main_line(tenant_a, acme_config, alice_and_bob, admin_a, acme_trunk) -> InboundRule:
    with tenant_context(tenant_a):
        return rules.create_inbound_rule(user=admin_a, name="Main line", trunk=acme_trunk,
                                         did="+19195550100-+19195550199", caller_mask="+1919*******",
                                         extensions=["101", "102"])


@pytest.fixture
def local(tenant_a, acme_config, alice_and_bob, admin_a) -> OutboundRule:
    with tenant_context(tenant_a):
        return rules.create_outbound_rule(user=admin_a, name="Local", sms_configuration=acme_config,
                                          extensions=["101"], destination_prefix="+1919", destination_length=11,
                                          sender="extension_did")


def inbound_data(trunk, /, **overrides) -> dict:
    return {"name": "Main line", "trunk": trunk.pk, "did": "+19195550100", "caller_mask": "",
            "enabled": "on", "extensions": ["101"], "order": ""} | overrides


def outbound_data(configuration, /, **overrides) -> dict:
    return {"name": "Local", "extensions": [], "destination_prefix": "", "destination_length": "",
            "sms_configuration": configuration.pk, "sender": "configuration", "order": "", "enabled": "on"} | overrides


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def names_in_order(tenant, model) -> list[str]:
    return in_acme(tenant, lambda: list(model.objects.values_list("name", flat=True)))


def test_page_shows_both_sections_and_the_unrouted_hint(client_a, main_line, local):
    html = client_a.get(RULES).content.decode()
    inbound = html[html.index('data-testid="inbound-rules"'):html.index('data-testid="outbound-rules"')]
    outbound = html[html.index('data-testid="outbound-rules"'):]
    assert "Main line" in inbound and "+19195550100" in inbound and "+19195550199" in inbound
    assert "+1919*******" in inbound and ">101<" in inbound and ">102<" in inbound
    assert "Local" in outbound and "+1919" in outbound and "11 digits" in outbound and "Main SMS" in outbound
    assert "The extension&#x27;s own DID" in outbound or "The extension's own DID" in outbound
    assert "Messages no inbound rule matches land in" in html and "Messages ▸ Unrouted" in html


def test_empty_page_says_what_is_missing(client_a, tenant_a):
    html = client_a.get(RULES).content.decode()
    assert "No inbound rules yet" in html and "No outbound rules yet" in html
    assert "add a trunk" in html and "add an extension" in html


def test_outbound_rule_without_extensions_is_shown_as_all_extensions(
    client_a, tenant_a, acme_config, alice_and_bob, admin_a
):
    with tenant_context(tenant_a):
        rules.create_outbound_rule(user=admin_a, name="Anyone", sms_configuration=acme_config)
    assert "all extensions" in client_a.get(RULES).content.decode()


def test_add_inbound_rule_stores_the_range_and_mask_normalised(
    client_a, tenant_a, acme_config, alice_and_bob, acme_trunk
):
    data = inbound_data(acme_trunk, did="919-555-0100 - 919-555-0199", caller_mask="+1 919 *** ****",
                        extensions=["101", "102"])
    response = client_a.post(INBOUND_ADD, data)
    assert response.status_code == 302 and response["Location"] == RULES + "#inbound-rules"
    with tenant_context(tenant_a):
        rule = InboundRule.objects.get()
        assert (rule.did_start, rule.did_end, rule.caller_mask) == ("+19195550100", "+19195550199", "+1919*******")
        assert list(rule.extensions.values_list("number", flat=True)) == ["101", "102"] and rule.order == 10
        assert AuditEntry.objects.filter(object_type="inbound rule", action="create").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": ""}, "name", ""),
        ({"name": "x" * 65}, "name", "64"),
        ({"trunk": ""}, "trunk", ""),
        ({"trunk": "999999"}, "trunk", "valid choice"),
        ({"did": ""}, "did", ""),
        ({"did": "+19195550199-+19195550100"}, "did", "A range goes upwards"),
        ({"did": "+19195550100-+442071838750"}, "did", "same number of digits"),
        ({"did": "+19195550150"}, "did", "No DID of trunk “BW Raleigh” is +19195550150"),
        ({"did": "sales"}, "did", "neither a phone number nor a range"),
        ({"caller_mask": "1919***"}, "caller_mask", "not a wildcard mask"),
        ({"caller_mask": "+19195550199-+19195550100"}, "caller_mask", "A range goes upwards"),
        ({"extensions": []}, "extensions", ""),
        ({"extensions": ["109"]}, "extensions", "valid choice"),
        ({"order": "-1"}, "order", ""),
    ],
)
def test_bad_inbound_field_is_shown_next_to_it(
    client_a, tenant_a, acme_config, alice_and_bob, acme_trunk, overrides, field, fragment
):
    response = client_a.post(INBOUND_ADD, inbound_data(acme_trunk, **overrides))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and fragment in " ".join(errors), response.context["form"].errors
    assert not in_acme(tenant_a, InboundRule.objects.exists)


def test_add_outbound_rule_stores_prefix_length_and_sender(client_a, tenant_a, acme_config, alice_and_bob):
    data = outbound_data(acme_config, extensions=["101"], destination_prefix="+1 919", destination_length="11",
                         sender="extension_did")
    response = client_a.post(OUTBOUND_ADD, data)
    assert response.status_code == 302 and response["Location"] == RULES + "#outbound-rules"
    with tenant_context(tenant_a):
        rule = OutboundRule.objects.get()
        assert (rule.destination_prefix, rule.destination_length, rule.sender) == ("+1919", 11, "extension_did")


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": ""}, "name", ""),
        ({"destination_prefix": "1919"}, "destination_prefix", "+ and 1 to 15 digits"),
        ({"destination_prefix": "+1234567890123456"}, "destination_prefix", "+ and 1 to 15 digits"),
        ({"destination_length": "7"}, "destination_length", "from 8 to 15"),
        ({"destination_length": "16"}, "destination_length", "from 8 to 15"),
        ({"destination_length": "eleven"}, "destination_length", ""),
        ({"destination_prefix": "+191955501", "destination_length": "8"}, "destination_length", "more than"),
        ({"sms_configuration": ""}, "sms_configuration", ""),
        ({"sender": "anyone"}, "sender", "valid choice"),
        ({"sender": "extension_did", "extensions": ["102"]}, "sender", "Extension 102 has no own DID"),
        ({"extensions": ["109"]}, "extensions", "valid choice"),
    ],
)
def test_bad_outbound_field_is_shown_next_to_it(
    client_a, tenant_a, acme_config, alice_and_bob, overrides, field, fragment
):
    response = client_a.post(OUTBOUND_ADD, outbound_data(acme_config, **overrides))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and fragment in " ".join(errors), response.context["form"].errors
    assert not in_acme(tenant_a, OutboundRule.objects.exists)


def test_duplicate_rule_name_is_refused_on_the_name_field(client_a, main_line, acme_trunk):
    response = client_a.post(INBOUND_ADD, inbound_data(acme_trunk, name="MAIN LINE"))
    assert field_errors(response, "name") == ["An inbound rule named “MAIN LINE” already exists."]


def test_edit_forms_start_with_the_stored_values(client_a, main_line, local):
    inbound = client_a.get(f"/t/acme/rules/inbound/{main_line.pk}/").context["form"]
    assert inbound["did"].value() == "+19195550100-+19195550199"
    assert inbound["caller_mask"].value() == "+1919*******" and inbound["extensions"].value() == ["101", "102"]
    outbound = client_a.get(f"/t/acme/rules/outbound/{local.pk}/").context["form"]
    assert (outbound["destination_prefix"].value(), outbound["sender"].value()) == ("+1919", "extension_did")


def test_edit_saves_and_audits_the_changed_fields(client_a, tenant_a, main_line, acme_trunk):
    data = inbound_data(acme_trunk, did="+19195550100-+19195550199", caller_mask="", extensions=["102"],
                        order="10")
    assert client_a.post(f"/t/acme/rules/inbound/{main_line.pk}/", data).status_code == 302
    with tenant_context(tenant_a):
        assert AuditEntry.objects.get(action="update").changes == {
            "caller_mask": ["+1919*******", ""], "extensions": [["101", "102"], ["102"]],
        }


def test_edit_with_an_empty_length_means_any_length(client_a, tenant_a, local, acme_config):
    data = outbound_data(acme_config, extensions=["101"], destination_prefix="+1919", sender="extension_did",
                         order="10")
    assert client_a.post(f"/t/acme/rules/outbound/{local.pk}/", data).status_code == 302
    with tenant_context(tenant_a):
        local.refresh_from_db()
        assert local.destination_length is None


def test_move_buttons_renumber_the_rules(client_a, tenant_a, acme_config, alice_and_bob, admin_a):
    with tenant_context(tenant_a):
        for name in ["A", "B", "C"]:
            rules.create_outbound_rule(user=admin_a, name=name, sms_configuration=acme_config)
        c = OutboundRule.objects.get(name="C")
    response = client_a.post(f"/t/acme/rules/outbound/{c.pk}/move/", {"direction": "up"})
    assert response.status_code == 302 and response["Location"] == RULES + "#outbound-rules"
    assert names_in_order(tenant_a, OutboundRule) == ["A", "C", "B"]
    client_a.post(f"/t/acme/rules/outbound/{c.pk}/move/", {"direction": "up"})
    assert in_acme(tenant_a, lambda: list(OutboundRule.objects.values_list("name", "order"))) == [
        ("C", 10), ("A", 20), ("B", 30)
    ]


def test_first_rule_has_move_up_disabled_and_last_has_move_down_disabled(
    client_a, tenant_a, acme_config, alice_and_bob, admin_a, acme_trunk
):
    with tenant_context(tenant_a):
        for name in ["A", "B"]:
            rules.create_inbound_rule(user=admin_a, name=name, trunk=acme_trunk, did="+19195550100",
                                      extensions=["101"])
    html = client_a.get(RULES).content.decode()
    assert html.count('aria-label="Move up" disabled') == 1 and html.count('aria-label="Move down" disabled') == 1


def test_move_is_post_only_and_a_bad_direction_changes_nothing(client_a, tenant_a, main_line):
    path = f"/t/acme/rules/inbound/{main_line.pk}/move/"
    assert client_a.get(path).status_code == 405
    response = client_a.post(path, {"direction": "sideways"}, follow=True)
    assert "“sideways” is not a direction" in response.content.decode()
    assert not in_acme(tenant_a, AuditEntry.objects.filter(action="update").exists)


def test_delete_asks_for_confirmation_then_deletes(client_a, tenant_a, main_line, local):
    for kind, rule, model in [("inbound", main_line, InboundRule), ("outbound", local, OutboundRule)]:
        path = f"/t/acme/rules/{kind}/{rule.pk}/delete/"
        confirm = client_a.get(path)
        assert confirm.status_code == 200 and b'type="submit" class="danger"' in confirm.content
        assert client_a.post(path)["Location"] == f"{RULES}#{kind}-rules"
        assert not in_acme(tenant_a, model.objects.exists)
    assert in_acme(tenant_a, Extension.objects.count) == 2
    assert in_acme(tenant_a, AuditEntry.objects.filter(action="delete").count) == 2


def test_unknown_rule_is_404(client_a, acme_config, alice_and_bob):
    for kind in ["inbound", "outbound"]:
        assert client_a.get(f"/t/acme/rules/{kind}/999999/").status_code == 404
        assert client_a.post(f"/t/acme/rules/{kind}/999999/delete/").status_code == 404
        assert client_a.post(f"/t/acme/rules/{kind}/999999/move/", {"direction": "up"}).status_code == 404


def test_admin_of_other_tenant_gets_404_on_every_rule_page_and_nothing_changes(
    client_b, tenant_a, main_line, local, acme_trunk, acme_config
):
    def rows():
        return (list(InboundRule.objects.values()) + list(OutboundRule.objects.values())
                + list(AuditEntry.objects.values_list("id", flat=True)))

    before = in_acme(tenant_a, rows)
    posts = {
        INBOUND_ADD: inbound_data(acme_trunk, name="Hijacked"),
        OUTBOUND_ADD: outbound_data(acme_config, name="Hijacked"),
        f"/t/acme/rules/inbound/{main_line.pk}/": inbound_data(acme_trunk, name="Hijacked"),
        f"/t/acme/rules/outbound/{local.pk}/": outbound_data(acme_config, name="Hijacked"),
        f"/t/acme/rules/inbound/{main_line.pk}/delete/": {},
        f"/t/acme/rules/outbound/{local.pk}/delete/": {},
        f"/t/acme/rules/inbound/{main_line.pk}/move/": {"direction": "down"},
        f"/t/acme/rules/outbound/{local.pk}/move/": {"direction": "down"},
        RULES: {},
    }
    for path, data in posts.items():
        assert client_b.get(path).status_code == 404, path
        assert client_b.post(path, data).status_code == 404, path
    assert in_acme(tenant_a, rows) == before
