"""messaging.services.configuration.rules: create, update, delete and move inbound and outbound rules, audited."""

import pytest
from django_tenants.utils import tenant_context

from messaging.exceptions import ConfigurationInvalid
from messaging.models import AuditEntry, Extension, InboundRule, OutboundRule, SmsConfiguration
from messaging.services.configuration import rules
from messaging.services.configuration.trunks import create_trunk
from tests.messaging.factories import configuration_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("acme_schema", "alice_and_bob")]

Sender = OutboundRule.Sender


def inbound(user, trunk, name="Main line", did="+19195550100", extensions=("101",), **values) -> InboundRule:
    return rules.create_inbound_rule(user=user, name=name, trunk=trunk, did=did, extensions=extensions, **values)


def outbound(user, configuration, name="Local", **values) -> OutboundRule:
    return rules.create_outbound_rule(user=user, name=name, sms_configuration=configuration, **values)


def refusal(call) -> ConfigurationInvalid:
    with pytest.raises(ConfigurationInvalid) as refused:
        call()
    return refused.value


def numbers(rule) -> list[str]:
    return list(rule.extensions.values_list("number", flat=True))


def orders(model) -> list[tuple[str, int]]:
    return list(model.objects.order_by("order", "id").values_list("name", "order"))


# Inbound rules


def test_inbound_rule_stores_a_single_did_as_both_ends(admin_a, acme_trunk):
    rule = inbound(admin_a, acme_trunk, did="(919) 555-0100", caller_mask="+1 919 *** ****", extensions=["101", "102"])
    assert (rule.did_start, rule.did_end, rule.caller_mask) == ("+19195550100", "+19195550100", "+1919*******")
    assert numbers(rule) == ["101", "102"] and rule.enabled


def test_inbound_rule_stores_a_range_in_e164(admin_a, acme_trunk):
    rule = inbound(admin_a, acme_trunk, did="919-555-0100 - 919-555-0199")
    assert (rule.did_start, rule.did_end) == ("+19195550100", "+19195550199")


def test_inbound_rule_needs_at_least_one_extension(admin_a, acme_trunk):
    error = refusal(lambda: inbound(admin_a, acme_trunk, extensions=[]))
    assert (error.field, error.code) == ("extensions", "required")
    assert not InboundRule.objects.exists()


def test_unknown_extension_is_named(admin_a, acme_trunk):
    error = refusal(lambda: inbound(admin_a, acme_trunk, extensions=["101", "109"]))
    assert (error.field, error.message) == ("extensions", "Extension 109 does not exist.")
    error = refusal(lambda: inbound(admin_a, acme_trunk, extensions=["108", "109"]))
    assert error.message == "Extensions 108, 109 do not exist."


def test_extension_listed_twice_is_refused(admin_a, acme_trunk):
    assert refusal(lambda: inbound(admin_a, acme_trunk, extensions=["101", "101"])).code == "duplicate"


def test_did_must_be_a_did_of_the_trunk_or_a_range_holding_one(admin_a, acme_trunk):
    error = refusal(lambda: inbound(admin_a, acme_trunk, did="+19195550150"))
    assert error.field == "did"
    assert error.message.startswith("No DID of trunk “BW Raleigh” is +19195550150: choose one of its DIDs")
    error = refusal(lambda: inbound(admin_a, acme_trunk, did="+19195550150-+19195550199"))
    assert "lies in +19195550150-+19195550199" in error.message
    assert inbound(admin_a, acme_trunk, did="+19195550101-+19195550150").did_end == "+19195550150"


def test_did_of_a_trunk_of_another_tenant_does_not_count(tenant_a, admin_a, acme_trunk, tenant_b, admin_b):
    with tenant_context(tenant_b):
        create_trunk(user=admin_b, name="Globex", host="192.0.2.50", numbers=["+19195550150"])
    with tenant_context(tenant_a):
        assert refusal(lambda: inbound(admin_a, acme_trunk, did="+19195550150")).field == "did"


def test_bad_did_and_caller_mask_are_refused_on_their_fields(admin_a, acme_trunk):
    assert refusal(lambda: inbound(admin_a, acme_trunk, did="+19195550199-+19195550100")).field == "did"
    assert refusal(lambda: inbound(admin_a, acme_trunk, caller_mask="1919***")).field == "caller_mask"


@pytest.mark.parametrize(("name", "fragment"), [("", "Enter a name"), ("x" * 65, "64"), ("main LINE", "already")])
def test_inbound_rule_name_is_required_short_and_unique(admin_a, acme_trunk, name, fragment):
    inbound(admin_a, acme_trunk)
    error = refusal(lambda: inbound(admin_a, acme_trunk, name=name))
    assert error.field == "name" and fragment in error.message


def test_inbound_and_outbound_rules_may_share_a_name(admin_a, acme_trunk, acme_config):
    inbound(admin_a, acme_trunk, name="Sales")
    assert outbound(admin_a, acme_config, name="Sales").name == "Sales"


def test_create_is_audited_with_trunk_and_extensions_by_name(admin_a, acme_trunk):
    inbound(admin_a, acme_trunk, extensions=["102", "101"])
    entry = AuditEntry.objects.get(object_type="inbound rule")
    assert entry.action == "create" and entry.user == admin_a
    assert entry.changes["trunk"] == [None, "BW Raleigh"]
    assert entry.changes["extensions"] == [None, ["101", "102"]]
    assert entry.changes["did_start"] == [None, "+19195550100"] and entry.changes["order"] == [None, 10]


def test_inbound_update_changes_what_is_given_and_audits_it(admin_a, acme_trunk):
    rule = inbound(admin_a, acme_trunk)
    rules.update_inbound_rule(user=admin_a, rule=rule, did="+19195550100-+19195550101", extensions=["102"])
    rule.refresh_from_db()
    assert (rule.did_start, rule.did_end, rule.name, numbers(rule)) == (
        "+19195550100", "+19195550101", "Main line", ["102"]
    )
    assert AuditEntry.objects.get(action="update").changes == {
        "did_end": ["+19195550100", "+19195550101"], "extensions": [["101"], ["102"]],
    }


def test_inbound_update_that_changes_nothing_writes_no_entry(admin_a, acme_trunk):
    rule = inbound(admin_a, acme_trunk)
    rules.update_inbound_rule(user=admin_a, rule=rule, name="Main line", did="+19195550100", extensions=["101"])
    assert not AuditEntry.objects.filter(action="update").exists()


def test_moving_an_inbound_rule_to_a_trunk_without_its_did_is_refused(admin_a, acme_trunk):
    rule = inbound(admin_a, acme_trunk)
    other = create_trunk(user=admin_a, name="BW Durham", host="192.0.2.20", numbers=["+19195550150"])
    assert refusal(lambda: rules.update_inbound_rule(user=admin_a, rule=rule, trunk=other)).field == "did"
    rule.refresh_from_db()
    assert rule.trunk_id == acme_trunk.pk


def test_inbound_update_cannot_empty_the_extensions(admin_a, acme_trunk):
    rule = inbound(admin_a, acme_trunk)
    assert refusal(lambda: rules.update_inbound_rule(user=admin_a, rule=rule, extensions=[])).field == "extensions"
    assert numbers(rule) == ["101"]


# Outbound rules


def test_outbound_rule_without_extensions_is_for_every_extension(admin_a, acme_config):
    rule = outbound(admin_a, acme_config, destination_prefix="+1 919", destination_length=11)
    assert (rule.destination_prefix, rule.destination_length, rule.sender) == ("+1919", 11, Sender.CONFIGURATION)
    assert numbers(rule) == [] and rule.enabled


def test_prefix_longer_than_the_length_is_refused(admin_a, acme_config):
    error = refusal(lambda: outbound(admin_a, acme_config, destination_prefix="+191955501", destination_length=8))
    assert error.field == "destination_length" and "+191955501 has 9 digits, more than the length 8" in error.message


def test_bad_prefix_and_length_are_refused_on_their_fields(admin_a, acme_config):
    assert refusal(lambda: outbound(admin_a, acme_config, destination_prefix="1919")).field == "destination_prefix"
    assert refusal(lambda: outbound(admin_a, acme_config, destination_length=7)).field == "destination_length"


def test_sending_from_the_extensions_did_needs_a_did_on_every_chosen_extension(admin_a, acme_config):
    error = refusal(lambda: outbound(admin_a, acme_config, extensions=["101", "102"], sender=Sender.EXTENSION_DID))
    assert error.field == "sender" and error.message.startswith("Extension 102 has no own DID")
    assert outbound(admin_a, acme_config, extensions=["101"], sender=Sender.EXTENSION_DID).sender == "extension_did"


def test_sending_from_the_trunks_did_needs_a_trunk_with_a_did(admin_a, acme_config, acme_trunk):
    Extension.objects.update(did=None)
    acme_trunk.numbers.all().delete()
    error = refusal(lambda: outbound(admin_a, acme_config, sender=Sender.TRUNK_DID))
    assert error.field == "sender" and "has no DID to send from" in error.message


def test_unknown_sender_is_refused(admin_a, acme_config):
    assert refusal(lambda: outbound(admin_a, acme_config, sender="anyone")).field == "sender"


def test_configuration_of_another_tenant_is_refused(tenant_a, admin_a, tenant_b, admin_b):
    with tenant_context(tenant_b):
        trunk = create_trunk(user=admin_b, name="Globex", host="192.0.2.50", numbers=["+19195550150"])
        globex_config = SmsConfiguration.objects.create(**(configuration_data(trunk) | {"name": "Globex SMS"}))
    with tenant_context(tenant_a):
        assert refusal(lambda: outbound(admin_a, globex_config)).field == "sms_configuration"


def test_outbound_update_keeps_the_length_unless_given_and_none_means_any(admin_a, acme_config):
    rule = outbound(admin_a, acme_config, destination_prefix="+1", destination_length=11)
    rules.update_outbound_rule(user=admin_a, rule=rule, enabled=False)
    rule.refresh_from_db()
    assert (rule.destination_length, rule.enabled) == (11, False)
    rules.update_outbound_rule(user=admin_a, rule=rule, destination_length=None, extensions=["101"])
    rule.refresh_from_db()
    assert rule.destination_length is None and numbers(rule) == ["101"]
    last = AuditEntry.objects.filter(action="update").order_by("-id").first()
    assert last.changes == {"destination_length": [11, None], "extensions": [[], ["101"]]}


def test_outbound_update_checks_the_sender_against_the_stored_extensions(admin_a, acme_config):
    rule = outbound(admin_a, acme_config, extensions=["102"])
    error = refusal(lambda: rules.update_outbound_rule(user=admin_a, rule=rule, sender=Sender.EXTENSION_DID))
    assert error.field == "sender"


# Order, move, delete


def test_new_rules_go_last_in_steps_of_ten_unless_an_order_is_given(admin_a, acme_config):
    outbound(admin_a, acme_config, name="A")
    outbound(admin_a, acme_config, name="B")
    outbound(admin_a, acme_config, name="First", order=5)
    outbound(admin_a, acme_config, name="C")
    assert orders(OutboundRule) == [("First", 5), ("A", 10), ("B", 20), ("C", 30)]


@pytest.mark.parametrize("order", [-1, 2_147_483_648])
def test_order_outside_the_database_range_is_refused(admin_a, acme_config, order):
    assert refusal(lambda: outbound(admin_a, acme_config, order=order)).field == "order"


def test_move_up_swaps_with_the_rule_above_and_renumbers(admin_a, acme_config):
    for name, order in [("A", 5), ("B", 5), ("C", 70)]:
        outbound(admin_a, acme_config, name=name, order=order)
    rule = rules.move_rule(user=admin_a, rule=OutboundRule.objects.get(name="C"), direction="up")
    assert rule.order == 20
    assert orders(OutboundRule) == [("A", 10), ("C", 20), ("B", 30)]
    moved = AuditEntry.objects.filter(action="update").order_by("id")
    assert [(entry.object_repr, entry.changes) for entry in moved] == [
        ("A", {"order": [5, 10]}), ("C", {"order": [70, 20]}), ("B", {"order": [5, 30]}),
    ]


def test_move_down_swaps_with_the_rule_below(admin_a, acme_trunk):
    for name in ["A", "B", "C"]:
        inbound(admin_a, acme_trunk, name=name)
    rules.move_rule(user=admin_a, rule=InboundRule.objects.get(name="A"), direction="down")
    assert orders(InboundRule) == [("B", 10), ("A", 20), ("C", 30)]


def test_moving_the_first_rule_up_or_the_last_down_changes_no_position(admin_a, acme_trunk):
    for name in ["A", "B"]:
        inbound(admin_a, acme_trunk, name=name)
    rules.move_rule(user=admin_a, rule=InboundRule.objects.get(name="A"), direction="up")
    rules.move_rule(user=admin_a, rule=InboundRule.objects.get(name="B"), direction="down")
    assert orders(InboundRule) == [("A", 10), ("B", 20)]
    assert not AuditEntry.objects.filter(action="update").exists()


def test_inbound_and_outbound_rules_are_ordered_separately(admin_a, acme_trunk, acme_config):
    inbound(admin_a, acme_trunk, name="In A")
    outbound(admin_a, acme_config, name="Out A")
    outbound(admin_a, acme_config, name="Out B")
    rules.move_rule(user=admin_a, rule=OutboundRule.objects.get(name="Out B"), direction="up")
    assert orders(InboundRule) == [("In A", 10)]
    assert orders(OutboundRule) == [("Out B", 10), ("Out A", 20)]


def test_unknown_direction_is_refused(admin_a, acme_trunk):
    rule = inbound(admin_a, acme_trunk)
    assert refusal(lambda: rules.move_rule(user=admin_a, rule=rule, direction="sideways")).field == "direction"


def test_delete_removes_the_rule_and_audits_it(admin_a, acme_trunk, acme_config):
    rule = inbound(admin_a, acme_trunk)
    rules.delete_rule(user=admin_a, rule=rule)
    rules.delete_rule(user=admin_a, rule=outbound(admin_a, acme_config))
    assert not InboundRule.objects.exists() and not OutboundRule.objects.exists()
    assert Extension.objects.count() == 2
    deleted = AuditEntry.objects.filter(action="delete").order_by("id")
    assert [entry.object_type for entry in deleted] == ["inbound rule", "outbound rule"]
    assert deleted[0].changes["extensions"] == [["101"], None]
