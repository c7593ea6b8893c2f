"""Refreshing the tenant's numbers from Bandwidth: campaign membership and its status mapping, toll-free
verification, and typed values kept (with the error recorded) whenever Bandwidth cannot be asked."""

import pytest
import redis
import requests

from messaging.models import PhoneNumber, SmsConfiguration, Trunk
from messaging.services.compliance import registrations
from messaging.services.configuration.trunks import NumberEntry, update_trunk
from messaging.services.outbound import rate_limit
from tests.messaging.compliance.registration_helpers import (
    campaigns_url,
    campaigns_xml,
    serve_campaigns,
    tfv_url,
    tns_url,
)
from tests.messaging.factories import ACCOUNT, APPLICATION_ID, DID, OTHER_DID

TOLL_FREE, OTHER_TOLL_FREE = "+18005550100", "+18885550111"


@pytest.fixture(autouse=True)
def _unpaced(settings):
    settings.BANDWIDTH_CAMPAIGN_API_PER_MINUTE = 600_000  # the pacing has its own test


def number(e164: str) -> PhoneNumber:
    return PhoneNumber.objects.get(number=e164)


def test_a_number_in_an_active_campaign_is_registered_with_its_class_and_share_of_the_rate(acme, bandwidth):
    serve_campaigns(bandwidth, {("C3DER", "Campaign-E", "Active"): [DID, "+19195550177"], ("CX9", "T", "EXPIRED"): []})
    result = registrations.refresh_registrations()
    did = number(DID)
    assert (did.ten_dlc_status, did.campaign_id, did.campaign_class, did.campaign_status) == (
        "registered", "C3DER", "E", "ACTIVE")
    assert did.campaign_rate_per_second == pytest.approx(240 / 60 / 2)  # class E's 240/min shared by 2 numbers
    assert did.registration_source == "bandwidth" and did.registration_checked_at and did.registration_error == ""
    assert (result.accounts, result.updated, result.errors) == (1, 2, [])


def test_a_number_in_no_campaign_is_not_registered_and_loses_its_typed_campaign(acme, bandwidth):
    PhoneNumber.objects.filter(number=OTHER_DID).update(campaign_id="CTYPED")
    serve_campaigns(bandwidth, {("C3DER", "E", "ACTIVE"): [DID]})
    registrations.refresh_registrations()
    other = number(OTHER_DID)
    assert (other.ten_dlc_status, other.campaign_id, other.registration_source) == ("not_registered", "", "bandwidth")
    assert other.campaign_rate_per_second is None


@pytest.mark.parametrize("status, expected", [
    ("ACTIVE", "registered"), ("Active", "registered"), ("PENDING", "pending"), ("REVIEW", "pending"),
    ("PENDING_REVIEW", "pending"), ("EXPIRED", "not_registered"), ("DEACTIVATED", "not_registered"),
    ("REJECTED", "not_registered"), ("", "not_registered"),
])
def test_campaign_status_mapping(status, expected):
    assert registrations.map_campaign_status(status) == expected


def test_a_pending_campaign_gives_no_class_rate(acme, bandwidth):
    serve_campaigns(bandwidth, {("CP1", "A", "PENDING"): [DID]})
    registrations.refresh_registrations()
    did = number(DID)
    assert (did.ten_dlc_status, did.campaign_status, did.campaign_rate_per_second) == ("pending", "PENDING", None)


def test_a_number_in_an_active_and_an_expired_campaign_counts_as_registered(acme, bandwidth):
    serve_campaigns(bandwidth, {("CACT", "E", "ACTIVE"): [DID], ("COLD", "E", "EXPIRED"): [DID]})
    registrations.refresh_registrations()
    assert (number(DID).ten_dlc_status, number(DID).campaign_id) == ("registered", "CACT")


def test_403_keeps_the_typed_values_and_records_the_missing_role(acme, bandwidth):
    PhoneNumber.objects.filter(number=DID).update(campaign_id="CTYPED")
    bandwidth.get(campaigns_url(), status=403, body="")
    result = registrations.refresh_registrations()
    did = number(DID)
    assert (did.ten_dlc_status, did.campaign_id, did.registration_source) == ("registered", "CTYPED", "typed")
    assert "Campaign Management role" in did.registration_error
    assert did.registration_checked_at is None
    assert result.updated == 0 and "Campaign Management role" in result.errors[0]


@pytest.mark.parametrize("answer", [
    {"status": 401, "body": ""}, {"status": 429, "body": ""}, {"status": 500, "body": ""},
    {"body": requests.ConnectionError("refused")}, {"body": "<not xml"},
])
def test_bandwidth_trouble_never_overwrites_what_is_known(acme, bandwidth, answer):
    serve_campaigns(bandwidth, {("C3DER", "E", "ACTIVE"): [DID]})
    registrations.refresh_registrations()
    bandwidth.replace("GET", campaigns_url(), **answer)
    registrations.refresh_registrations()
    did = number(DID)
    assert (did.ten_dlc_status, did.campaign_id, did.registration_source) == ("registered", "C3DER", "bandwidth")
    assert did.registration_error


def test_a_failing_campaign_number_list_keeps_every_number_as_it_was(acme, bandwidth):
    bandwidth.get(campaigns_url(), body=campaigns_xml(("C3DER", "E", "ACTIVE")))
    bandwidth.get(tns_url("C3DER"), status=503, body="")
    registrations.refresh_registrations()
    assert (number(OTHER_DID).ten_dlc_status, number(OTHER_DID).registration_source) == ("registered", "typed")
    assert number(OTHER_DID).registration_error


def test_a_success_clears_the_earlier_error(acme, bandwidth):
    PhoneNumber.objects.filter(number=DID).update(registration_error="old trouble")
    serve_campaigns(bandwidth, {("C3DER", "E", "ACTIVE"): [DID]})
    registrations.refresh_registrations()
    assert number(DID).registration_error == ""


def add_toll_free(acme, *numbers: str) -> None:
    for e164 in numbers:
        PhoneNumber.objects.create(trunk=acme.trunk, number=e164, ten_dlc_status="not_applicable")


def test_toll_free_verification_is_stored_with_the_decline_reason(acme, bandwidth):
    add_toll_free(acme, TOLL_FREE, OTHER_TOLL_FREE)
    serve_campaigns(bandwidth, {})
    bandwidth.get(tfv_url(TOLL_FREE), json={"phoneNumber": TOLL_FREE, "status": "UNVERIFIED",
                                            "declineReasonDescription": "Opt-in not shown", "resubmitAllowed": True})
    bandwidth.get(tfv_url(OTHER_TOLL_FREE), status=404, json={"description": "not found"})
    registrations.refresh_registrations()
    first, second = number(TOLL_FREE), number(OTHER_TOLL_FREE)
    assert (first.toll_free_status, first.toll_free_detail) == ("unverified", "Opt-in not shown (resubmission allowed)")
    assert (second.toll_free_status, second.toll_free_detail) == ("not_submitted", "")
    assert first.ten_dlc_status == "not_applicable" and first.registration_source == "bandwidth"


def test_toll_free_403_is_asked_once_and_recorded_on_every_toll_free_number(acme, bandwidth):
    add_toll_free(acme, TOLL_FREE, OTHER_TOLL_FREE)
    serve_campaigns(bandwidth, {("C3DER", "E", "ACTIVE"): [DID]})
    refused = bandwidth.get(tfv_url(TOLL_FREE), status=403, json={"description": "forbidden"})
    other = bandwidth.get(tfv_url(OTHER_TOLL_FREE), json={"status": "VERIFIED"})
    result = registrations.refresh_registrations()
    assert refused.call_count == 1 and other.call_count == 0
    for e164 in (TOLL_FREE, OTHER_TOLL_FREE):
        assert number(e164).toll_free_status == "" and "TFV role" in number(e164).registration_error
    assert number(DID).ten_dlc_status == "registered" and number(DID).registration_error == ""
    assert any("TFV role" in error for error in result.errors)


def test_one_toll_free_number_failing_does_not_stop_the_next(acme, bandwidth):
    add_toll_free(acme, TOLL_FREE, OTHER_TOLL_FREE)
    serve_campaigns(bandwidth, {})
    bandwidth.get(tfv_url(TOLL_FREE), status=500, body="")
    bandwidth.get(tfv_url(OTHER_TOLL_FREE), json={"status": "PENDING"})
    registrations.refresh_registrations()
    assert number(TOLL_FREE).registration_error and number(OTHER_TOLL_FREE).toll_free_status == "pending"


def test_an_account_used_by_two_configurations_is_asked_once(acme, bandwidth):
    second = Trunk.objects.create(name="BW Durham", host="sip2.bandwidth.example")
    PhoneNumber.objects.create(trunk=second, number="+19195550177")
    SmsConfiguration.objects.create(name="Second", trunk=second, account_id=ACCOUNT, application_id=APPLICATION_ID,
                                    auth_type="oauth", username="client-id-123",
                                    password=acme.configuration.password)
    serve_campaigns(bandwidth, {("C3DER", "E", "ACTIVE"): ["+19195550177"]})
    result = registrations.refresh_registrations()
    assert result.accounts == 1
    assert sum(1 for call in bandwidth.calls if call.request.url == campaigns_url()) == 1
    assert number("+19195550177").ten_dlc_status == "registered"


def test_numbers_of_a_trunk_no_configuration_uses_are_left_alone(acme, bandwidth):
    lone = Trunk.objects.create(name="Lone", host="sip3.bandwidth.example")
    PhoneNumber.objects.create(trunk=lone, number="+19195550188", campaign_id="CTYPED")
    serve_campaigns(bandwidth, {("C3DER", "E", "ACTIVE"): [DID]})
    registrations.refresh_registrations()
    lone_number = number("+19195550188")
    assert (lone_number.campaign_id, lone_number.registration_source) == ("CTYPED", "typed")


def test_typing_a_status_over_bandwidths_makes_it_typed_again(acme, bandwidth, admin_a):
    serve_campaigns(bandwidth, {("C3DER", "E", "ACTIVE"): [DID]})
    registrations.refresh_registrations()
    update_trunk(user=admin_a, trunk=acme.trunk, numbers=[NumberEntry(DID, "pending", "CMINE"), OTHER_DID])
    assert (number(DID).ten_dlc_status, number(DID).registration_source) == ("pending", "typed")
    assert number(OTHER_DID).registration_source == "bandwidth"  # untouched by the admin


def test_campaign_management_calls_are_paced_per_account(settings, monkeypatch):
    settings.BANDWIDTH_CAMPAIGN_API_PER_MINUTE = 30
    rate_limit.reset("campaign-api:7777777")
    waits: list[float] = []
    monkeypatch.setattr(registrations.time, "sleep", waits.append)
    pace = registrations.campaign_api_pacer("7777777")
    for _ in range(3):
        pace()
    rate_limit.reset("campaign-api:7777777")
    assert len(waits) == 2  # the first call goes at once
    assert 1.5 < waits[0] <= 2.0 and 3.5 < waits[1] <= 4.0


def test_with_redis_unreachable_a_press_still_queues_the_refresh(acme, published, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise redis.ConnectionError("Redis is restarting")

    monkeypatch.setattr(registrations.cache, "add", down)
    with django_capture_on_commit_callbacks(execute=True):
        assert registrations.queue_refresh() is True
    assert [name for name, _args, _kwargs in published] == ["messaging.refresh_tenant_registrations"]
