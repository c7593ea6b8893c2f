"""The toll-free verification webhook: one subscription per Bandwidth account, kept pointing at the portal, and
the callbacks it brings applied to the tenant's numbers.

The callback URL is public, `/webhooks/bandwidth/toll-free/<tenant slug>/<token>/`: the slug finds the tenant's
schema without a public lookup table, the token (256 random bits) the subscription inside it. Bandwidth
authenticates with HTTP Basic credentials generated here, stored encrypted and never shown. A failure to
subscribe is kept on the subscription row and logged; the periodic refresh reads the statuses anyway.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from messaging.bandwidth import toll_free_webhooks as bandwidth
from messaging.bandwidth.account_api import AccountApi
from messaging.bandwidth.errors import BandwidthError
from messaging.models import PhoneNumber, TollFreeSubscription
from messaging.services.configuration.callback_credentials import basic_credentials
from portal.urls_helpers import absolute_url, unreachable_by

logger = logging.getLogger(__name__)
TollFree = PhoneNumber.TollFreeStatus
DETAIL_MAX = PhoneNumber._meta.get_field("toll_free_detail").max_length
ERROR_MAX = PhoneNumber._meta.get_field("registration_error").max_length


def callback_url(subscription: TollFreeSubscription) -> str:
    return absolute_url(f"/webhooks/bandwidth/toll-free/{connection.tenant.slug}/{subscription.token}/")


def ensure_subscription(api: AccountApi) -> TollFreeSubscription:
    """Make sure the account has one subscription pointing at this tenant's callback URL with our credentials.

    Never raises for Bandwidth's answers: the row's `error` says what went wrong (cleared on success). Safe to run
    twice: an existing subscription (ours by id, or by URL) is updated, not duplicated."""
    subscription = _row(api.credentials.account_id.strip())
    url = callback_url(subscription)
    if unreachable_by(api.account_api_url):
        subscription.error = (f"Not subscribed: Bandwidth could not reach {url} (a loopback or private address). "
                              "Set PORTAL_BASE_URL to the portal's public address; the periodic refresh still reads "
                              "the statuses.")[:500]
        subscription.save(update_fields=["error"])
        return subscription
    try:
        existing = {item.subscription_id: item for item in bandwidth.list_subscriptions(api)}
        ours = existing.get(subscription.subscription_id) or next(
            (item for item in existing.values() if item.callback_url == url), None)
        credentials = {"callback_url": url, "username": subscription.username, "password": subscription.password}
        if ours is None:
            ours = bandwidth.create_subscription(api, **credentials)
        elif (ours.callback_url, ours.username, subscription.callback_url) != (url, subscription.username, url):
            ours = bandwidth.update_subscription(api, ours.subscription_id, **credentials)
    except BandwidthError as exc:
        logger.info("toll-free webhook subscription: Bandwidth answered %s", exc)
        subscription.error = exc.user_message[:500]
        subscription.save(update_fields=["error"])
        return subscription
    subscription.subscription_id, subscription.callback_url = ours.subscription_id, url
    subscription.synced_at, subscription.error = timezone.now(), ""
    subscription.save(update_fields=["subscription_id", "callback_url", "synced_at", "error"])
    return subscription


def _row(account_id: str) -> TollFreeSubscription:
    found = TollFreeSubscription.objects.filter(account_id=account_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return TollFreeSubscription.objects.create(
                account_id=account_id, token=secrets.token_urlsafe(32),
                username="bw-tfv-" + secrets.token_hex(4), password=secrets.token_urlsafe(24),
            )
    except IntegrityError:  # another run created it first
        return TollFreeSubscription.objects.get(account_id=account_id)


def find_subscription(token: str) -> TollFreeSubscription | None:
    """The subscription whose callback URL holds `token`, in the current schema."""
    return TollFreeSubscription.objects.filter(token=token).first()


def accepts(subscription: TollFreeSubscription, authorization: str | None) -> bool:
    """Whether an HTTP Basic header carries the subscription's credentials (constant-time comparison)."""
    given = basic_credentials(authorization)
    expected = f"{subscription.username}:{subscription.password}".encode()
    return given is not None and hmac.compare_digest(given, expected)


def apply_callback(callback: bandwidth.VerificationCallback) -> bool:
    """Store what a callback says on the number it names; False when that number is not one of this tenant's
    (acknowledged all the same: Bandwidth sends every number of the account)."""
    now = timezone.now()
    if callback.error:
        return bool(PhoneNumber.objects.filter(number=callback.phone_number).update(
            registration_error=f"Bandwidth could not process the toll-free verification: {callback.error}"[:ERROR_MAX],
        ))
    detail = callback.decline_reason
    if detail and callback.resubmit_allowed is not None:
        detail += " (resubmission allowed)" if callback.resubmit_allowed else " (resubmission not allowed)"
    details = [detail]
    if callback.blocked_reason:
        details.append(f"blocked: {callback.blocked_reason}")
    return bool(PhoneNumber.objects.filter(number=callback.phone_number).update(
        toll_free_status=TollFree.VERIFIED if callback.status == "VERIFIED" else TollFree.UNVERIFIED,
        toll_free_detail="; ".join(d for d in details if d)[:DETAIL_MAX],
        registration_source=PhoneNumber.RegistrationSource.BANDWIDTH,
        registration_checked_at=now, registration_error="",
    ))
