"""Connect to Bandwidth and Repair: create vs update vs 404 → create, the location search, the order of writes when a
call fails, the new callback credentials at Bandwidth and at our webhook."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context

from messaging.exceptions import BandwidthRefused, ConfigurationInvalid, ConnectionNotAllowed, LocationNeeded
from messaging.models import AuditEntry, SmsConfiguration
from messaging.services.configuration import bandwidth_connect, sms_configurations
from tests.messaging.bandwidth_connect_helpers import (
    APP_URL,
    DASHBOARD,
    NEW_APP_ID,
    SETTINGS_URL,
    application_xml,
    basic,
    fake_connect,
    fake_locations,
    sent_credentials,
)
from tests.messaging.factories import APPLICATION_ID, callback, path_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_portal")]


@pytest.fixture
def config(acme_config, acme_schema):
    return SmsConfiguration.objects.get(pk=acme_config.pk)


def writes(bandwidth):
    return [(call.request.method, call.request.url) for call in bandwidth.calls if call.request.method != "GET"
            and "oauth2" not in call.request.url]


def test_connect_updates_the_existing_application_and_assigns_it_to_the_location(bandwidth, config, admin_a):
    write, assign = fake_connect(bandwidth, existing=True)
    bandwidth_connect.connect(config, actor=admin_a)

    user, password = sent_credentials(write)
    stored = SmsConfiguration.objects.get(pk=config.pk)
    assert write.calls[0].request.method == "PUT"
    body = ET.fromstring(write.calls[0].request.body)
    assert body.findtext("AppName") == "Acme Corp – Main SMS"
    assert body.findtext("InboundCallbackUrl") == body.findtext("OutboundCallbackUrl") == \
        sms_configurations.webhook_url(config)
    assert (stored.callback_username, stored.callback_password) == (user, password)
    assert user.startswith("bw-") and len(password) >= 24
    assert ET.fromstring(assign.calls[0].request.body).findtext("HttpMessagingV2AppId") == APPLICATION_ID
    assert (stored.application_id, stored.bandwidth_site_id, stored.bandwidth_sip_peer_id) == (
        APPLICATION_ID, "399", "500")
    assert stored.connected_at is not None and stored.drift == [] and stored.drift_error == ""


def test_connect_creates_an_application_when_bandwidth_has_none_with_that_id(bandwidth, config, admin_a):
    write, assign = fake_connect(bandwidth, existing=False)
    bandwidth_connect.connect(config, actor=admin_a)
    assert write.call_count == 1 and write.calls[0].request.method == "POST"
    assert SmsConfiguration.objects.get(pk=config.pk).application_id == NEW_APP_ID
    assert ET.fromstring(assign.calls[0].request.body).findtext("HttpMessagingV2AppId") == NEW_APP_ID


def test_a_voice_application_id_gets_a_messaging_application_of_its_own(bandwidth, config, admin_a):
    fake_locations(bandwidth)
    bandwidth.get(APP_URL, body=application_xml(service_type="Voice-V2"))
    created = bandwidth.post(f"{DASHBOARD}/applications", status=201, body=application_xml(NEW_APP_ID))
    bandwidth.put(SETTINGS_URL, body="")
    bandwidth_connect.connect(config, actor=admin_a)
    assert created.call_count == 1
    assert SmsConfiguration.objects.get(pk=config.pk).application_id == NEW_APP_ID


def test_callbacks_signed_with_the_new_credentials_are_accepted_and_the_old_refused(
        bandwidth, client, tenant_a, acme_trunk, admin_a):
    with tenant_context(tenant_a):
        config = sms_configurations.create_configuration(user=admin_a, **{
            "name": "Main SMS", "trunk": acme_trunk, "account_id": "9900123", "application_id": APPLICATION_ID,
            "username": "client-id", "password": "client-secret-xyz",
            "callback_username": "old-user", "callback_password": "old-callback-password"})
        path = path_of(sms_configurations.webhook_url(config))
        write, _ = fake_connect(bandwidth)
        bandwidth_connect.connect(config, actor=admin_a)
    user, password = sent_credentials(write)
    payload = json.dumps(callback("message-delivered"))
    old = client.post(path, payload, content_type="application/json",
                      HTTP_AUTHORIZATION=basic("old-user", "old-callback-password"))
    new = client.post(path, payload, content_type="application/json", HTTP_AUTHORIZATION=basic(user, password))
    assert old.status_code == 401
    assert new.status_code == 200


def test_connect_is_audited_without_the_callback_password(bandwidth, config, admin_a):
    write, _ = fake_connect(bandwidth)
    bandwidth_connect.connect(config, actor=admin_a)
    _, password = sent_credentials(write)
    entries = AuditEntry.objects.filter(object_id=str(config.pk)).order_by("-pk")[:2]
    text = json.dumps([entry.changes for entry in entries], ensure_ascii=False)
    assert "assigned to Main (399) ▸ PBX (500)" in text and "callback_username" in text
    assert password not in text
    assert all(entry.user_id == admin_a.pk for entry in entries)


def test_several_locations_holding_the_numbers_ask_for_a_choice_and_change_nothing(bandwidth, config, admin_a,
                                                                                   second_did):
    fake_locations(bandwidth, peers=(("500", "PBX", ("9195550100",)), ("501", "Backup", ("9195550101",))))
    with pytest.raises(LocationNeeded) as caught:
        bandwidth_connect.connect(config, actor=admin_a)
    assert [loc.sip_peer_id for loc in caught.value.locations] == ["500", "501"]
    assert "Several Bandwidth locations" in caught.value.message
    assert writes(bandwidth) == []
    assert SmsConfiguration.objects.get(pk=config.pk).callback_username == ""


def test_no_location_holding_the_numbers_offers_every_location(bandwidth, config, admin_a):
    fake_locations(bandwidth, peers=(("500", "PBX", ("2052160148",)),))
    with pytest.raises(LocationNeeded) as caught:
        bandwidth_connect.connect(config, actor=admin_a)
    assert [loc.sip_peer_id for loc in caught.value.locations] == ["500"]
    assert "+19195550100" in caught.value.message and "Main (399) ▸ PBX (500)" in caught.value.message
    assert writes(bandwidth) == []


def test_trunk_numbers_the_found_location_lacks_are_shown_as_drift_after_connect(
        bandwidth, config, admin_a, second_did):
    fake_connect(bandwidth)  # SIP peer 500 holds +19195550100 only
    bandwidth_connect.connect(config, actor=admin_a)
    assert SmsConfiguration.objects.get(pk=config.pk).drift == [{
        "what": "Trunk numbers on SIP peer 500", "expected": "+19195550100, +19195550101", "found": "+19195550100"}]


def test_a_chosen_location_is_used_without_searching_the_numbers(bandwidth, config, admin_a):
    fake_locations(bandwidth, peers=(("500", "PBX", ()),))
    bandwidth.get(APP_URL, body=application_xml())
    bandwidth.put(APP_URL, body=application_xml())
    assign = bandwidth.put(SETTINGS_URL, body="")
    bandwidth_connect.connect(config, actor=admin_a, site_id="399", sip_peer_id="500")
    assert assign.call_count == 1
    assert not [call for call in bandwidth.calls if call.request.url.split("?")[0].endswith("/tns")]


def test_an_unknown_chosen_location_is_refused_before_anything_is_written(bandwidth, config, admin_a):
    fake_locations(bandwidth)
    with pytest.raises(ConfigurationInvalid) as caught:
        bandwidth_connect.connect(config, actor=admin_a, site_id="399", sip_peer_id="777")
    assert caught.value.field == "sip_peer_id" and "no SIP peer 777 on site 399" in caught.value.message
    assert writes(bandwidth) == []


@pytest.mark.parametrize(("site_id", "sip_peer_id"), [
    ("399\x00", "500"), ("399", "\ud800"), ("9" * 10_000, "500"), ("399", ""), ("../x", "500"),
])
def test_odd_location_ids_are_field_errors_and_bandwidth_is_not_called(
        bandwidth, config, admin_a, site_id, sip_peer_id):
    with pytest.raises(ConfigurationInvalid) as caught:
        bandwidth_connect.connect(config, actor=admin_a, site_id=site_id, sip_peer_id=sip_peer_id)
    assert set(caught.value.fields) <= {"site_id", "sip_peer_id"} and caught.value.fields
    assert len(bandwidth.calls) == 0


def test_a_refused_application_write_changes_nothing_here(bandwidth, config, admin_a):
    fake_locations(bandwidth)
    bandwidth.get(APP_URL, body=application_xml())
    bandwidth.put(APP_URL, status=403, body="")
    with pytest.raises(BandwidthRefused) as caught:
        bandwidth_connect.connect(config, actor=admin_a)
    assert "Number & Account Management role" in caught.value.message and caught.value.http_status == 502
    stored = SmsConfiguration.objects.get(pk=config.pk)
    assert (stored.callback_username, stored.connected_at) == ("", None)


def test_a_failed_assignment_keeps_the_new_application_and_credentials_and_says_so(bandwidth, config, admin_a):
    fake_locations(bandwidth)
    bandwidth.get(APP_URL, status=404, body="")
    write = bandwidth.post(f"{DASHBOARD}/applications", status=201, body=application_xml(NEW_APP_ID))
    bandwidth.put(SETTINGS_URL, status=503, body="")
    with pytest.raises(BandwidthRefused) as caught:
        bandwidth_connect.connect(config, actor=admin_a)
    assert NEW_APP_ID in caught.value.message and "could not be assigned" in caught.value.message
    stored = SmsConfiguration.objects.get(pk=config.pk)
    assert stored.application_id == NEW_APP_ID  # Connect again updates it: no orphan application
    assert stored.callback_username == sent_credentials(write)[0]
    assert stored.connected_at is None


@pytest.mark.parametrize("status", [401, 429, 500])
def test_bandwidth_errors_during_the_search_are_refusals_in_plain_words(bandwidth, config, admin_a, status):
    bandwidth.get(f"{DASHBOARD}/sites", status=status, body="")
    with pytest.raises(BandwidthRefused) as caught:
        bandwidth_connect.connect(config, actor=admin_a)
    assert caught.value.message and "client-secret" not in caught.value.message
    assert writes(bandwidth) == []


def test_a_disabled_configuration_is_not_connected(bandwidth, config, admin_a):
    SmsConfiguration.objects.filter(pk=config.pk).update(enabled=False)
    with pytest.raises(ConnectionNotAllowed):
        bandwidth_connect.connect(SmsConfiguration.objects.get(pk=config.pk), actor=admin_a)
    assert len(bandwidth.calls) == 0


def test_a_legacy_user_past_the_cutoff_is_refused_with_the_notice(bandwidth, config, admin_a):
    SmsConfiguration.objects.filter(pk=config.pk).update(auth_type="legacy")
    with override_settings(BANDWIDTH_LEGACY_CUTOFF=__import__("datetime").date(2020, 1, 1)):
        with pytest.raises(ConnectionNotAllowed) as caught:
            bandwidth_connect.connect(SmsConfiguration.objects.get(pk=config.pk), actor=admin_a)
        assert caught.value.message == SmsConfiguration.legacy_cutoff_notice()
    assert len(bandwidth.calls) == 0


def test_a_long_name_is_cut_to_bandwidths_limit(config, tenant_a):
    config.name = "A" * 64
    name = bandwidth_connect.application_name(config)
    assert len(name) == bandwidth_connect.APP_NAME_MAX and name.startswith("Acme Corp – AAA") and name.endswith("…")


def test_repair_writes_again_to_the_stored_location_with_new_credentials(bandwidth, config, admin_a):
    write, assign = fake_connect(bandwidth)
    bandwidth_connect.connect(config, actor=admin_a)
    first_user = sent_credentials(write)[0]
    SmsConfiguration.objects.filter(pk=config.pk).update(drift=[{"what": "x", "expected": "a", "found": "b"}])
    repaired = bandwidth_connect.repair(SmsConfiguration.objects.get(pk=config.pk), actor=admin_a)
    assert write.call_count == 2 and assign.call_count == 2
    assert sent_credentials(write)[0] != first_user
    assert repaired.drift == [] and SmsConfiguration.objects.get(pk=config.pk).drift == []


def test_repair_of_a_configuration_never_connected_says_use_connect(bandwidth, config, admin_a):
    with pytest.raises(ConnectionNotAllowed) as caught:
        bandwidth_connect.repair(config, actor=admin_a)
    assert "Connect to Bandwidth" in caught.value.message


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000", "http://localhost:8000", "https://10.0.0.5",
                                      "http://[::1]:8000", "http://169.254.1.1"])
def test_connect_refuses_to_point_bandwidth_at_an_address_it_cannot_reach(bandwidth, config, admin_a, settings,
                                                                           base_url):
    settings.PORTAL_BASE_URL = base_url
    with pytest.raises(ConnectionNotAllowed, match="PORTAL_BASE_URL"):
        bandwidth_connect.connect(config, actor=admin_a)
    assert not [call for call in bandwidth.calls if "oauth2" not in call.request.url]  # Bandwidth never asked
    assert SmsConfiguration.objects.get(pk=config.pk).connected_at is None

