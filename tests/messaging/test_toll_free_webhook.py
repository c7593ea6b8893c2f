"""POST /webhooks/bandwidth/toll-free/<slug>/<token>/: Bandwidth's toll-free verification callbacks, checked
(tenant, token, HTTP Basic), stored on the number before the 204, and refused with a 4xx when malformed."""

import base64
import json

import pytest
from django_tenants.utils import tenant_context

from messaging.models import PhoneNumber, TollFreeSubscription

TOLL_FREE, TOKEN, USER, PASSWORD = "+18005550100", "tok_" + "a" * 40, "bw-tfv-1", "s3cret-pass"
URL = f"/webhooks/bandwidth/toll-free/acme/{TOKEN}/"


def auth(user: str = USER, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def subscribed(tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        TollFreeSubscription.objects.create(account_id="9900123", token=TOKEN, username=USER, password=PASSWORD)
        PhoneNumber.objects.create(trunk=acme_trunk, number=TOLL_FREE, ten_dlc_status="not_applicable",
                                   toll_free_status="pending")
    return tenant_a


def post(client, body, *, authorization=None, raw=False):
    data = body if raw else json.dumps(body)
    return client.post(URL, data, content_type="application/json", HTTP_AUTHORIZATION=authorization or auth())


def number(tenant) -> PhoneNumber:
    with tenant_context(tenant):
        return PhoneNumber.objects.get(number=TOLL_FREE)


def test_verified_is_stored_before_the_204(client, subscribed):
    response = post(client, {"accountId": "9900123", "phoneNumber": TOLL_FREE, "status": "VERIFIED",
                             "internalTicketNumber": "acde070d-8c4c-4f0d-9d8a-162843c10333"})
    assert response.status_code == 204
    stored = number(subscribed)
    assert (stored.toll_free_status, stored.registration_source) == ("verified", "bandwidth")
    assert stored.registration_checked_at is not None


def test_a_denial_keeps_the_reasons(client, subscribed):
    response = post(client, {"phoneNumber": TOLL_FREE, "status": "UNVERIFIED", "resubmitAllowed": False,
                             "declineReasonDescription": "Invalid opt-in",
                             "additionalDenialReasons": [{"statusCode": 512, "reason": "No policy"}]})
    assert response.status_code == 204
    stored = number(subscribed)
    assert (stored.toll_free_status, stored.toll_free_detail) == (
        "unverified", "Invalid opt-in; No policy (resubmission not allowed)")


def test_a_failure_callback_is_recorded_as_the_numbers_error(client, subscribed):
    response = post(client, {"phoneNumber": TOLL_FREE, "errorCode": "400", "errorMessage": "cannot process request."})
    assert response.status_code == 204
    stored = number(subscribed)
    assert stored.toll_free_status == "pending" and "cannot process request." in stored.registration_error


def test_a_number_that_is_not_the_tenants_is_acknowledged(client, subscribed):
    assert post(client, {"phoneNumber": "+18885550199", "status": "VERIFIED"}).status_code == 204


@pytest.mark.parametrize("authorization", [None, auth(password="wrong"), auth(user="other"), "Bearer x", "Basic !!"])
def test_missing_or_wrong_credentials_get_the_challenge_and_store_nothing(client, subscribed, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.post(URL, json.dumps({"phoneNumber": TOLL_FREE, "status": "VERIFIED"}),
                           content_type="application/json", **headers)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic realm=")
    assert number(subscribed).toll_free_status == "pending"


@pytest.mark.parametrize("url", [
    "/webhooks/bandwidth/toll-free/acme/unknown-token/", f"/webhooks/bandwidth/toll-free/nope/{TOKEN}/",
    f"/webhooks/bandwidth/toll-free/globex/{TOKEN}/", "/webhooks/bandwidth/toll-free/acme/%00/",
    "/webhooks/bandwidth/toll-free/%ED%A0%80/x/", f"/webhooks/bandwidth/toll-free/acme/{'a' * 65}/",
])
def test_unknown_tenant_or_token_is_404(client, subscribed, tenant_b, url):
    response = client.post(url, json.dumps({"phoneNumber": TOLL_FREE, "status": "VERIFIED"}),
                           content_type="application/json", HTTP_AUTHORIZATION=auth())
    assert response.status_code == 404
    assert number(subscribed).toll_free_status == "pending"


@pytest.mark.parametrize("body", [
    "not json", "[]", json.dumps([{"phoneNumber": TOLL_FREE, "status": "VERIFIED"}]),
    json.dumps({"status": "VERIFIED"}), json.dumps({"phoneNumber": "+19195550100", "status": "VERIFIED"}),
    json.dumps({"phoneNumber": TOLL_FREE, "status": "MAYBE"}), json.dumps({"phoneNumber": TOLL_FREE}),
    json.dumps({"phoneNumber": TOLL_FREE, "status": "UNVERIFIED", "declineReasonDescription": "a\x00b"}),
    '{"phoneNumber": "' + TOLL_FREE + '", "status": "UNVERIFIED", "declineReasonDescription": "\\ud800"}',
    json.dumps({"phoneNumber": TOLL_FREE, "status": ["VERIFIED"]}),
    json.dumps({"phoneNumber": 18005550100, "status": "VERIFIED"}),
    '{"phoneNumber": 1e999999, "status": "VERIFIED"}',
    "\xff\xfe", "",
])
def test_malformed_bodies_are_400_and_store_nothing(client, subscribed, body):
    response = post(client, body, raw=True)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_body"
    assert number(subscribed).toll_free_status == "pending"


def test_an_over_long_reason_is_cut_not_refused(client, subscribed):
    response = post(client, {"phoneNumber": TOLL_FREE, "status": "UNVERIFIED", "declineReasonDescription": "x" * 5000})
    assert response.status_code == 204
    assert len(number(subscribed).toll_free_detail) == 500


def test_a_body_over_the_limit_is_413(client, subscribed, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100
    response = post(client, {"phoneNumber": TOLL_FREE, "status": "VERIFIED", "pad": "x" * 200})
    assert response.status_code == 413
    assert number(subscribed).toll_free_status == "pending"


def test_get_is_not_allowed(client, subscribed):
    assert client.get(URL).status_code == 405
