"""10DLC campaigns and toll-free verification as Bandwidth records them, read over the account APIs.

- Campaigns: `GET /accounts/{a}/products/messaging/a2pCampaigns` (numbers.yml, MessagingA2pCampaign). Chosen over
  `/campaignManagement/10dlc/campaigns` because it is one unpaged answer that also lists campaigns imported from
  another CSP (`Imported`) and carries AT&T's `MessageClass`, which the send rate needs; the other lists only
  campaigns created through Bandwidth, in pages, without the class.
- A campaign's numbers: `GET /accounts/{a}/campaignManagement/10dlc/campaigns/{id}/tn?page=&size=`, paged until
  `TotalCount` numbers are read.
- Toll-free verification: `GET {account API}/accounts/{a}/phoneNumbers/{e164}/tollFreeVerification` (bandwidth.yml);
  404 means no verification was submitted.

Campaign Management calls call `pace()` first: Bandwidth (through TCR) rate-limits them, and the caller decides
how fast this account may go. Knows no models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from messaging.bandwidth.account_api import AccountApi, child_text, segment
from messaging.bandwidth.errors import BandwidthRequestError, BandwidthUnavailable

CAMPAIGN_ROLE = "Campaign Management"
TOLL_FREE_ROLE = "TFV"
TN_PAGE_SIZE = 100
# A campaign's number list longer than this is not a campaign we can be asked to pace through in one run.
MAX_TN_PAGES = 500
TOLL_FREE_STATUSES = ("VERIFIED", "UNVERIFIED", "PENDING")


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    description: str
    message_class: str
    status: str
    imported: bool


@dataclass(frozen=True)
class TollFreeStatus:
    """`status` is VERIFIED, UNVERIFIED or PENDING, or "" when no verification was ever submitted (404)."""

    status: str
    decline_reason: str = ""
    resubmit_allowed: bool | None = None


def _no_pace() -> None:
    return None


def list_campaigns(api: AccountApi, *, pace: Callable[[], None] = _no_pace) -> list[Campaign]:
    """The account's 10DLC campaigns, own and imported. Raises BandwidthError (403: the Campaign Management role)."""
    pace()
    root = api.xml("GET", "/products/messaging/a2pCampaigns", role=CAMPAIGN_ROLE)
    if root is None:
        return []
    campaigns = []
    for node in root.iter("MessagingA2pCampaign"):
        campaign_id = child_text(node, "CampaignId")
        if campaign_id:
            campaigns.append(Campaign(
                campaign_id=campaign_id,
                description=child_text(node, "Description"),
                message_class=child_text(node, "MessageClass"),
                status=child_text(node, "Status").upper(),
                imported=child_text(node, "Imported").lower() == "true",
            ))
    return campaigns


def campaign_numbers(api: AccountApi, campaign_id: str, *, pace: Callable[[], None] = _no_pace) -> list[str]:
    """Every number of the campaign in E.164, page after page until TotalCount are read.

    Raises BandwidthError; BandwidthUnavailable when the answer cannot be read (no TotalCount)."""
    numbers: list[str] = []
    for page in range(MAX_TN_PAGES):
        pace()
        root = api.xml(
            "GET", f"/campaignManagement/10dlc/campaigns/{segment(campaign_id)}/tn",
            params={"page": page, "size": TN_PAGE_SIZE}, role=CAMPAIGN_ROLE,
        )
        total = _total_count(root)
        found = [to_e164(node.text or "") for node in root.iter("TelephoneNumber") if (node.text or "").strip()]
        numbers.extend(found)
        if len(numbers) >= total or not found:
            return numbers
    return numbers


def toll_free_status(api: AccountApi, e164: str) -> TollFreeStatus:
    """The verification of a toll-free number. Raises BandwidthError (403: the TFV role) except for 404."""
    try:
        answer = api.json("GET", f"/phoneNumbers/{segment(e164)}/tollFreeVerification", role=TOLL_FREE_ROLE)
    except BandwidthRequestError as exc:
        if exc.status == 404:
            return TollFreeStatus(status="")
        raise
    if not isinstance(answer, dict) or answer.get("status") not in TOLL_FREE_STATUSES:
        raise BandwidthUnavailable(
            "Bandwidth's toll-free verification answer has no status it documents",
            status=200, error_type="bad-answer", body=str(answer)[:500],
        )
    reasons = [str(answer.get("declineReasonDescription") or "").strip()]
    for extra in answer.get("additionalDenialReasons") or ():
        if isinstance(extra, dict) and extra.get("reason"):
            reasons.append(str(extra["reason"]).strip())
    resubmit = answer.get("resubmitAllowed")
    return TollFreeStatus(
        status=answer["status"],
        decline_reason="; ".join(reason for reason in reasons if reason),
        resubmit_allowed=resubmit if isinstance(resubmit, bool) else None,
    )


def to_e164(telephone_number: str) -> str:
    """Bandwidth's 10-digit NANP number (`9195550100`) as E.164 (`+19195550100`); other forms kept with a +."""
    digits = "".join(ch for ch in telephone_number if ch.isdigit())
    if len(digits) == 10:
        return "+1" + digits
    return "+" + digits


def _total_count(root) -> int:
    text = child_text(root, "TotalCount")
    if root is None or not text.isdigit():
        raise BandwidthUnavailable(
            "Bandwidth's campaign number list has no TotalCount", status=200, error_type="bad-answer",
        )
    return int(text)
