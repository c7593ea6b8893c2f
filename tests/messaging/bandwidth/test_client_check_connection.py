"""check_connection: the cheap authenticated GET, and its answers in plain words for the screen."""

import pytest
import requests
import responses

from messaging.bandwidth import (
    BandwidthAuthError,
    BandwidthClient,
    BandwidthPermissionError,
    BandwidthRequestError,
    BandwidthUnavailable,
    Credentials,
)
from tests.messaging.factories import ACCOUNT, API_URL, MEDIA_URL, OAUTH, TOKEN_URL


def check(credentials=OAUTH):
    BandwidthClient(credentials, messaging_api_url=API_URL, oauth_token_url=TOKEN_URL).check_connection()


def test_working_credentials_pass(bandwidth):
    listing = bandwidth.get(MEDIA_URL, json=[{"mediaName": "a.jpg"}])
    assert check() is None
    assert listing.calls[0].request.headers["Authorization"] == "Bearer token-1"


def test_refused_client_credentials_say_wrong_credentials(bandwidth):
    bandwidth.replace(responses.POST, TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(BandwidthAuthError) as caught:
        check()
    assert "refused the Client ID and Client Secret" in caught.value.user_message


def test_api_401_says_wrong_credentials(bandwidth):
    bandwidth.get(MEDIA_URL, status=401, json={"type": "unauthorized"})
    with pytest.raises(BandwidthAuthError) as caught:
        check()
    assert "refused it for this account" in caught.value.user_message


def test_legacy_401_says_wrong_username_and_password(bandwidth):
    bandwidth.get(MEDIA_URL, status=401, json={"type": "unauthorized"})
    with pytest.raises(BandwidthAuthError) as caught:
        check(Credentials(account_id=ACCOUNT, username="user", password="pass", auth_type="legacy"))
    assert "did not accept this username and password" in caught.value.user_message


def test_403_says_no_permission(bandwidth):
    bandwidth.get(MEDIA_URL, status=403, json={"type": "forbidden", "description": "Access denied"})
    with pytest.raises(BandwidthPermissionError) as caught:
        check()
    assert "not allowed" in caught.value.user_message


def test_403_with_an_old_style_account_id_explains_it(bandwidth):
    bandwidth.get(f"{API_URL}/users/u-abc123/media", status=403, json={"type": "forbidden"})
    with pytest.raises(BandwidthPermissionError) as caught:
        check(Credentials(account_id="u-abc123", username="client-id", password="client-secret-xyz"))
    assert "7-digit account number" in caught.value.user_message


def test_404_says_account_not_found(bandwidth):
    bandwidth.get(MEDIA_URL, status=404, json={"type": "not-found"})
    with pytest.raises(BandwidthRequestError) as caught:
        check()
    assert caught.value.status == 404
    assert "does not know the account '9900123'" in caught.value.user_message


@pytest.mark.parametrize("failure", [
    {"body": requests.exceptions.ConnectionError("refused")},
    {"body": requests.exceptions.ReadTimeout("slow")},
    {"status": 503, "body": "maintenance"},
])
def test_unreachable_bandwidth_says_so(bandwidth, failure):
    bandwidth.get(MEDIA_URL, **failure)
    with pytest.raises(BandwidthUnavailable) as caught:
        check()
    assert "could not be reached" in caught.value.user_message
    assert caught.value.transient


def test_unreachable_token_endpoint_says_bandwidth_unreachable(bandwidth):
    bandwidth.replace(responses.POST, TOKEN_URL, body=requests.exceptions.ConnectTimeout("connect"))
    with pytest.raises(BandwidthUnavailable) as caught:
        check()
    assert "could not be reached" in caught.value.user_message
