import pytest
from django_tenants.utils import tenant_context

from messaging.models import Extension, InboundRule
from messaging.services.inbound.routing import caller_matches, inbound_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        extensions = {n: Extension.objects.create(number=n) for n in ("100", "101", "102", "103", "104")}

        def rule(name, did_start, did_end, ext, caller_mask="", order=100, enabled=True):
            created = InboundRule.objects.create(name=name, trunk=acme_trunk, did_start=did_start, did_end=did_end,
                                                 caller_mask=caller_mask, order=order, enabled=enabled)
            created.extensions.add(extensions[ext])
            return created

        rule("whole block", "+19195550100", "+19195550199", "100")
        rule("one DID", "+19195550150", "+19195550150", "101")
        rule("one DID, VIP caller", "+19195550150", "+19195550150", "102", caller_mask="+14155550123")
        rule("one DID, Raleigh callers", "+19195550150", "+19195550150", "103", caller_mask="+1919*******")
        rule("disabled exact", "+19195550160", "+19195550160", "104", enabled=False)
        yield acme_trunk


def route(trunk, did, caller):
    return [e.number for e in inbound_route(trunk_id=trunk.pk, did=did, caller=caller).extensions]


def test_the_most_specific_rule_wins(rules):
    assert route(rules, "+19195550150", "+14155550123") == ["102"]  # exact caller beats wildcard and any
    assert route(rules, "+19195550150", "+19195550777") == ["103"]  # wildcard beats any caller
    assert route(rules, "+19195550150", "+12125550100") == ["101"]  # single DID beats the block
    assert route(rules, "+19195550151", "+12125550100") == ["100"]  # only the block matches


def test_disabled_rules_are_skipped_and_nothing_matching_means_unrouted(rules):
    assert route(rules, "+19195550160", "+12125550100") == ["100"]
    assert route(rules, "+19195550200", "+12125550100") == []


def test_ties_go_by_order(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        first, second = Extension.objects.create(number="1"), Extension.objects.create(number="2")
        late = InboundRule.objects.create(name="late", trunk=acme_trunk, did_start="+19195550100",
                                          did_end="+19195550100", order=20)
        late.extensions.add(second)
        early = InboundRule.objects.create(name="early", trunk=acme_trunk, did_start="+19195550100",
                                           did_end="+19195550100", order=10)
        early.extensions.add(first)
        assert route(acme_trunk, "+19195550100", "+12125550100") == ["1"]


@pytest.mark.parametrize(
    ("mask", "caller", "matches"),
    [
        ("", "+12125550100", True),
        ("+12125550100", "+12125550100", True),
        ("+12125550100", "+12125550101", False),
        ("+12125550100-+12125550199", "+12125550150", True),
        ("+12125550100-+12125550199", "+12125550200", False),
        ("+1212*******", "+12125559999", True),
        ("+1212*******", "+1212555999", False),
        ("+1212*******", "+13125559999", False),
    ],
)
def test_caller_masks(mask, caller, matches):
    assert caller_matches(mask, caller) is matches
