"""The account API transport: XML in and out of the Dashboard API, JSON from the account API, errors in plain words."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from messaging.bandwidth import (
    BandwidthAuthError,
    BandwidthPermissionError,
    BandwidthRequestError,
    BandwidthUnavailable,
)
from messaging.bandwidth.account_api import AccountApi, child_text, element
from messaging.bandwidth.auth import Credentials
from tests.messaging.factories import ACCOUNT, OAUTH

DASHBOARD = f"{settings.BANDWIDTH_DASHBOARD_API_URL}/accounts/{ACCOUNT}"
LEGACY = Credentials(account_id=ACCOUNT, username="api-user", password="pw", auth_type="legacy")
ACCOUNT_API = f"{settings.BANDWIDTH_ACCOUNT_API_URL}/accounts/{ACCOUNT}"


def test_xml_call_sends_the_body_with_the_bearer_token_and_parses_the_answer(bandwidth):
    answer = bandwidth.post(
        f"{DASHBOARD}/applications", status=201,
        body="<ApplicationProvisioningResponse><Application><ApplicationId>a-1</ApplicationId>"
             "</Application></ApplicationProvisioningResponse>",
    )
    root = AccountApi(OAUTH).xml("POST", "/applications", element("Application", element("AppName", text="Acme & Co")))
    assert child_text(root, "Application/ApplicationId") == "a-1"
    sent = answer.calls[0].request
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["Content-Type"].startswith("application/xml")
    assert ET.fromstring(sent.body).find("AppName").text == "Acme & Co"


def test_legacy_user_uses_basic_auth(bandwidth):
    answer = bandwidth.get(f"{DASHBOARD}/sites", body="<SitesResponse/>")
    AccountApi(LEGACY).xml("GET", "/sites")
    assert answer.calls[0].request.headers["Authorization"].startswith("Basic ")


def test_403_names_the_missing_role(bandwidth):
    bandwidth.get(f"{DASHBOARD}/sites", status=403, body="")
    with pytest.raises(BandwidthPermissionError) as caught:
        AccountApi(OAUTH).xml("GET", "/sites")
    assert "Number & Account Management role" in caught.value.user_message


def test_4xx_keeps_bandwidths_error_code_and_description(bandwidth):
    bandwidth.get(
        f"{DASHBOARD}/applications/nope", status=404,
        body="<ApplicationProvisioningResponse><ResponseStatus><ErrorCode>15501</ErrorCode>"
             "<Description>Application nope not found</Description></ResponseStatus></ApplicationProvisioningResponse>",
    )
    with pytest.raises(BandwidthRequestError) as caught:
        AccountApi(OAUTH).xml("GET", "/applications/nope")
    assert caught.value.status == 404
    assert caught.value.error_type == "15501"
    assert "Application nope not found" in caught.value.user_message


def test_401_says_the_credentials_were_refused(bandwidth):
    bandwidth.get(f"{DASHBOARD}/sites", status=401, body="")
    with pytest.raises(BandwidthAuthError):
        AccountApi(OAUTH).xml("GET", "/sites")


def test_unreadable_xml_is_bandwidth_trouble_not_a_crash(bandwidth):
    bandwidth.get(f"{DASHBOARD}/sites", body="<Sites><unclosed>")
    with pytest.raises(BandwidthUnavailable):
        AccountApi(OAUTH).xml("GET", "/sites")


def test_json_call_reads_the_toll_free_answer(bandwidth):
    bandwidth.get(f"{ACCOUNT_API}/phoneNumbers/%2B18005550100/tollFreeVerification",
                  json={"phoneNumber": "+18005550100", "status": "VERIFIED"})
    answer = AccountApi(OAUTH).json("GET", "/phoneNumbers/%2B18005550100/tollFreeVerification")
    assert answer["status"] == "VERIFIED"


def test_json_403_names_the_tfv_role(bandwidth):
    bandwidth.get(f"{ACCOUNT_API}/phoneNumbers/%2B18005550100/tollFreeVerification", status=403,
                  json={"errors": [{"description": "forbidden"}]})
    with pytest.raises(BandwidthPermissionError) as caught:
        AccountApi(OAUTH).json("GET", "/phoneNumbers/%2B18005550100/tollFreeVerification")
    assert "TFV role" in caught.value.user_message
