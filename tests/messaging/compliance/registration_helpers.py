"""Bandwidth's answers about 10DLC campaigns and toll-free verification, faked for the registration tests."""

from django.conf import settings

from tests.messaging.factories import ACCOUNT


def dashboard(account: str = ACCOUNT) -> str:
    return f"{settings.BANDWIDTH_DASHBOARD_API_URL}/accounts/{account}"


def campaigns_url(account: str = ACCOUNT) -> str:
    return f"{dashboard(account)}/products/messaging/a2pCampaigns"


def tns_url(campaign_id: str, account: str = ACCOUNT) -> str:
    return f"{dashboard(account)}/campaignManagement/10dlc/campaigns/{campaign_id}/tn"


def tfv_url(e164: str, account: str = ACCOUNT) -> str:
    return (f"{settings.BANDWIDTH_ACCOUNT_API_URL}/accounts/{account}/phoneNumbers/"
            f"{e164.replace('+', '%2B')}/tollFreeVerification")


def campaigns_xml(*campaigns: tuple[str, str, str]) -> str:
    """(CampaignId, MessageClass, Status) each."""
    items = "".join(
        f"<MessagingA2pCampaign><CampaignId>{cid}</CampaignId><Description>d</Description>"
        f"<MessageClass>{cls}</MessageClass><Imported>false</Imported><Status>{status}</Status></MessagingA2pCampaign>"
        for cid, cls, status in campaigns
    )
    return f"<MessagingA2pCampaignsResponse><MessagingA2pCampaigns>{items}</MessagingA2pCampaigns>" \
           f"</MessagingA2pCampaignsResponse>"


def tns_xml(*numbers: str) -> str:
    """One page holding all of `numbers` (E.164 in, Bandwidth's 10 digits out)."""
    items = "".join(f"<TelephoneNumber>{n.removeprefix('+1')}</TelephoneNumber>" for n in numbers)
    return f"<CampaignTnsResponse><TotalCount>{len(numbers)}</TotalCount><TelephoneNumbers>{items}" \
           f"</TelephoneNumbers></CampaignTnsResponse>"


def serve_campaigns(bandwidth, campaigns: dict[tuple[str, str, str], list[str]], account: str = ACCOUNT) -> None:
    """The account's campaigns and, for each, its numbers."""
    bandwidth.get(campaigns_url(account), body=campaigns_xml(*campaigns))
    for (campaign_id, _cls, _status), numbers in campaigns.items():
        bandwidth.get(tns_url(campaign_id, account), body=tns_xml(*numbers))


def subscriptions_url(account: str = ACCOUNT) -> str:
    return f"{settings.BANDWIDTH_ACCOUNT_API_URL}/accounts/{account}/tollFreeVerification/webhooks/subscriptions"
