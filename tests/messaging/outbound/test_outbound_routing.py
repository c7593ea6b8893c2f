"""outbound_route: which rule, configuration and sender number a send uses, and every refusal's wording."""

from datetime import date

import pytest

from messaging.exceptions import MessageInvalid, SendRefused
from messaging.models import OutboundRule, SmsConfiguration
from messaging.services.outbound.routing import outbound_route
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT

pytestmark = pytest.mark.django_db

UK = "+442071838750"


def other_configuration(acme, name="International", **fields) -> SmsConfiguration:
    return SmsConfiguration.objects.create(
        name=name, trunk=acme.trunk, account_id="9900123", application_id="app-2", username="id",
        password="secret-value-1234", **fields,
    )


def rule(acme, name, **fields) -> OutboundRule:
    fields.setdefault("sms_configuration", acme.configuration)
    return OutboundRule.objects.create(name=name, **fields)


def test_destinations_are_normalised_to_e164_and_deduplicated(acme):
    route = outbound_route(extension=acme.ext.sales, to=["(919) 555-0199", "+1 919 555 0199", "19195550198"])
    assert route.to == [RECIPIENT, "+19195550198"]
    assert route.rule == acme.rule
    assert route.configuration == acme.configuration


def test_a_recipient_that_is_not_a_number_is_invalid_not_refused(acme):
    with pytest.raises(MessageInvalid) as refused:
        outbound_route(extension=acme.ext.sales, to=["hello"])
    assert refused.value.field == "to"
    with pytest.raises(MessageInvalid, match="at least one recipient"):
        outbound_route(extension=acme.ext.sales, to=[])


def test_lowest_order_wins_then_lowest_id(acme):
    international = other_configuration(acme)
    first = rule(acme, "All, first", order=5, sms_configuration=international)
    rule(acme, "All, same order later id", order=5)
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).rule == first


def test_disabled_rules_are_skipped(acme):
    rule(acme, "Disabled", order=1, enabled=False, sms_configuration=other_configuration(acme))
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).rule == acme.rule


def test_a_rule_listing_extensions_applies_only_to_them(acme):
    only_bare = rule(acme, "Only 104", order=1, sms_configuration=other_configuration(acme))
    only_bare.extensions.set([acme.ext.bare])
    assert outbound_route(extension=acme.ext.bare, to=[RECIPIENT]).rule == only_bare
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).rule == acme.rule


def test_prefix_without_plus_and_length_are_both_checked(acme):
    acme.rule.delete()
    raleigh = rule(acme, "Raleigh", destination_prefix="1919", destination_length=11)
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).rule == raleigh
    with pytest.raises(SendRefused, match=r"No outbound rule lets extension 101 send to \+12125550100\."):
        outbound_route(extension=acme.ext.sales, to=["+12125550100"])


def test_no_rule_names_the_extension_and_the_unmatched_destination(acme):
    with pytest.raises(SendRefused) as refused:
        outbound_route(extension=acme.ext.sales, to=[RECIPIENT, UK])
    assert refused.value.message == f"No outbound rule lets extension 101 send to {UK}."
    assert (refused.value.code, refused.value.field, refused.value.http_status) == ("no_rule", "to", 409)


def test_every_destination_must_match_the_same_rule(acme):
    rule(acme, "UK", destination_prefix="+44", order=20)
    assert outbound_route(extension=acme.ext.sales, to=[UK]).rule.name == "UK"
    with pytest.raises(SendRefused, match="No single outbound rule lets extension 101 send to all of"):
        outbound_route(extension=acme.ext.sales, to=[RECIPIENT, UK])


def test_extension_not_allowed_to_send_is_refused(acme):
    with pytest.raises(SendRefused) as refused:
        outbound_route(extension=acme.ext.blocked, to=[RECIPIENT])
    assert refused.value.message == "Extension 102 may not send SMS/MMS."
    assert refused.value.code == "not_allowed"


def test_sender_is_the_configuration_sender_id_else_the_trunks_first_did(acme):
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).from_number == DID
    acme.configuration.sender_id = "+19195550142"
    acme.configuration.save()
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).from_number == "+19195550142"


def test_sender_can_be_the_extensions_did_or_the_trunks_did(acme):
    acme.configuration.sender_id = "+19195550142"
    acme.configuration.save()
    acme.rule.sender = OutboundRule.Sender.EXTENSION_DID
    acme.rule.save()
    acme.ext.sales.did = acme.trunk.numbers.get(number=OTHER_DID)
    acme.ext.sales.save()
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).from_number == OTHER_DID
    acme.rule.sender = OutboundRule.Sender.TRUNK_DID
    acme.rule.save()
    assert outbound_route(extension=acme.ext.sales, to=[RECIPIENT]).from_number == DID


def test_extension_did_rule_for_an_extension_without_did_is_refused(acme):
    acme.rule.sender = OutboundRule.Sender.EXTENSION_DID
    acme.rule.save()
    with pytest.raises(SendRefused) as refused:
        outbound_route(extension=acme.ext.bare, to=[RECIPIENT])
    assert "says 'The extension's own DID' but extension 104 has no DID" in refused.value.message


def test_extension_allowed_with_sender_id_sends_from_it(acme):
    assert outbound_route(extension=acme.ext.chooser, to=[RECIPIENT]).from_number == OTHER_DID


def test_disabled_configuration_is_refused(acme):
    acme.configuration.enabled = False
    acme.configuration.save()
    with pytest.raises(SendRefused) as refused:
        outbound_route(extension=acme.ext.sales, to=[RECIPIENT])
    assert refused.value.message == "SMS configuration Main SMS is disabled: it sends nothing."


def test_retired_legacy_credentials_are_refused(acme, settings):
    settings.BANDWIDTH_LEGACY_CUTOFF = date(2020, 1, 1)
    acme.configuration.auth_type = SmsConfiguration.AuthType.LEGACY
    acme.configuration.save()
    with pytest.raises(SendRefused, match="legacy API user stopped working on January 1, 2020") as no:
        outbound_route(extension=acme.ext.sales, to=[RECIPIENT])
    refused = no
    assert refused.value.code == "legacy_retired"
