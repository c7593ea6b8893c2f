"""10DLC campaign and toll-free verification status of the tenant's numbers, read from Bandwidth.

For each Bandwidth account the tenant's SMS configurations use (one pass per account and credentials), the
account's campaigns are read once, then each campaign's numbers, then each toll-free number's verification. A
number of a trunk that a configuration of that account uses gets Bandwidth's values, and its
`registration_source` becomes "bandwidth". When Bandwidth cannot be asked (401, 403 = the role is missing, 429,
5xx, unreachable, an unreadable answer) nothing already known is overwritten: the number keeps its values, typed
or read earlier, and `registration_error` says in plain words what went wrong.

10DLC status mapping (Bandwidth's campaign Status -> PhoneNumber.ten_dlc_status), for US long codes only:
    ACTIVE                                   -> registered
    PENDING, REVIEW, IN_PROGRESS, PROCESSING -> pending   (anything starting with PENDING too)
    any other (EXPIRED, DEACTIVATED, REJECTED, SUSPENDED, ...) -> not_registered
    the number is in no campaign of the account -> not_registered, campaign cleared
A number in several campaigns takes the best status of them (active first).

Toll-free verification (toll-free numbers only): VERIFIED / PENDING / UNVERIFIED as Bandwidth says (with the
decline reasons), 404 = not_submitted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from messaging import dispatch
from messaging.bandwidth import campaign_classes
from messaging.bandwidth import registrations as bandwidth
from messaging.bandwidth.account_api import AccountApi
from messaging.bandwidth.errors import BandwidthAuthError, BandwidthError, BandwidthPermissionError
from messaging.models import PhoneNumber, SmsConfiguration
from messaging.services.compliance import toll_free_webhooks
from messaging.services.configuration.sms_configurations import credentials_of
from messaging.services.outbound import rate_limit

logger = logging.getLogger(__name__)
TenDlc = PhoneNumber.TenDlcStatus
TollFree = PhoneNumber.TollFreeStatus
Source = PhoneNumber.RegistrationSource

PENDING_STATUSES = frozenset({"PENDING", "REVIEW", "IN_PROGRESS", "PROCESSING"})
TOLL_FREE = {"VERIFIED": TollFree.VERIFIED, "PENDING": TollFree.PENDING, "UNVERIFIED": TollFree.UNVERIFIED,
             "": TollFree.NOT_SUBMITTED}
ERROR_MAX = PhoneNumber._meta.get_field("registration_error").max_length
DETAIL_MAX = PhoneNumber._meta.get_field("toll_free_detail").max_length


@dataclass
class RefreshResult:
    """What one refresh did: accounts asked, numbers updated from Bandwidth, and the errors met (plain words)."""

    accounts: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def map_campaign_status(status: str) -> str:
    """Bandwidth's campaign Status as the portal's 10DLC status (the table in this module's docstring)."""
    status = (status or "").strip().upper()
    if status == "ACTIVE":
        return TenDlc.REGISTERED
    if status in PENDING_STATUSES or status.startswith("PENDING"):
        return TenDlc.PENDING
    return TenDlc.NOT_REGISTERED


def refresh_registrations(*, configuration: SmsConfiguration | None = None) -> RefreshResult:
    """Refresh the numbers of the current tenant (or of one configuration's account) from Bandwidth.

    Never raises for Bandwidth's answers: errors are stored on the numbers and listed in the result. Safe to
    run twice, also at once: each run writes what Bandwidth said."""
    if configuration is None:
        try:
            cache.delete(_pending_key())  # from now on a press queues the next refresh
        except redis.RedisError:
            pass  # the mark lapses by itself
    configurations = SmsConfiguration.objects.exclude(account_id="").exclude(username="").exclude(trunk=None)
    if configuration is not None:
        configurations = configurations.filter(
            account_id=configuration.account_id, auth_type=configuration.auth_type, username=configuration.username,
        )
    result = RefreshResult()
    for api, trunk_ids in _accounts(configurations):
        numbers = list(PhoneNumber.objects.filter(trunk_id__in=trunk_ids).order_by("number"))
        if not numbers:
            continue
        result.accounts += 1
        _refresh_account(api, numbers, result)
    return result


def _accounts(configurations) -> Iterable[tuple[AccountApi, set[int]]]:
    """One AccountApi per account and credentials, with the trunks its configurations use."""
    grouped: dict[tuple, tuple[AccountApi, set[int]]] = {}
    for config in configurations.order_by("pk"):
        key = (config.account_id.strip(), config.auth_type, config.username, config.password)
        if key not in grouped:
            grouped[key] = (AccountApi(credentials_of(config)), set())
        grouped[key][1].add(config.trunk_id)
    return grouped.values()


def _refresh_account(api: AccountApi, numbers: list[PhoneNumber], result: RefreshResult) -> None:
    now = timezone.now()
    long_codes = [number for number in numbers if number.is_us_long_code]
    if long_codes:
        try:
            membership = _campaign_membership(api, {number.number for number in long_codes})
        except BandwidthError as exc:
            _record_error(long_codes, exc, result)
        else:
            for number in long_codes:
                _apply_campaign(number, membership.get(number.number), now)
                result.updated += 1
    toll_free = [number for number in numbers if number.is_toll_free]
    if toll_free:
        toll_free_webhooks.ensure_subscription(api)  # status changes then arrive between two refreshes
    for position, number in enumerate(toll_free):
        try:
            verification = bandwidth.toll_free_status(api, number.number)
        except (BandwidthAuthError, BandwidthPermissionError) as exc:
            _record_error(toll_free[position:], exc, result)  # the same answer for every other number
            break
        except BandwidthError as exc:
            _record_error([number], exc, result)
        else:
            _apply_toll_free(number, verification, now)
            result.updated += 1


def _campaign_membership(api: AccountApi, wanted: set[str]) -> dict[str, tuple[bandwidth.Campaign, int]]:
    """Our numbers -> (their campaign, how many numbers the campaign has). Raises BandwidthError."""
    pace = campaign_api_pacer(api.credentials.account_id.strip())
    found: dict[str, tuple[bandwidth.Campaign, int]] = {}
    for campaign in bandwidth.list_campaigns(api, pace=pace):
        members = bandwidth.campaign_numbers(api, campaign.campaign_id, pace=pace)
        for e164 in wanted.intersection(members):
            held = found.get(e164)
            if held is None or _rank(campaign) < _rank(held[0]):
                found[e164] = (campaign, len(members))
    return found


def _rank(campaign: bandwidth.Campaign) -> int:
    return [TenDlc.REGISTERED, TenDlc.PENDING, TenDlc.NOT_REGISTERED].index(map_campaign_status(campaign.status))


def _apply_campaign(number: PhoneNumber, member: tuple[bandwidth.Campaign, int] | None, now) -> None:
    if member is None:
        number.ten_dlc_status, number.campaign_id = TenDlc.NOT_REGISTERED, ""
        number.campaign_class = number.campaign_status = ""
        number.campaign_rate_per_second = None
    else:
        campaign, size = member
        number.ten_dlc_status = map_campaign_status(campaign.status)
        number.campaign_id = campaign.campaign_id[:PhoneNumber._meta.get_field("campaign_id").max_length]
        number.campaign_class = campaign_classes.normalise_class(campaign.message_class)[:32]
        number.campaign_status = campaign.status[:32]
        number.campaign_rate_per_second = (
            campaign_classes.rate_per_number(campaign.message_class, numbers_in_campaign=size)
            if number.ten_dlc_status == TenDlc.REGISTERED else None
        )
    number.registration_source, number.registration_checked_at, number.registration_error = Source.BANDWIDTH, now, ""
    number.save(update_fields=[
        "ten_dlc_status", "campaign_id", "campaign_class", "campaign_status", "campaign_rate_per_second",
        "registration_source", "registration_checked_at", "registration_error",
    ])


def _apply_toll_free(number: PhoneNumber, verification: bandwidth.TollFreeStatus, now) -> None:
    number.toll_free_status = TOLL_FREE[verification.status]
    detail = verification.decline_reason
    if detail and verification.resubmit_allowed is not None:
        detail += " (resubmission allowed)" if verification.resubmit_allowed else " (resubmission not allowed)"
    number.toll_free_detail = detail[:DETAIL_MAX]
    number.registration_source, number.registration_checked_at, number.registration_error = Source.BANDWIDTH, now, ""
    number.save(update_fields=[
        "toll_free_status", "toll_free_detail", "registration_source", "registration_checked_at", "registration_error",
    ])


def _record_error(numbers: list[PhoneNumber], exc: BandwidthError, result: RefreshResult) -> None:
    message = exc.user_message[:ERROR_MAX]
    logger.info("registration refresh: Bandwidth answered %s", exc)  # Bandwidth's answer only, never credentials
    if message not in result.errors:
        result.errors.append(message)
    PhoneNumber.objects.filter(pk__in=[number.pk for number in numbers]).update(registration_error=message)


def campaign_api_pacer(account_id: str) -> Callable[[], None]:
    """Wait before each Campaign Management call so one account makes at most BANDWIDTH_CAMPAIGN_API_PER_MINUTE,
    across all workers (the sending limiter's Redis schedule, under its own key)."""
    rate = settings.BANDWIDTH_CAMPAIGN_API_PER_MINUTE / 60

    def pace() -> None:
        try:
            slot = rate_limit.reserve(f"campaign-api:{account_id}", rate=rate, max_ahead=3600)
        except redis.RedisError:
            logger.warning("rate limiter unreachable; pacing Campaign Management calls in this process only")
            time.sleep(1 / rate)
            return
        if slot.wait > 0:
            time.sleep(slot.wait)

    return pace


# A refresh waiting for a worker is not queued again: pressing the button twice would double Bandwidth's paced
# Campaign Management calls. The mark lapses on its own if the task is lost.
REFRESH_PENDING_SECONDS = 600


def _pending_key() -> str:
    return f"registrations:refresh-pending:{connection.schema_name}"


def queue_refresh() -> bool:
    """Refresh the current tenant's numbers in a worker (the Trunks screen's button and the API): the paced
    Campaign Management calls can take minutes, longer than a request may. False when one already waits."""
    try:
        if not cache.add(_pending_key(), "1", REFRESH_PENDING_SECONDS):
            return False
    except redis.RedisError:
        logger.warning("Redis unreachable: queueing the registration refresh without the duplicate check")
    dispatch.on_commit("messaging.refresh_tenant_registrations")
    return True


REFRESH_ALREADY_QUEUED = (
    "A refresh from Bandwidth is already waiting for a worker; the numbers show its result in a minute or two."
)
REFRESH_QUEUED = (
    "Reading 10DLC campaigns and toll-free verification from Bandwidth; the numbers show the result in a minute "
    "or two (Bandwidth allows few campaign calls per minute)."
)
