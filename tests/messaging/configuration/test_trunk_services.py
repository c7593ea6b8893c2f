"""messaging.services.configuration.trunks: create, update and delete trunks with their DIDs, audited."""

import pytest

from messaging.exceptions import ConfigurationInvalid, TrunkInUse
from messaging.models import AuditEntry, PhoneNumber, SmsConfiguration, Trunk
from messaging.services.configuration.trunks import NumberEntry, create_trunk, delete_trunk, update_trunk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("acme_schema")]

Status = PhoneNumber.TenDlcStatus


def make_trunk(user, name="BW Raleigh", host="sip.bandwidth.example", numbers=()):
    return create_trunk(user=user, name=name, host=host, numbers=numbers)


def use_in_sms_configuration(trunk, name="Sales SMS"):
    return SmsConfiguration.objects.create(
        name=name, trunk=trunk, account_id="9900123", application_id="93de2206-9669-4e07-948d-329f4b722ee2",
        username="client-id", password="secret",
    )


def stored_numbers(trunk) -> list[str]:
    return list(trunk.numbers.values_list("number", flat=True))


def test_numbers_are_stored_in_e164_whatever_the_input_format(admin_a):
    trunk = make_trunk(admin_a, numbers=["(919) 555-0100", "+1 919 555 0101", "19195550102", "919.555.0103",
                                        "+44 20 7183 8750"])
    assert stored_numbers(trunk) == ["+19195550100", "+19195550101", "+19195550102", "+19195550103",
                                     "+442071838750"]


def test_new_numbers_default_to_not_registered_for_us_long_codes_else_not_applicable(admin_a):
    trunk = make_trunk(admin_a, numbers=["+19195550100", "+18005550100", "+442071838750"])
    statuses = dict(trunk.numbers.values_list("number", "ten_dlc_status"))
    assert statuses == {
        "+19195550100": Status.NOT_REGISTERED, "+18005550100": Status.NOT_APPLICABLE,
        "+442071838750": Status.NOT_APPLICABLE,
    }


def test_given_status_and_campaign_are_kept(admin_a):
    trunk = make_trunk(admin_a, numbers=[NumberEntry("+19195550100", Status.REGISTERED, "cabc123")])
    number = trunk.numbers.get()
    assert (number.ten_dlc_status, number.campaign_id) == (Status.REGISTERED, "CABC123")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("SIP.Bandwidth.Example.", "sip.bandwidth.example"),
        (" 10.0.0.2 ,2001:DB8::1, 10.0.0.2", "10.0.0.2, 2001:db8::1"),
        ("192.0.2.10", "192.0.2.10"),
    ],
)
def test_host_is_stored_normalised(admin_a, given, stored):
    assert make_trunk(admin_a, host=given).host == stored


@pytest.mark.parametrize(
    "host",
    ["", "sip bandwidth.example", "10.0.0.256", "1.2.3", "sip.example.com:5060", "10.0.0.1, sip.example.com",
     "-bad.example.com", "10.0.0.1,,10.0.0.2", "localhost", "http://sip.example.com"],
)
def test_bad_host_is_refused_on_the_host_field(admin_a, host):
    with pytest.raises(ConfigurationInvalid) as refused:
        make_trunk(admin_a, host=host)
    assert refused.value.field == "host"
    assert not Trunk.objects.exists()


@pytest.mark.parametrize("number", ["12345", "+1 919 555 01", "not a number", ""])
def test_bad_number_is_refused_and_nothing_is_written(admin_a, number):
    with pytest.raises(ConfigurationInvalid) as refused:
        make_trunk(admin_a, numbers=["+19195550100", number])
    assert refused.value.field == "numbers"
    assert not Trunk.objects.exists() and not PhoneNumber.objects.exists()


def test_number_listed_twice_is_refused(admin_a):
    with pytest.raises(ConfigurationInvalid, match=r"\+19195550100 is listed twice"):
        make_trunk(admin_a, numbers=["+19195550100", "(919) 555-0100"])


def test_number_of_another_trunk_is_refused_naming_that_trunk(admin_a):
    make_trunk(admin_a, name="BW Raleigh", numbers=["+19195550100"])
    with pytest.raises(ConfigurationInvalid) as refused:
        make_trunk(admin_a, name="BW Durham", numbers=["919-555-0100"])
    assert refused.value.field == "numbers"
    assert "+19195550100 already belongs to trunk “BW Raleigh”" in refused.value.message
    assert not Trunk.objects.filter(name="BW Durham").exists()


def test_duplicate_name_is_refused_regardless_of_case(admin_a):
    make_trunk(admin_a, name="BW Raleigh")
    with pytest.raises(ConfigurationInvalid) as refused:
        make_trunk(admin_a, name="bw raleigh")
    assert (refused.value.field, refused.value.code) == ("name", "duplicate")


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_empty_or_too_long_name_is_refused(admin_a, name):
    with pytest.raises(ConfigurationInvalid) as refused:
        make_trunk(admin_a, name=name)
    assert refused.value.field == "name"


def test_create_is_audited_with_its_fields_and_numbers(admin_a):
    trunk = make_trunk(admin_a, numbers=["+19195550100"])
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user, entry.object_id) == ("create", admin_a, str(trunk.pk))
    assert entry.changes["name"] == [None, "BW Raleigh"]
    assert entry.changes["host"] == [None, "sip.bandwidth.example"]
    assert entry.changes["numbers"] == [[], ["+19195550100 not_registered"]]


def test_update_replaces_numbers_and_audits_only_what_changed(admin_a):
    trunk = make_trunk(admin_a, numbers=["+19195550100", "+19195550101"])
    update_trunk(user=admin_a, trunk=trunk, host="sip2.bandwidth.example",
                 numbers=["+19195550101", NumberEntry("+19195550102", Status.PENDING, "CXYZ789")])
    assert stored_numbers(trunk) == ["+19195550101", "+19195550102"]
    entry = AuditEntry.objects.filter(action="update").get()
    assert set(entry.changes) == {"host", "numbers"}
    assert entry.changes["host"] == ["sip.bandwidth.example", "sip2.bandwidth.example"]
    assert entry.changes["numbers"] == [
        ["+19195550100 not_registered", "+19195550101 not_registered"],
        ["+19195550101 not_registered", "+19195550102 pending CXYZ789"],
    ]


def test_update_keeps_the_status_of_a_number_given_without_one(admin_a):
    trunk = make_trunk(admin_a, numbers=[NumberEntry("+19195550100", Status.REGISTERED, "CABC123")])
    update_trunk(user=admin_a, trunk=trunk, numbers=["+1 (919) 555-0100"])
    number = trunk.numbers.get()
    assert (number.ten_dlc_status, number.campaign_id) == (Status.REGISTERED, "CABC123")


def test_update_that_changes_nothing_writes_no_audit_entry(admin_a):
    trunk = make_trunk(admin_a, numbers=["+19195550100"])
    update_trunk(user=admin_a, trunk=trunk, name="BW Raleigh", host="SIP.bandwidth.example",
                 enabled=True, numbers=["+19195550100"])
    assert not AuditEntry.objects.filter(action="update").exists()


def test_update_to_another_trunks_name_is_refused(admin_a):
    make_trunk(admin_a, name="BW Raleigh")
    durham = make_trunk(admin_a, name="BW Durham")
    with pytest.raises(ConfigurationInvalid) as refused:
        update_trunk(user=admin_a, trunk=durham, name="BW Raleigh")
    assert refused.value.field == "name"
    durham.refresh_from_db()
    assert durham.name == "BW Durham"


def test_delete_removes_trunk_and_numbers_and_is_audited(admin_a):
    trunk = make_trunk(admin_a, numbers=["+19195550100"])
    trunk_id = trunk.pk
    delete_trunk(user=admin_a, trunk=trunk)
    assert not Trunk.objects.exists() and not PhoneNumber.objects.exists()
    entry = AuditEntry.objects.get(action="delete")
    assert entry.object_id == str(trunk_id)
    assert entry.changes["name"] == ["BW Raleigh", None]
    assert entry.changes["numbers"] == [["+19195550100 not_registered"], []]


def test_delete_of_a_trunk_in_use_is_refused_naming_the_configurations(admin_a):
    trunk = make_trunk(admin_a, numbers=["+19195550100"])
    use_in_sms_configuration(trunk, "Sales SMS")
    use_in_sms_configuration(trunk, "Support SMS")
    with pytest.raises(TrunkInUse) as refused:
        delete_trunk(user=admin_a, trunk=trunk)
    assert refused.value.http_status == 409
    assert "“Sales SMS”, “Support SMS”" in refused.value.message
    assert Trunk.objects.filter(pk=trunk.pk).exists() and PhoneNumber.objects.count() == 1
    assert not AuditEntry.objects.filter(action="delete").exists()
