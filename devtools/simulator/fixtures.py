"""An account's fixtures as the admin API takes them (JSON), checked and normalised for State:
locations (sites, their SIP peers, the peers' numbers and messaging application), 10DLC campaigns and
toll-free verification statuses. Every check raises ValueError with a sentence a developer can act on.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from devtools.simulator import shapes
from devtools.simulator.config import E164_RE

MAX_TEXT = 255
TFV_STATUSES = ("VERIFIED", "UNVERIFIED", "PENDING")
# Generated site and SIP peer ids look like Bandwidth's (numbers); these start well clear of typed-in ones.
_next_id = itertools.count(90_001)


def clean_locations(data: Any) -> list[dict[str, Any]]:
    """{"sites": [{"id"?, "name", "description"?, "sipPeers": [{"id"?, "name", "isDefault"?, "numbers",
    "applicationId"?}]}]} -> the list of sites."""
    sites = _list(data, "sites")
    seen_numbers: set[str] = set()
    out = []
    for site in sites:
        site = _object(site, "each site")
        peers = []
        for peer in _list(site, "sipPeers", "site.sipPeers"):
            peer = _object(peer, "each SIP peer")
            numbers = _numbers(peer.get("numbers", []), "sipPeer.numbers")
            taken = seen_numbers.intersection(numbers)
            if taken:
                raise ValueError(f"{sorted(taken)[0]} is on more than one SIP peer")
            seen_numbers.update(numbers)
            application_id = peer.get("applicationId")
            if application_id is not None and not isinstance(application_id, str):
                raise ValueError("sipPeer.applicationId must be a string or null")
            peers.append({"id": _id(peer.get("id")), "name": _text(peer.get("name"), "sipPeer.name", required=True),
                          "description": _text(peer.get("description"), "sipPeer.description"),
                          "isDefault": bool(peer.get("isDefault", len(peers) == 0)), "numbers": numbers,
                          "applicationId": application_id or None})
        out.append({"id": _id(site.get("id")), "name": _text(site.get("name"), "site.name", required=True),
                    "description": _text(site.get("description"), "site.description"), "sipPeers": peers})
    ids = [site["id"] for site in out] + [peer["id"] for site in out for peer in site["sipPeers"]]
    if len(set(ids)) != len(ids):
        raise ValueError("site and SIP peer ids must be unique")
    return out


def clean_campaigns(data: Any, account_id: str) -> list[dict[str, Any]]:
    """{"campaigns": [{"campaignId", "messageClass"?, "status"?, "description"?, "numbers"}]} -> the list."""
    out = []
    for campaign in _list(data, "campaigns"):
        campaign = _object(campaign, "each campaign")
        campaign_id = _text(campaign.get("campaignId"), "campaign.campaignId", required=True)
        out.append({
            "campaignId": campaign_id, "accountId": account_id,
            "messageClass": _text(campaign.get("messageClass"), "campaign.messageClass") or "Campaign-E",
            "status": _text(campaign.get("status"), "campaign.status") or "Active",
            "description": _text(campaign.get("description"), "campaign.description"),
            "numbers": _numbers(campaign.get("numbers", []), "campaign.numbers"),
            "createdDate": _text(campaign.get("createdDate"), "campaign.createdDate") or shapes.iso_now(),
        })
    if len({c["campaignId"] for c in out}) != len(out):
        raise ValueError("campaignId must be unique")
    return out


def clean_toll_free(data: Any, previous: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{"numbers": {"+1833...": {"status", "declineReason"?, "denialStatusCode"?}}} -> number -> record.
    A number keeps its ticket and creation time across updates."""
    numbers = _object(data, "the body").get("numbers", {})
    if not isinstance(numbers, dict):
        raise ValueError('numbers must be an object {"+1833...": {"status": "VERIFIED"}}')
    out = {}
    now = shapes.iso_now()
    for number, item in numbers.items():
        if not E164_RE.match(number):
            raise ValueError(f"{number!r} is not an E.164 number")
        item = _object(item, "each toll-free entry")
        status = item.get("status")
        if status not in TFV_STATUSES:
            raise ValueError(f"status of {number} must be one of {', '.join(TFV_STATUSES)}")
        code = item.get("denialStatusCode")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= 99_999):
            raise ValueError("denialStatusCode must be an integer code or null")
        before = previous.get(number, {})
        out[number] = {
            "phoneNumber": number, "status": status,
            "declineReason": _text(item.get("declineReason"), "declineReason") if status == "UNVERIFIED" else "",
            "denialStatusCode": code if status == "UNVERIFIED" else None,
            "internalTicketNumber": before.get("internalTicketNumber") or str(uuid.uuid4()),
            "createdDateTime": before.get("createdDateTime") or now,
            "modifiedDateTime": now if before.get("status") != status else before.get("modifiedDateTime", now),
        }
    return out


def _list(data: Any, key: str, label: str | None = None) -> list[Any]:
    value = _object(data, "the body").get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{label or key} must be a list")
    return value


def _object(value: Any, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{label} must be a JSON object")
    return value


def _text(value: Any, label: str, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise ValueError(f"{label} is required")
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT or not printable(value):
        raise ValueError(f"{label} must be a string of at most {MAX_TEXT} characters")
    return value


def printable(value: str) -> bool:
    """No NUL or other control character, no lone surrogate: text that XML and UTF-8 can carry."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(char) < 32 and char not in "\t\n\r" for char in value)


def _numbers(value: Any, label: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(n, str) and E164_RE.match(n) for n in value):
        raise ValueError(f"{label} must be a list of E.164 numbers")
    return list(dict.fromkeys(value))


def _id(value: Any) -> str:
    if value is None or value == "":
        return str(next(_next_id))
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).isdigit() \
            or len(str(value)) > 12:
        raise ValueError("site and SIP peer ids are numbers (as Bandwidth's are)")
    return str(value)
