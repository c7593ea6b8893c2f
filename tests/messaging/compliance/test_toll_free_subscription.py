"""The toll-free verification webhook subscription: created once per account on refresh with generated
credentials (stored encrypted), left alone when right, repointed when the portal's address changed, and a
refusal kept as an error without stopping the refresh."""

import json

import pytest
from django.db import connection

from messaging.models import PhoneNumber, TollFreeSubscription
from messaging.services.compliance import registrations
from tests.messaging.compliance.registration_helpers import serve_campaigns, subscriptions_url, tfv_url

TOLL_FREE = "+18005550100"


@pytest.fixture(autouse=True)
def _unpaced(settings, public_portal):
    settings.BANDWIDTH_CAMPAIGN_API_PER_MINUTE = 600_000


@pytest.fixture
def toll_free(acme, bandwidth):
    PhoneNumber.objects.create(trunk=acme.trunk, number=TOLL_FREE, ten_dlc_status="not_applicable")
    serve_campaigns(bandwidth, {})
    bandwidth.get(tfv_url(TOLL_FREE), json={"status": "PENDING"})
    return acme


def expected_url(row: TollFreeSubscription, base: str) -> str:
    return f"{base}/webhooks/bandwidth/toll-free/acme/{row.token}/"


def test_the_first_refresh_subscribes_with_generated_credentials(toll_free, bandwidth, settings):
    bandwidth.get(subscriptions_url(), json={"data": []})
    created = bandwidth.post(subscriptions_url(), status=201, json={"id": "sub-1", "callbackUrl": "x"})
    registrations.refresh_registrations()
    row = TollFreeSubscription.objects.get()
    sent = json.loads(created.calls[0].request.body)
    assert created.calls[0].request.headers["Authorization"] == "Bearer token-1"
    assert sent == {"callbackUrl": expected_url(row, settings.PORTAL_BASE_URL),
                    "basicAuthentication": {"username": row.username, "password": row.password}}
    assert len(row.token) >= 43 and len(row.password) >= 32
    assert (row.subscription_id, row.error) == ("sub-1", "") and row.synced_at
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password FROM {TollFreeSubscription._meta.db_table}")
        assert row.password not in cursor.fetchone()[0]  # encrypted at rest
    assert PhoneNumber.objects.get(number=TOLL_FREE).toll_free_status == "pending"


def test_a_subscription_already_right_is_left_alone(toll_free, bandwidth, settings):
    bandwidth.get(subscriptions_url(), json={"data": []})
    bandwidth.post(subscriptions_url(), status=201, json={"id": "sub-1"})
    registrations.refresh_registrations()
    row = TollFreeSubscription.objects.get()
    bandwidth.replace("GET", subscriptions_url(), json={"data": [{
        "id": "sub-1", "callbackUrl": expected_url(row, settings.PORTAL_BASE_URL),
        "basicAuthentication": {"username": row.username, "password": None}}]})
    registrations.refresh_registrations()
    methods = [call.request.method for call in bandwidth.calls if "webhooks/subscriptions" in call.request.url]
    assert methods == ["GET", "POST", "GET"]
    assert TollFreeSubscription.objects.get().token == row.token


def test_a_new_portal_address_repoints_the_subscription(toll_free, bandwidth, settings):
    bandwidth.get(subscriptions_url(), json={"data": []})
    bandwidth.post(subscriptions_url(), status=201, json={"id": "sub-1"})
    registrations.refresh_registrations()
    row = TollFreeSubscription.objects.get()
    old = expected_url(row, settings.PORTAL_BASE_URL)
    settings.PORTAL_BASE_URL = "https://sms.example.org"
    bandwidth.replace("GET", subscriptions_url(), json={"data": [{
        "id": "sub-1", "callbackUrl": old, "basicAuthentication": {"username": row.username, "password": None}}]})
    updated = bandwidth.put(f"{subscriptions_url()}/sub-1", json={"id": "sub-1"})
    registrations.refresh_registrations()
    body = json.loads(updated.calls[0].request.body)
    assert body["callbackUrl"] == expected_url(row, "https://sms.example.org")
    assert body["basicAuthentication"] == {"username": row.username, "password": row.password}
    assert TollFreeSubscription.objects.get().callback_url == body["callbackUrl"]


@pytest.mark.parametrize("status, said", [(403, "TFV role"), (500, "Try again")])
def test_a_refused_subscription_is_recorded_and_the_statuses_are_still_read(toll_free, bandwidth, status, said):
    bandwidth.get(subscriptions_url(), status=status, json={"description": "no"})
    registrations.refresh_registrations()
    assert said in TollFreeSubscription.objects.get().error
    assert PhoneNumber.objects.get(number=TOLL_FREE).toll_free_status == "pending"


def test_no_toll_free_number_no_subscription(acme, bandwidth):
    serve_campaigns(bandwidth, {})
    registrations.refresh_registrations()
    assert not any("webhooks/subscriptions" in call.request.url for call in bandwidth.calls)
    assert not TollFreeSubscription.objects.exists()


def test_a_portal_bandwidth_cannot_reach_is_not_subscribed_and_says_why(toll_free, bandwidth, settings):
    settings.PORTAL_BASE_URL = "http://192.168.1.20:8000"
    registrations.refresh_registrations()
    assert not any("webhooks/subscriptions" in call.request.url for call in bandwidth.calls)
    assert "PORTAL_BASE_URL" in TollFreeSubscription.objects.get().error
    assert PhoneNumber.objects.get(number=TOLL_FREE).toll_free_status == "pending"  # still read
