"""The simulator's toll-free verification API (JSON, bandwidth.yml): status, webhook subscriptions, and the
status callback an admin change sends to them."""

from __future__ import annotations

import base64

import pytest

from tests.devtools.simulator.conftest import ACCOUNT, CLIENT_ID, CLIENT_SECRET, Receiver
from tests.devtools.simulator.test_contract import assert_matches

TOLL_FREE = "+18335550123"


@pytest.fixture
def tfv(simulator, session, token):
    def call(method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return session.request(method, f"{simulator.api_url}/accounts/{ACCOUNT}{path}", headers=headers, **kwargs)
    return call


def status_path(number: str = TOLL_FREE) -> str:
    return f"/phoneNumbers/{number.replace('+', '%2B')}/tollFreeVerification"


def test_a_number_never_submitted_is_404_in_bandwidths_error_shape(tfv):
    answer = tfv("GET", status_path())
    assert answer.status_code == 404
    assert answer.json() == {"type": "Not Found", "description": "Cannot find the requested resource."}
    assert_matches(answer.json(), "tfvError")


def test_verified_and_declined_statuses_match_the_spec(simulator, tfv):
    simulator.set_toll_free(ACCOUNT, {"numbers": {
        TOLL_FREE: {"status": "VERIFIED"},
        "+18885550100": {"status": "UNVERIFIED", "declineReason": "Website not reachable", "denialStatusCode": 511}}})
    verified = tfv("GET", status_path())
    assert verified.status_code == 200 and verified.json()["status"] == "VERIFIED"
    assert_matches(verified.json(), "tfvStatus")
    declined = tfv("GET", status_path("+18885550100")).json()
    assert_matches(declined, "tfvStatus")
    assert (declined["status"], declined["declineReasonDescription"], declined["denialStatusCode"],
            declined["resubmitAllowed"]) == ("UNVERIFIED", "Website not reachable", 511, True)


@pytest.mark.parametrize("number", ["+19195550100", "18335550123", "%ED%A0%80", "+1833555012" + "3" * 40])
def test_a_number_that_is_not_toll_free_is_400(tfv, number):
    answer = tfv("GET", f"/phoneNumbers/{number}/tollFreeVerification")
    assert answer.status_code == 400
    assert_matches(answer.json(), "tfvError")


def test_another_account_and_wrong_credentials_are_refused_as_tfv_errors(simulator, session):
    simulator.add_credential(CLIENT_ID, CLIENT_SECRET, account_id=ACCOUNT)
    token = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET),
                         data={"grant_type": "client_credentials"}).json()["access_token"]
    other = session.get(f"{simulator.api_url}/accounts/5550001{status_path()}",
                        headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 403
    assert_matches(other.json(), "tfvError")
    wrong = session.get(f"{simulator.api_url}/accounts/{ACCOUNT}{status_path()}", auth=("nobody", "x"))
    assert wrong.status_code == 401 and wrong.json()["type"] == "unauthorized"


def test_subscriptions_are_stored_and_listed_without_passwords(tfv):
    created = tfv("POST", "/tollFreeVerification/webhooks/subscriptions",
                  json={"callbackUrl": "https://hooks.example.com/tfv"})
    assert created.status_code == 201
    assert_matches(created.json(), "webhookSubscription")
    with_auth = tfv("POST", "/tollFreeVerification/webhooks/subscriptions",
                    json={"callbackUrl": "https://hooks.example.com/tfv2",
                          "basicAuthentication": {"username": "bw", "password": "hook-secret"}}).json()
    listed = tfv("GET", "/tollFreeVerification/webhooks/subscriptions").json()
    assert_matches({**listed, "data": listed["data"][:1]}, "webhookSubscriptionsListBody")
    # The spec's description says the password comes back null (its schema says string): the description wins.
    assert listed["data"][1]["basicAuthentication"] == {"username": "bw", "password": None}
    assert [s["id"] for s in listed["data"]] == [created.json()["id"], with_auth["id"]]
    assert "hook-secret" not in str(listed)


@pytest.mark.parametrize("body", [
    {}, {"callbackUrl": "ftp://x.example.com"}, {"callbackUrl": "https://e.com/" + "a" * 2100},
    {"callbackUrl": "https://e.com/\x00"}, {"callbackUrl": "https://e.com/\ud800"},
    {"callbackUrl": "https://e.com/", "basicAuthentication": {"username": "u"}}, [1],
])
def test_bad_subscriptions_are_400(tfv, body):
    answer = tfv("POST", "/tollFreeVerification/webhooks/subscriptions", json=body)
    assert answer.status_code == 400
    assert_matches(answer.json(), "tfvError")


def test_a_status_change_posts_the_callback_to_each_subscription_with_its_credentials(simulator, tfv):
    hook = Receiver(username="bw", password="hook-secret")
    try:
        tfv("POST", "/tollFreeVerification/webhooks/subscriptions",
            json={"callbackUrl": hook.url, "basicAuthentication": {"username": "bw", "password": "hook-secret"}})
        simulator.set_toll_free(ACCOUNT, {"numbers": {TOLL_FREE: {"status": "PENDING"}}})
        assert simulator.wait_idle()
        assert hook.calls == []
        simulator.set_toll_free(ACCOUNT, {"numbers": {TOLL_FREE: {"status": "VERIFIED"}}})
        simulator.set_toll_free(ACCOUNT, {"numbers": {TOLL_FREE: {"status": "VERIFIED"}}})  # no change, no call
        assert simulator.wait_idle()
        [verified] = [call["body"] for call in hook.calls if call["authorization"]]
        assert hook.calls[-1]["authorization"] == "Basic " + base64.b64encode(b"bw:hook-secret").decode()
        assert_matches(verified, "verificationWebhook")
        assert (verified["accountId"], verified["phoneNumber"], verified["status"]) == (ACCOUNT, TOLL_FREE, "VERIFIED")

        simulator.set_toll_free(ACCOUNT, {"numbers": {TOLL_FREE: {"status": "UNVERIFIED", "declineReason": "No opt-in",
                                                                  "denialStatusCode": 512}}})
        assert simulator.wait_idle()
        declined = [call["body"] for call in hook.calls if call["authorization"]][-1]
        assert_matches(declined, "verificationDenialWebhook")
        assert (declined["status"], declined["declineReasonDescription"], declined["denialStatusCode"]) == (
            "UNVERIFIED", "No opt-in", 512)
        assert declined["internalTicketNumber"] == verified["internalTicketNumber"]
        assert [c["type"] for c in simulator.callbacks()] == ["tfv-status", "tfv-status"]
    finally:
        hook.stop()


def test_admin_api_change_sends_the_callback_too(simulator, tfv, session, receiver):
    tfv("POST", "/tollFreeVerification/webhooks/subscriptions", json={"callbackUrl": receiver.url})
    session.put(f"{simulator.base_url}/simulator/accounts/{ACCOUNT}/toll-free",
                json={"numbers": {TOLL_FREE: {"status": "VERIFIED"}}})
    assert simulator.wait_idle()
    assert [call["body"]["status"] for call in receiver.calls] == ["VERIFIED"]
