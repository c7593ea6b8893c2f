"""Toll-free verification webhook subscriptions (bandwidth.yml, `/accounts/{a}/tollFreeVerification/webhooks/
subscriptions`) and the callbacks Bandwidth sends to them.

A subscription names a callback URL and optional HTTP Basic credentials; Bandwidth then POSTs every status change
of every toll-free verification request of the account to it. Listing never returns the password (null). Knows
no models.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from messaging.bandwidth.account_api import AccountApi, segment
from messaging.bandwidth.errors import BandwidthUnavailable

ROLE = "TFV"
PATH = "/tollFreeVerification/webhooks/subscriptions"
TOLL_FREE = re.compile(r"\+1(800|833|844|855|866|877|888)[2-9]\d{6}")


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    callback_url: str
    username: str


def list_subscriptions(api: AccountApi) -> list[Subscription]:
    """The account's toll-free verification webhook subscriptions. Raises BandwidthError (403: the TFV role)."""
    answer = api.json("GET", PATH, role=ROLE)
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list):
        raise BandwidthUnavailable("Bandwidth's subscription list has no data", status=200, error_type="bad-answer")
    return [_subscription(item) for item in data if isinstance(item, dict) and item.get("id")]


def create_subscription(api: AccountApi, *, callback_url: str, username: str, password: str) -> Subscription:
    """Subscribe `callback_url` with HTTP Basic credentials; the created subscription (with Bandwidth's id)."""
    answer = api.json("POST", PATH, _body(callback_url, username, password), role=ROLE)
    return _created(answer)


def update_subscription(
    api: AccountApi, subscription_id: str, *, callback_url: str, username: str, password: str,
) -> Subscription:
    """Point an existing subscription at `callback_url` with these credentials."""
    answer = api.json("PUT", f"{PATH}/{segment(subscription_id)}", _body(callback_url, username, password), role=ROLE)
    return _created(answer) if answer else Subscription(subscription_id, callback_url, username)


def _body(callback_url: str, username: str, password: str) -> dict:
    return {"callbackUrl": callback_url, "basicAuthentication": {"username": username, "password": password}}


def _created(answer) -> Subscription:
    if not isinstance(answer, dict) or not answer.get("id"):
        raise BandwidthUnavailable("Bandwidth's subscription answer has no id", status=200, error_type="bad-answer")
    return _subscription(answer)


def _subscription(item: dict) -> Subscription:
    auth = item.get("basicAuthentication") if isinstance(item.get("basicAuthentication"), dict) else {}
    return Subscription(str(item["id"]), str(item.get("callbackUrl") or ""), str(auth.get("username") or ""))


# --- callbacks -----------------------------------------------------------------------------------------------------

class CallbackInvalid(ValueError):
    """The callback body is not one Bandwidth documents: answer 400, store nothing."""


@dataclass(frozen=True)
class VerificationCallback:
    """One TFV callback: `status` VERIFIED or UNVERIFIED, or "" for a failure (`error` then says what failed)."""

    phone_number: str
    status: str
    decline_reason: str = ""
    resubmit_allowed: bool | None = None
    blocked_reason: str = ""
    error: str = ""


def parse_callback(body: bytes) -> VerificationCallback:
    """Read one callback (verificationWebhook, verificationDenialWebhook, failureWebhook or blockedWebhook).

    Raises CallbackInvalid for anything else: unreadable JSON, a missing or non-toll-free phoneNumber, an unknown
    status, text PostgreSQL could not store (NUL, lone surrogates)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CallbackInvalid("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise CallbackInvalid("Expected one JSON object.")
    phone_number = _text(data, "phoneNumber")
    if not TOLL_FREE.fullmatch(phone_number):
        raise CallbackInvalid("phoneNumber must be a toll-free number in E.164.")
    status = _text(data, "status")
    error = _text(data, "errorMessage") or _text(data, "errorCode")
    if status not in ("VERIFIED", "UNVERIFIED") and not (status == "" and error):
        raise CallbackInvalid("status must be VERIFIED or UNVERIFIED (or a failure with errorMessage).")
    reasons = [_text(data, "declineReasonDescription")]
    extra = data.get("additionalDenialReasons")
    for item in extra if isinstance(extra, list) else ():
        if isinstance(item, dict):
            reasons.append(_text(item, "reason"))
    resubmit = data.get("resubmitAllowed")
    return VerificationCallback(
        phone_number=phone_number, status=status, decline_reason="; ".join(r for r in reasons if r),
        resubmit_allowed=resubmit if isinstance(resubmit, bool) else None,
        blocked_reason=_text(data, "blockedReason") if data.get("blocked") is True else "", error=error,
    )


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CallbackInvalid(f"{key} must be text.")
    text = str(value).strip()
    if "\x00" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise CallbackInvalid(f"{key} holds characters that cannot be stored.")
    return text
