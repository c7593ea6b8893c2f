"""The periodic refresh: one task per active tenant, each refreshing only its own numbers, one tenant's failure
leaving the others refreshed; and the send rate each number gets afterwards."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from messaging import tasks
from messaging.models import PhoneNumber, SmsConfiguration, Trunk
from messaging.services.compliance import registrations
from messaging.services.outbound import deliver
from tenants.models import Tenant
from tests.messaging.compliance.registration_helpers import campaigns_url, serve_campaigns
from tests.messaging.factories import APPLICATION_ID, DID, build_acme, make_message

GLOBEX_ACCOUNT, GLOBEX_DID = "9900456", "+12125550100"


@pytest.fixture(autouse=True)
def _unpaced(settings):
    settings.BANDWIDTH_CAMPAIGN_API_PER_MINUTE = 600_000


@pytest.fixture
def two_tenants(tenant_a, tenant_b, fresh_redis):
    with tenant_context(tenant_a):
        build_acme(tenant_a)
    with tenant_context(tenant_b):
        trunk = Trunk.objects.create(name="Globex", host="sip.bandwidth.example")
        PhoneNumber.objects.create(trunk=trunk, number=GLOBEX_DID)
        SmsConfiguration.objects.create(name="Globex SMS", trunk=trunk, account_id=GLOBEX_ACCOUNT,
                                        application_id=APPLICATION_ID, auth_type="oauth", username="globex-client",
                                        password="globex-secret")
    return tenant_a, tenant_b


def test_beat_queues_one_refresh_inside_each_active_tenant(db, monkeypatch, django_capture_on_commit_callbacks):
    from messaging import dispatch

    Tenant.objects.filter(slug="globex").update(is_active=False)
    published = []
    monkeypatch.setattr(dispatch, "publish", lambda name, args, kwargs, **options: published.append(
        (name, options["schema_name"])) or True)
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.refresh_number_registrations()
    active = set(Tenant.objects.customers().filter(is_active=True).values_list("schema_name", flat=True))
    assert queued == len(published) == len(active)
    assert set(published) == {("messaging.refresh_tenant_registrations", schema) for schema in active}
    assert ("messaging.refresh_tenant_registrations", "t_acme") in published
    assert ("messaging.refresh_tenant_registrations", "t_globex") not in published


def test_each_tenant_refreshes_its_own_numbers_and_one_failing_leaves_the_other_refreshed(two_tenants, bandwidth):
    acme, globex = two_tenants
    bandwidth.get(campaigns_url(), status=403, body="")
    serve_campaigns(bandwidth, {("CGLOBEX", "C", "ACTIVE"): [GLOBEX_DID, DID]}, account=GLOBEX_ACCOUNT)
    with tenant_context(acme):
        assert "Campaign Management role" in tasks.refresh_tenant_registrations()["errors"][0]
        assert PhoneNumber.objects.get(number=DID).registration_source == "typed"
    with tenant_context(globex):
        assert tasks.refresh_tenant_registrations()["updated"] == 1
        assert not PhoneNumber.objects.filter(number=DID).exists()  # Bandwidth's list names Acme's number: not here
        number = PhoneNumber.objects.get(number=GLOBEX_DID)
        assert (number.ten_dlc_status, number.campaign_id, number.campaign_class) == ("registered", "CGLOBEX", "C")
    with tenant_context(acme):
        assert PhoneNumber.objects.get(number=DID).campaign_id == ""


def test_a_tenant_whose_refresh_crashes_does_not_stop_the_next(two_tenants, bandwidth, eager, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    acme, globex = two_tenants
    serve_campaigns(bandwidth, {("CGLOBEX", "C", "ACTIVE"): [GLOBEX_DID]}, account=GLOBEX_ACCOUNT)
    real = registrations.refresh_registrations

    def crash_in_acme(**kwargs):
        if connection.schema_name == acme.schema_name:
            raise RuntimeError("a bug in Acme's data")
        return real(**kwargs)

    monkeypatch.setattr(registrations, "refresh_registrations", crash_in_acme)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_number_registrations()
    with tenant_context(globex):
        assert PhoneNumber.objects.get(number=GLOBEX_DID).ten_dlc_status == "registered"


def test_running_twice_gives_the_same_numbers(two_tenants, bandwidth):
    _acme, globex = two_tenants
    serve_campaigns(bandwidth, {("CGLOBEX", "C", "ACTIVE"): [GLOBEX_DID]}, account=GLOBEX_ACCOUNT)
    with tenant_context(globex):
        tasks.refresh_tenant_registrations()
        first = PhoneNumber.objects.values("ten_dlc_status", "campaign_id", "campaign_rate_per_second").get()
        tasks.refresh_tenant_registrations()
        assert PhoneNumber.objects.values("ten_dlc_status", "campaign_id", "campaign_rate_per_second").get() == first
        assert first["campaign_rate_per_second"] == pytest.approx(2400 / 60)


@pytest.mark.parametrize("own, campaign, expected_rate, expected_source", [
    (5.0, 2.0, 5.0, "set on the number"),
    (None, 2.0, 2.0, "10DLC class E"),
    (0.0, 2.0, 2.0, "10DLC class E"),
    (None, None, 0.5, "SMS_RATE_PER_NUMBER"),
])
def test_send_rate_precedence_own_then_campaign_class_then_setting(acme, settings, own, campaign, expected_rate,
                                                                    expected_source):
    settings.SMS_RATE_PER_NUMBER = 0.5
    PhoneNumber.objects.filter(number=DID).update(rate_per_second=own, campaign_rate_per_second=campaign,
                                                  campaign_class="E")
    loaded = deliver._load(make_message(acme).pk)
    assert deliver.rate_of(loaded.sender_rate) == expected_rate
    assert PhoneNumber.objects.get(number=DID).effective_rate == (expected_rate, expected_source)
