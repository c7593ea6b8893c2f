"""What the messaging services report to the portal's metrics (portal/metrics.py): one call per hook.

Labels are ids and categories only, never a number or a text. The tenant is the schema the code runs in,
by its slug.
"""

from __future__ import annotations

from django.db import connection

from messaging.bandwidth import BandwidthError, BandwidthOutcomeUnknown, describe_error
from messaging.models import WebhookEvent
from messaging.selectors.callback_silence import list_callback_silences
from portal import metrics
from portal.logs import tenant_label


def failure_category(error_code: int | None) -> str:
    """Bandwidth's error category of a failure (bandwidth/codes.py: 10dlc, spam, carrier, ...), `rejected`
    without a code (Bandwidth's API refused the send, or the portal could not send it)."""
    return "rejected" if error_code is None else describe_error(error_code).category


def message_status(status: str, *, direction: str = "out", error_code: int | None = None, amount: int = 1) -> None:
    """`amount` messages of the current tenant reached `status` (queued, sent, delivered, failed, received)."""
    if amount:
        category = failure_category(error_code) if status == "failed" else ""
        metrics.count("portal_messages", amount, after_commit=True, tenant=tenant_label(connection.schema_name),
                      direction=direction, status=status, category=category)


def bandwidth_answer(operation: str, *, status: int | str | None = None, error: BaseException | None = None) -> None:
    """Bandwidth answered `operation` (`send`) with HTTP `status`, or with `error` (its HTTP status; `timeout`
    when the request went out and no answer came back; `connection` when Bandwidth was not reached)."""
    if isinstance(error, BandwidthOutcomeUnknown):
        status = "timeout"  # the request went out, no answer came back
    elif status is None and isinstance(error, BandwidthError):
        status = error.status
    metrics.count("portal_bandwidth_responses", operation=operation, status=str(status or "connection"))


def requeued_outbound(*, queued: int, stuck: int, unknown: int) -> None:
    """The outbound sweeper queued lost sends again (`queued`), took `stuck` sends to reconcile, and queued
    the reconciliation of `unknown` ones again."""
    for kind, amount in (("send", queued), ("stuck_send", stuck), ("reconcile", unknown)):
        if amount:
            metrics.count("portal_sweeper_requeued", amount, kind=kind)


def requeued_inbound(*, callbacks_waiting: int, media: int, notifications: int) -> None:
    """The inbound sweeper found `callbacks_waiting` callbacks waiting over a minute in the current tenant
    (the pending gauge; a drain was woken for them), and queued lost media downloads and notifications."""
    metrics.gauge("portal_callbacks_pending", callbacks_waiting, tenant=tenant_label(connection.schema_name))
    for kind, amount in (("callbacks", callbacks_waiting), ("media", media), ("notification", notifications)):
        if amount:
            metrics.count("portal_sweeper_requeued", amount, kind=kind)


def rate_limit_wait(reason: str, seconds: float) -> None:
    """A send waited `seconds` for its sender number's slot: `sleep` in the worker (under half a second),
    `deferred`: queued again for its slot (or while the limiter's Redis could not be asked)."""
    metrics.count("portal_rate_limit_waits", reason=reason)
    if seconds > 0:
        metrics.count("portal_rate_limit_wait_seconds", round(seconds, 3) or 0.001)


def report_failed_callbacks() -> None:
    """The current tenant's callbacks in the failed state, as a gauge (with the tenant counts, every 5 min:
    one count on the failed rows, not a query per scrape)."""
    failed = WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).count()
    metrics.gauge("portal_callbacks_failed_now", failed, tenant=tenant_label(connection.schema_name))


def report_callback_silences() -> None:
    """The current tenant's SMS configurations whose "no callbacks" alarm is on (selectors/callback_silence.py),
    as a gauge, with the tenant counts (every 5 min)."""
    metrics.gauge("portal_callback_silence_alarms", len(list_callback_silences()),
                  tenant=tenant_label(connection.schema_name))


def callback_failed() -> None:
    """A stored callback of the current tenant ended failed."""
    metrics.count("portal_callbacks_failed", after_commit=True, tenant=tenant_label(connection.schema_name))
