"""The token endpoint and API authentication: Bearer tokens it issued, legacy Basic, registered credentials."""

import pytest

from messaging.bandwidth import BandwidthAuthError, BandwidthClient, BandwidthPermissionError, Credentials
from tests.devtools.simulator.conftest import ACCOUNT, CLIENT_ID, CLIENT_SECRET, send_body


def test_token_is_issued_for_client_credentials(simulator, session):
    answer = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET),
                          data={"grant_type": "client_credentials"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["token_type"] == "Bearer" and data["expires_in"] == 3600 and len(data["access_token"]) > 20


def test_token_endpoint_refuses_other_grants_and_json(simulator, session):
    wrong_grant = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "password"})
    as_json = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET),
                           json={"grant_type": "client_credentials"})
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"
    assert as_json.status_code == 400


def test_unknown_client_gets_invalid_client_once_credentials_are_registered(simulator, session):
    simulator.add_credential(CLIENT_ID, CLIENT_SECRET)
    good = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "client_credentials"})
    bad = session.post(simulator.token_url, auth=(CLIENT_ID, "wrong"), data={"grant_type": "client_credentials"})
    assert good.status_code == 200
    assert bad.status_code == 401 and bad.json() == {"error": "invalid_client",
                                                       "error_description": "client authentication failed"}


def test_api_refuses_missing_or_unknown_bearer_with_json(simulator, session):
    url = f"{simulator.api_url}/users/{ACCOUNT}/messages"
    missing = session.post(url, json=send_body())
    unknown = session.post(url, json=send_body(), headers={"Authorization": "Bearer not-issued-here"})
    for answer in (missing, unknown):
        assert answer.status_code == 401
        assert answer.json()["type"] == "unauthorized"


def test_legacy_basic_is_accepted_and_checked_when_registered(simulator, session):
    url = f"{simulator.api_url}/users/{ACCOUNT}/media"
    assert session.get(url, auth=("legacy-user", "pw")).status_code == 200  # open mode: any user
    simulator.add_credential("legacy-user", "pw", auth_type="legacy")
    assert session.get(url, auth=("legacy-user", "pw")).status_code == 200
    assert session.get(url, auth=("legacy-user", "nope")).status_code == 401


def test_portal_client_reports_refused_client_secret(simulator, bw):
    simulator.add_credential(CLIENT_ID, "another-secret")
    with pytest.raises(BandwidthAuthError) as caught:
        bw.check_connection()
    assert "Client ID and Client Secret" in caught.value.user_message


def test_credential_bound_to_another_account_gets_403(simulator, bw):
    simulator.add_credential(CLIENT_ID, CLIENT_SECRET, account_id="9900999")
    with pytest.raises(BandwidthPermissionError):
        bw.check_connection()


def test_revoked_token_is_replaced_by_the_client_after_one_401(simulator, app, bw, session):
    bw.send_message(application_id=app["applicationId"], to=["+19195550199"], from_="+19195550100", text="a")
    assert session.delete(f"{simulator.base_url}/simulator/tokens").json()["revoked"] == 1
    bw.send_message(application_id=app["applicationId"], to=["+19195550199"], from_="+19195550100", text="b")
    assert len(simulator.messages()) == 2


def test_expired_token_is_refused(simulator, session):
    simulator.configure(token_lifetime=0)
    token = session.post(simulator.token_url, auth=(CLIENT_ID, CLIENT_SECRET),
                         data={"grant_type": "client_credentials"}).json()["access_token"]
    answer = session.get(f"{simulator.api_url}/users/{ACCOUNT}/media", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_legacy_client_works_against_the_simulator(simulator, session):
    client = BandwidthClient(Credentials(account_id=ACCOUNT, username="u", password="p", auth_type="legacy"),
                             messaging_api_url=simulator.api_url, oauth_token_url=simulator.token_url,
                             session=session)
    client.check_connection()
