"""Sign-in lock-out (django-axes): what a locked-out sign-in sees (JSON for the API, a page for people), and
the lock-outs a system administrator can see and lift.

django-axes keeps one AccessAttempt row per (username, address, browser) with its failures and the time of
the last one. With AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] it adds up, separately, the failures
of each username and of each address within AXES_COOLOFF_TIME: either sum reaching AXES_FAILURE_LIMIT locks
that username (from every address) or that address (for every username), and nobody else.
"""

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from portal.exceptions import PortalError, error_body

logger = logging.getLogger(__name__)

KINDS = {"username": "username", "address": "ip_address"}  # what the screen says -> AccessAttempt's field


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = (
        f"Too many failed sign-ins: this account or address is locked for {minutes} minutes. "
        "Try again later or ask a system administrator."
    )
    if "/api/" in request.path:
        return JsonResponse(error_body(message, "locked_out"), status=429)
    return render(request, "registration/locked_out.html", {"message": message, "minutes": minutes}, status=429)


@dataclass
class Lockout:
    """A username or an address locked now: its failures within the cool-off, the last one, when the lock
    lifts by itself, and the addresses (for a username) or usernames (for an address) the failures came with."""

    kind: str
    value: str
    failures: int
    last_failure: datetime
    until: datetime
    seen_with: list[str] = field(default_factory=list)


def list_lockouts(*, now: datetime | None = None) -> list[Lockout]:
    """Every username and address locked now, the most recent failure first."""
    now = now or timezone.now()
    attempts = list(
        AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME).order_by("-attempt_time")
    )
    lockouts = []
    for kind, attribute in KINDS.items():
        other = "ip_address" if attribute == "username" else "username"
        groups: dict[str, list[AccessAttempt]] = {}
        for attempt in attempts:
            value = getattr(attempt, attribute)
            if value:
                groups.setdefault(value, []).append(attempt)
        for value, rows in groups.items():
            lifted_at = _lifts_at(rows)
            if lifted_at is not None:
                lockouts.append(Lockout(
                    kind=kind, value=value, failures=sum(row.failures_since_start for row in rows),
                    last_failure=rows[0].attempt_time, until=lifted_at,
                    seen_with=sorted({getattr(row, other) for row in rows if getattr(row, other)}),
                ))
    return sorted(lockouts, key=lambda lockout: lockout.last_failure, reverse=True)


def lift_lockout(*, kind: str, value: str, by, from_address: str | None) -> int:
    """Forget the failures of a username or an address (kind "username" or "address"), which lifts its lock;
    return how many attempt rows were deleted. Logged with who lifted it and from where.

    Raises PortalError for another kind or an empty value.
    """
    value = value.strip()
    if kind not in KINDS or not value:
        raise PortalError("Choose a username or an address to unlock.", code="invalid")
    if kind == "address":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            raise PortalError(f"“{value}” is not an IP address.", code="invalid") from None
    deleted = reset(username=value) if kind == "username" else reset(ip=value)
    logger.warning("lock-out lifted: %s %r by %s from %s (%d attempt rows deleted)",
                   kind, value, by.get_username(), from_address or "?", deleted)
    return deleted


def _lifts_at(rows: list[AccessAttempt]) -> datetime | None:
    """When the lock these rows make lifts by itself (None: they make none). Rows newest first: the lock
    holds until the row that brings the sum to the limit leaves the cool-off window."""
    total = 0
    for row in rows:
        total += row.failures_since_start
        if total >= settings.AXES_FAILURE_LIMIT:
            return row.attempt_time + settings.AXES_COOLOFF_TIME
    return None
