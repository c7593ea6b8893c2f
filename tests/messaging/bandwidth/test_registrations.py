"""Reading 10DLC campaigns, their numbers and toll-free verification from Bandwidth: the exact requests, paging,
and each error Bandwidth may answer."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from responses import matchers

from messaging.bandwidth import (
    BandwidthAuthError,
    BandwidthPermissionError,
    BandwidthRateLimited,
    BandwidthUnavailable,
)
from messaging.bandwidth import registrations as api_calls
from messaging.bandwidth.account_api import AccountApi
from tests.messaging.factories import ACCOUNT, OAUTH

DASHBOARD = f"{settings.BANDWIDTH_DASHBOARD_API_URL}/accounts/{ACCOUNT}"
ACCOUNT_API = f"{settings.BANDWIDTH_ACCOUNT_API_URL}/accounts/{ACCOUNT}"
CAMPAIGNS_URL = f"{DASHBOARD}/products/messaging/a2pCampaigns"
TOLL_FREE = "+18005550100"
TFV_URL = f"{ACCOUNT_API}/phoneNumbers/%2B18005550100/tollFreeVerification"

CAMPAIGNS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<MessagingA2pCampaignsResponse><MessagingA2pCampaigns>
  <MessagingA2pCampaign><CampaignId>C3DER</CampaignId><Description>Alerts</Description><AccountId>9900123</AccountId>
    <MessageClass>Campaign-E</MessageClass><Imported>true</Imported><Status>Active</Status></MessagingA2pCampaign>
  <MessagingA2pCampaign><CampaignId>CX9</CampaignId><Description>Old</Description>
    <MessageClass>T</MessageClass><Imported>false</Imported><Status>EXPIRED</Status></MessagingA2pCampaign>
</MessagingA2pCampaigns></MessagingA2pCampaignsResponse>"""


def tn_page(total: int, *numbers: str) -> str:
    items = "".join(f"<TelephoneNumber>{n}</TelephoneNumber>" for n in numbers)
    return (f"<CampaignTnsResponse><TotalCount>{total}</TotalCount>"
            f"<TelephoneNumbers>{items}</TelephoneNumbers></CampaignTnsResponse>")


def test_campaigns_are_read_with_the_bearer_token_and_parsed(bandwidth):
    answer = bandwidth.get(CAMPAIGNS_URL, body=CAMPAIGNS)
    paced = []
    campaigns = api_calls.list_campaigns(AccountApi(OAUTH), pace=lambda: paced.append(1))
    assert [(c.campaign_id, c.message_class, c.status, c.imported) for c in campaigns] == [
        ("C3DER", "Campaign-E", "ACTIVE", True), ("CX9", "T", "EXPIRED", False)]
    request = answer.calls[0].request
    assert request.method == "GET" and request.url == CAMPAIGNS_URL
    assert request.headers["Authorization"] == "Bearer token-1"
    assert paced == [1]


def test_campaign_numbers_are_paged_until_total_count_and_come_back_in_e164(bandwidth):
    url = f"{DASHBOARD}/campaignManagement/10dlc/campaigns/C3DER/tn"
    bandwidth.get(url, body=tn_page(3, "9195550100", "9195550101"),
                  match=[matchers.query_param_matcher({"page": "0", "size": "100"})])
    bandwidth.get(url, body=tn_page(3, "19195550102"),
                  match=[matchers.query_param_matcher({"page": "1", "size": "100"})])
    paced = []
    numbers = api_calls.campaign_numbers(AccountApi(OAUTH), "C3DER", pace=lambda: paced.append(1))
    assert numbers == ["+19195550100", "+19195550101", "+19195550102"]
    tn_urls = [call.request.url for call in bandwidth.calls if "/tn" in call.request.url]
    pages = [parse_qs(urlsplit(url).query)["page"] for url in tn_urls]
    assert pages == [["0"], ["1"]] and len(paced) == 2


def test_a_campaign_id_is_quoted_as_one_path_segment(bandwidth):
    answer = bandwidth.get(f"{DASHBOARD}/campaignManagement/10dlc/campaigns/C%2F..%3F/tn", body=tn_page(0))
    assert api_calls.campaign_numbers(AccountApi(OAUTH), "C/..?") == []
    assert answer.call_count == 1


def test_a_number_list_without_total_count_is_bandwidth_trouble(bandwidth):
    bandwidth.get(f"{DASHBOARD}/campaignManagement/10dlc/campaigns/C3DER/tn", body="<CampaignTnsResponse/>")
    with pytest.raises(BandwidthUnavailable):
        api_calls.campaign_numbers(AccountApi(OAUTH), "C3DER")


def test_403_on_campaigns_names_the_campaign_management_role(bandwidth):
    bandwidth.get(CAMPAIGNS_URL, status=403, body="")
    with pytest.raises(BandwidthPermissionError) as caught:
        api_calls.list_campaigns(AccountApi(OAUTH))
    assert "Campaign Management role" in caught.value.user_message


@pytest.mark.parametrize("status, error", [
    (401, BandwidthAuthError), (429, BandwidthRateLimited), (500, BandwidthUnavailable), (503, BandwidthUnavailable),
])
def test_other_error_statuses_raise_their_typed_error(bandwidth, status, error):
    bandwidth.get(CAMPAIGNS_URL, status=status, body="")
    with pytest.raises(error):
        api_calls.list_campaigns(AccountApi(OAUTH))


def test_unreadable_campaign_xml_is_bandwidth_trouble(bandwidth):
    bandwidth.get(CAMPAIGNS_URL, body="<MessagingA2pCampaignsResponse><oops>")
    with pytest.raises(BandwidthUnavailable):
        api_calls.list_campaigns(AccountApi(OAUTH))


def test_toll_free_verification_is_read_from_the_account_api(bandwidth):
    answer = bandwidth.get(TFV_URL, json={
        "phoneNumber": TOLL_FREE, "status": "UNVERIFIED", "declineReasonDescription": "Invalid opt-in",
        "additionalDenialReasons": [{"statusCode": 512, "reason": "No privacy policy", "resubmitAllowed": True}],
        "resubmitAllowed": True,
    })
    status = api_calls.toll_free_status(AccountApi(OAUTH), TOLL_FREE)
    assert status == api_calls.TollFreeStatus("UNVERIFIED", "Invalid opt-in; No privacy policy", True)
    request = answer.calls[0].request
    assert request.method == "GET" and request.url == TFV_URL
    assert request.headers["Authorization"] == "Bearer token-1"


def test_toll_free_404_means_nothing_was_submitted(bandwidth):
    bandwidth.get(TFV_URL, status=404, json={"type": "not found", "description": "no verification"})
    assert api_calls.toll_free_status(AccountApi(OAUTH), TOLL_FREE).status == ""


def test_toll_free_403_names_the_tfv_role(bandwidth):
    bandwidth.get(TFV_URL, status=403, json={"type": "forbidden", "description": "nope"})
    with pytest.raises(BandwidthPermissionError) as caught:
        api_calls.toll_free_status(AccountApi(OAUTH), TOLL_FREE)
    assert "TFV role" in caught.value.user_message


@pytest.mark.parametrize("body", ['{"status": "MAYBE"}', "[1, 2]", "not json"])
def test_a_toll_free_answer_without_a_documented_status_is_bandwidth_trouble(bandwidth, body):
    bandwidth.get(TFV_URL, body=body, content_type="application/json")
    with pytest.raises(BandwidthUnavailable):
        api_calls.toll_free_status(AccountApi(OAUTH), TOLL_FREE)
