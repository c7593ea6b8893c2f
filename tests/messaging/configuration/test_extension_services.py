"""messaging.services.configuration.extensions: create, update and delete extensions, audited; rules that name them."""

import pytest
from django_tenants.utils import tenant_context

from messaging.exceptions import MessagingError
from messaging.models import AuditEntry, Extension, InboundRule, OutboundRule
from messaging.services.configuration.extensions import create_extension, delete_extension, find_usage, update_extension
from messaging.services.configuration.trunks import create_trunk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("acme_schema", "second_did")]

SendSms = Extension.SendSms


def make(user, number="101", **values):
    return create_extension(user=user, number=number, **values)


def refusal(call) -> MessagingError:
    with pytest.raises(MessagingError) as refused:
        call()
    return refused.value


def inbound_rule(trunk, name, *extensions):
    rule = InboundRule.objects.create(name=name, trunk=trunk, did_start="+19195550100", did_end="+19195550100")
    rule.extensions.set(extensions)
    return rule


def outbound_rule(configuration, name, *extensions, sender=OutboundRule.Sender.CONFIGURATION):
    rule = OutboundRule.objects.create(name=name, sms_configuration=configuration, sender=sender)
    rule.extensions.set(extensions)
    return rule


def test_extension_is_stored_with_its_did_and_default_permission(admin_a):
    extension = make(admin_a, number=" 101 ", name=" Alice ", did="(919) 555-0100")
    assert (extension.number, extension.name, extension.did.number) == ("101", "Alice", "+19195550100")
    assert (extension.send_sms, extension.sender_id) == (SendSms.ALLOWED, "")


@pytest.mark.parametrize("number", ["1", "123456789", "10a", "+101", "1 01", ""])
def test_number_must_be_two_to_eight_digits(admin_a, number):
    assert refusal(lambda: make(admin_a, number=number)).field == "number"
    assert not Extension.objects.exists()


def test_number_is_unique_in_the_tenant(admin_a):
    make(admin_a)
    error = refusal(lambda: make(admin_a, name="Bob"))
    assert (error.field, error.message) == ("number", "Extension 101 already exists.")


def test_same_number_may_exist_in_another_tenant(admin_a, tenant_b, admin_b):
    make(admin_a)
    with tenant_context(tenant_b):
        assert make(admin_b).number == "101"


def test_name_longer_than_100_characters_is_refused(admin_a):
    assert refusal(lambda: make(admin_a, name="x" * 101)).field == "name"


def test_did_must_be_one_of_the_tenants_dids(admin_a):
    error = refusal(lambda: make(admin_a, did="+19195550199"))
    assert error.field == "did" and "+19195550199 is not a DID of this tenant" in error.message
    assert refusal(lambda: make(admin_a, did="12345")).field == "did"


def test_did_of_another_tenant_is_not_one_of_this_tenants(tenant_a, admin_a, tenant_b, admin_b):
    with tenant_context(tenant_b):
        create_trunk(user=admin_b, name="Globex", host="192.0.2.50", numbers=["+19195550150"])
    with tenant_context(tenant_a):
        assert refusal(lambda: make(admin_a, did="+19195550150")).field == "did"


def test_a_did_is_the_own_did_of_at_most_one_extension(admin_a):
    make(admin_a, name="Alice", did="+19195550100")
    error = refusal(lambda: make(admin_a, number="102", did="+19195550100"))
    assert error.field == "did"
    assert error.message == "+19195550100 is already the own DID of extension 101 “Alice”."


def test_sender_id_is_required_with_a_chosen_sender_id_and_normalised(admin_a):
    error = refusal(lambda: make(admin_a, send_sms=SendSms.ALLOWED_WITH_SENDER_ID))
    assert error.field == "sender_id"
    assert make(admin_a, send_sms=SendSms.ALLOWED_WITH_SENDER_ID, sender_id="919.555.0142").sender_id == \
        "+19195550142"
    assert make(admin_a, number="102", send_sms=SendSms.ALLOWED_WITH_SENDER_ID, sender_id=" 24273 ").sender_id == \
        "24273"


@pytest.mark.parametrize("sender_id", ["1234", "1234567", "+1919", "sales"])
def test_sender_id_that_is_neither_e164_nor_a_short_code_is_refused(admin_a, sender_id):
    error = refusal(lambda: make(admin_a, send_sms=SendSms.ALLOWED_WITH_SENDER_ID, sender_id=sender_id))
    assert error.field == "sender_id" and "E.164 or a 5–6 digit short code" in error.message


@pytest.mark.parametrize("send_sms", [SendSms.ALLOWED, SendSms.NOT_ALLOWED])
def test_sender_id_must_be_empty_unless_a_chosen_sender_id_is_allowed(admin_a, send_sms):
    assert refusal(lambda: make(admin_a, send_sms=send_sms, sender_id="+19195550142")).field == "sender_id"


def test_unknown_send_sms_setting_is_refused(admin_a):
    assert refusal(lambda: make(admin_a, send_sms="sometimes")).field == "send_sms"


def test_create_is_audited_with_the_did_as_a_number(admin_a):
    make(admin_a, name="Alice", did="+19195550100")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.user) == ("create", "extension", admin_a)
    assert entry.changes["did"] == [None, "+19195550100"] and entry.changes["number"] == [None, "101"]


def test_update_changes_what_is_given_and_audits_only_that(admin_a):
    extension = make(admin_a, name="Alice", did="+19195550100")
    update_extension(user=admin_a, extension=extension, name="Alice Smith")
    extension.refresh_from_db()
    assert (extension.name, extension.did.number) == ("Alice Smith", "+19195550100")
    assert AuditEntry.objects.get(action="update").changes == {"name": ["Alice", "Alice Smith"]}


def test_update_that_changes_nothing_writes_no_entry(admin_a):
    extension = make(admin_a, name="Alice")
    update_extension(user=admin_a, extension=extension, number="101", name="Alice", did=None)
    assert not AuditEntry.objects.filter(action="update").exists()


def test_update_may_keep_its_own_did_and_clear_it_with_none(admin_a):
    extension = make(admin_a, did="+19195550100")
    update_extension(user=admin_a, extension=extension, did="+19195550100")
    update_extension(user=admin_a, extension=extension, did=None)
    extension.refresh_from_db()
    assert extension.did is None
    assert AuditEntry.objects.get(action="update").changes == {"did": ["+19195550100", None]}


def test_leaving_the_chosen_sender_id_mode_clears_the_stored_sender_id(admin_a):
    extension = make(admin_a, send_sms=SendSms.ALLOWED_WITH_SENDER_ID, sender_id="+19195550142")
    update_extension(user=admin_a, extension=extension, send_sms=SendSms.NOT_ALLOWED)
    extension.refresh_from_db()
    assert (extension.send_sms, extension.sender_id) == (SendSms.NOT_ALLOWED, "")


def test_own_did_cannot_be_removed_while_an_outbound_rule_sends_from_it(admin_a, acme_config):
    extension = make(admin_a, did="+19195550100")
    outbound_rule(acme_config, "From own DID", extension, sender=OutboundRule.Sender.EXTENSION_DID)
    error = refusal(lambda: update_extension(user=admin_a, extension=extension, did=None))
    assert error.field == "did" and "Outbound rule “From own DID” sends from this extension's own DID" in error.message
    assert Extension.objects.get().did.number == "+19195550100"


def test_find_usage_tells_sole_from_shared_rules(admin_a, acme_trunk, acme_config):
    alice, bob = make(admin_a), make(admin_a, number="102")
    only_alice = inbound_rule(acme_trunk, "Only Alice", alice)
    both = inbound_rule(acme_trunk, "Both", alice, bob)
    usage = find_usage(extension=alice)
    assert (usage.sole_inbound, usage.shared_inbound, usage.sole_outbound) == ([only_alice], [both], [])
    assert usage.blocks_delete


def test_delete_refuses_when_it_is_the_only_destination_of_an_inbound_rule(admin_a, acme_trunk):
    alice = make(admin_a, name="Alice")
    inbound_rule(acme_trunk, "Main line", alice)
    error = refusal(lambda: delete_extension(user=admin_a, extension=alice))
    assert (error.code, error.http_status) == ("extension_in_use", 409)
    assert "Extension 101 “Alice” is the only destination of inbound rule “Main line”" in error.message
    assert Extension.objects.exists() and not AuditEntry.objects.filter(action="delete").exists()


def test_delete_refuses_when_an_outbound_rule_would_become_all_extensions(admin_a, acme_config):
    alice = make(admin_a)
    outbound_rule(acme_config, "Local", alice)
    outbound_rule(acme_config, "Mobile", alice)
    error = refusal(lambda: delete_extension(user=admin_a, extension=alice))
    assert "the only extension of outbound rules “Local”, “Mobile”" in error.message
    assert "apply to every extension" in error.message
    assert OutboundRule.objects.get(name="Local").extensions.count() == 1


def test_delete_names_inbound_and_outbound_rules_together(admin_a, acme_trunk, acme_config):
    alice = make(admin_a)
    inbound_rule(acme_trunk, "Main line", alice)
    outbound_rule(acme_config, "Local", alice)
    message = refusal(lambda: delete_extension(user=admin_a, extension=alice)).message
    assert "inbound rule “Main line”" in message and "outbound rule “Local”" in message


def test_delete_takes_the_extension_out_of_shared_rules_and_audits_them(admin_a, acme_trunk, acme_config):
    alice, bob = make(admin_a), make(admin_a, number="102")
    inbound = inbound_rule(acme_trunk, "Both in", alice, bob)
    outbound = outbound_rule(acme_config, "Both out", alice, bob)
    changed = delete_extension(user=admin_a, extension=alice)
    assert {rule.name for rule in changed} == {"Both in", "Both out"}
    assert not Extension.objects.filter(number="101").exists()
    assert list(inbound.extensions.values_list("number", flat=True)) == ["102"]
    assert list(outbound.extensions.values_list("number", flat=True)) == ["102"]
    updates = AuditEntry.objects.filter(action="update").order_by("object_type")
    assert [(entry.object_type, entry.changes) for entry in updates] == [
        ("inbound rule", {"extensions": [["101", "102"], ["102"]]}),
        ("outbound rule", {"extensions": [["101", "102"], ["102"]]}),
    ]
    assert AuditEntry.objects.get(action="delete").changes["number"] == ["101", None]


def test_delete_of_an_unused_extension_frees_its_did(admin_a):
    alice = make(admin_a, did="+19195550100")
    delete_extension(user=admin_a, extension=alice)
    assert make(admin_a, number="102", did="+19195550100").did.number == "+19195550100"
