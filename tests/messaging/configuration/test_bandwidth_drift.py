"""The drift check: what differs between Bandwidth's application and location and what the portal expects, what it
cannot read (errors keep the previous drift), and the periodic task across tenants."""

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging import tasks
from messaging.models import PhoneNumber, SmsConfiguration, Trunk
from messaging.services.configuration import bandwidth_connect, sms_configurations
from tests.messaging.bandwidth_connect_helpers import (
    APP_URL,
    SETTINGS_URL,
    TNS_URL,
    application_xml,
    settings_xml,
    tns_xml,
)
from tests.messaging.factories import APPLICATION_ID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_portal")]
PREVIOUS = [{"what": "Inbound callback URL", "expected": "a", "found": "b"}]


@pytest.fixture
def connected(acme_config, acme_schema):
    SmsConfiguration.objects.filter(pk=acme_config.pk).update(
        callback_username="bw-cafe", callback_password="p" * 32, bandwidth_site_id="399",
        bandwidth_sip_peer_id="500", connected_at=timezone.now(),
    )
    return SmsConfiguration.objects.get(pk=acme_config.pk)


def fake_bandwidth_as_expected(bandwidth, config, **changes):
    values = {"url": sms_configurations.webhook_url(config), "user": "bw-cafe"} | changes
    bandwidth.get(APP_URL, body=application_xml(**values))
    bandwidth.get(SETTINGS_URL, body=settings_xml(APPLICATION_ID))
    bandwidth.get(TNS_URL, body=tns_xml("9195550100"))


def test_nothing_differs(bandwidth, connected):
    fake_bandwidth_as_expected(bandwidth, connected)
    checked = bandwidth_connect.check_drift(connected)
    stored = SmsConfiguration.objects.get(pk=connected.pk)
    assert stored.drift == [] and stored.drift_error == "" and stored.drift_checked_at is not None
    assert checked.drift == []


@pytest.mark.parametrize(("changes", "what", "found"), [
    ({"url": "https://elsewhere.example/hook"}, "Inbound callback URL", "https://elsewhere.example/hook"),
    ({"user": "someone-else"}, "Inbound callback username", "someone-else"),
    ({"user": ""}, "Status callback username", "(none)"),
    ({"types": ("message-delivered",)}, "Status callback events", "message-delivered"),
    ({"service_type": "Voice-V2"}, "Service type", "Voice-V2"),
])
def test_each_application_difference_is_listed(bandwidth, connected, changes, what, found):
    fake_bandwidth_as_expected(bandwidth, connected, **changes)
    drift = bandwidth_connect.check_drift(connected).drift
    assert {"what": what, "expected": drift_expected(drift, what), "found": found} in drift


def drift_expected(drift, what):
    return next(item["expected"] for item in drift if item["what"] == what)


def test_a_location_pointing_at_another_application_is_drift(bandwidth, connected):
    bandwidth.get(APP_URL, body=application_xml(url=sms_configurations.webhook_url(connected), user="bw-cafe"))
    bandwidth.get(SETTINGS_URL, body="<ApplicationsSettingsResponse/>")
    bandwidth.get(TNS_URL, body=tns_xml("9195550100"))
    assert bandwidth_connect.check_drift(connected).drift == [{
        "what": "Messaging application of SIP peer 500 (site 399)", "expected": APPLICATION_ID, "found": "(none)"}]


def test_trunk_numbers_missing_from_the_location_are_drift(bandwidth, connected, second_did):
    bandwidth.get(APP_URL, body=application_xml(url=sms_configurations.webhook_url(connected), user="bw-cafe"))
    bandwidth.get(SETTINGS_URL, body=settings_xml(APPLICATION_ID))
    bandwidth.get(TNS_URL, body=tns_xml("9195550100"))
    assert bandwidth_connect.check_drift(connected).drift == [{
        "what": "Trunk numbers on SIP peer 500", "expected": "+19195550100, +19195550101", "found": "+19195550100"}]


def test_an_application_deleted_at_bandwidth_is_drift(bandwidth, connected):
    bandwidth.get(APP_URL, status=404, body="")
    assert bandwidth_connect.check_drift(connected).drift == [
        {"what": "Messaging application", "expected": APPLICATION_ID, "found": "not found at Bandwidth"}]


@pytest.mark.parametrize(("status", "words"), [
    (401, "refused it for this account"), (403, "Number & Account Management role"), (503, "could not be reached"),
    (429, "too many requests"),
])
def test_when_bandwidth_cannot_be_asked_the_error_is_kept_with_the_previous_drift(bandwidth, connected, status, words):
    SmsConfiguration.objects.filter(pk=connected.pk).update(drift=PREVIOUS)
    connected.refresh_from_db()
    bandwidth.get(APP_URL, status=status, body="")
    bandwidth_connect.check_drift(connected)
    stored = SmsConfiguration.objects.get(pk=connected.pk)
    assert words in stored.drift_error and stored.drift == PREVIOUS and stored.drift_checked_at is not None


def test_a_later_good_check_clears_the_error(bandwidth, connected):
    SmsConfiguration.objects.filter(pk=connected.pk).update(drift_error="role missing", drift=PREVIOUS)
    connected.refresh_from_db()
    fake_bandwidth_as_expected(bandwidth, connected)
    bandwidth_connect.check_drift(connected)
    stored = SmsConfiguration.objects.get(pk=connected.pk)
    assert (stored.drift_error, stored.drift) == ("", [])


def test_a_check_answered_after_a_connect_changed_the_credentials_is_not_stored(bandwidth, connected):
    stale = SmsConfiguration.objects.get(pk=connected.pk)
    SmsConfiguration.objects.filter(pk=connected.pk).update(callback_username="bw-new")
    fake_bandwidth_as_expected(bandwidth, stale, user="bw-old")
    bandwidth_connect.check_drift(stale)
    assert SmsConfiguration.objects.get(pk=connected.pk).drift == []


def test_a_legacy_user_past_the_cutoff_is_an_error_not_a_call(bandwidth, connected, settings):
    import datetime

    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date(2020, 1, 1)
    SmsConfiguration.objects.filter(pk=connected.pk).update(auth_type="legacy")
    connected.refresh_from_db()
    bandwidth_connect.check_drift(connected)
    assert SmsConfiguration.objects.get(pk=connected.pk).drift_error == SmsConfiguration.legacy_cutoff_notice()
    assert not [call for call in bandwidth.calls if "dashboard" in call.request.url]


# --- the periodic task ------------------------------------------------------------------------------------------

GLOBEX_ACCOUNT = "9900456"
GLOBEX_DASHBOARD = f"{settings.BANDWIDTH_DASHBOARD_API_URL}/accounts/{GLOBEX_ACCOUNT}"


def connected_config(name, account, number, **extra):
    trunk = Trunk.objects.create(name=f"{name} trunk", host="sip.bandwidth.example")
    PhoneNumber.objects.create(trunk=trunk, number=number)
    config = sms_configurations.create_configuration(
        user=None, name=name, trunk=trunk, account_id=account, application_id=APPLICATION_ID,
        username=f"{name}-client", password="client-secret-xyz", callback_username="bw-cafe",
        callback_password="p" * 32,
    )
    SmsConfiguration.objects.filter(pk=config.pk).update(
        bandwidth_site_id="399", bandwidth_sip_peer_id="500", connected_at=timezone.now(), **extra)
    return config


def test_the_periodic_task_checks_every_tenant_and_one_failing_does_not_stop_the_other(
        bandwidth, tenant_a, tenant_b, published, django_capture_on_commit_callbacks):
    schemas = []
    published.on_publish = lambda name, args, schema_name: schemas.append((name, schema_name))
    with tenant_context(tenant_a):
        acme = connected_config("Acme SMS", "9900123", "+19195550100")
        connected_config("Acme off", "9900123", "+19195550111", enabled=False)
        acme_url = sms_configurations.webhook_url(acme)
    with tenant_context(tenant_b):
        globex = connected_config("Globex SMS", GLOBEX_ACCOUNT, "+12025550100")
        SmsConfiguration.objects.filter(pk=globex.pk).update(drift=PREVIOUS)
    # Acme's Bandwidth matches except its URL; Globex's account is down.
    bandwidth.get(APP_URL, body=application_xml(url="https://old.example/", user="bw-cafe"))
    bandwidth.get(SETTINGS_URL, body=settings_xml(APPLICATION_ID))
    bandwidth.get(TNS_URL, body=tns_xml("9195550100"))
    bandwidth.get(f"{GLOBEX_DASHBOARD}/applications/{APPLICATION_ID}", status=503, body="")

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.check_bandwidth_connections() >= 2
    assert {("messaging.check_tenant_bandwidth_connections", "t_acme"),
            ("messaging.check_tenant_bandwidth_connections", "t_globex")} <= set(schemas)
    for tenant in (tenant_b, tenant_a):  # the failing tenant first
        with tenant_context(tenant):
            assert tasks.check_tenant_bandwidth_connections() == 1
            tasks.check_tenant_bandwidth_connections()  # twice: same outcome

    with tenant_context(tenant_a):
        stored = SmsConfiguration.objects.get(pk=acme.pk)
        assert stored.drift == [
            {"what": "Inbound callback URL", "expected": acme_url, "found": "https://old.example/"},
            {"what": "Status callback URL", "expected": acme_url, "found": "https://old.example/"},
        ]
        assert SmsConfiguration.objects.get(name="Acme off").drift_checked_at is None
    with tenant_context(tenant_b):
        stored = SmsConfiguration.objects.get(pk=globex.pk)
        assert "could not be reached" in stored.drift_error and stored.drift == PREVIOUS

