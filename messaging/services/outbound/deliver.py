"""Delivering one queued outbound message to Bandwidth, at most once.

Order of a run: idempotency guards, checks that need no claim, a rate-limit slot for the sender
number, then the claim (queued → sending, one conditional UPDATE: a second copy of the task stops
there), media uploads and the POST with no transaction open, and one conditional UPDATE recording
what happened. A send whose answer was lost goes to `unknown` and is reconciled, never re-posted.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from messaging import dispatch, live
from messaging import metrics as message_metrics
from messaging.bandwidth import (
    BandwidthClient,
    BandwidthError,
    BandwidthOutcomeUnknown,
    BandwidthRateLimited,
    SentMessage,
)
from messaging.exceptions import SendRefused, SendThrottled, TransientSendError
from messaging.models import Message, MessageMedia, MessageRecipient, OptOut, PhoneNumber, SmsConfiguration
from messaging.services.configuration.sms_configurations import credentials_of
from messaging.services.outbound import rate_limit, routing
from messaging.services.outbound.media import media_urls_for_sending
from messaging.services.outbound.rows import Columns
from messaging.services.outbound.status import (
    advance,
    bandwidth_error_text,
    lower_than,
    outcome_unknown_text,
    return_recipients,
)

logger = logging.getLogger(__name__)
Status = Message.Status

RESERVE_AHEAD = 60.0  # seconds: a slot further away is not held; the task comes back for it later
SLEEP_UNDER = 0.5  # a slot this close is waited for in the worker rather than through the broker
MAX_COUNTDOWN = 600.0  # far below the broker's visibility timeout
EARLY_TOLERANCE = timedelta(seconds=2)
BACKOFF_BASE, BACKOFF_MAX, RETRY_AFTER_MAX = 2.0, 600.0, 3600.0
RECONCILE_FIRST_AFTER = 60.0
REDIS_DOWN_WAIT = 5.0


def deliver_message(*, message_id: int, slot_at: float | None = None) -> None:
    """Send the queued message to Bandwidth once.

    Returns without doing anything for a message that has Bandwidth's id, is not `queued` (another copy
    holds it, or it is settled) or is not due yet. Raises SendThrottled when the sender number has no
    slot now (the message stays queued), and TransientSendError after a 429, 5xx or unreachable
    Bandwidth (the row is back in `queued`, `next_attempt_at` set to the retry time). Ends in `failed`
    with a reason in plain words for Bandwidth's refusals, for a configuration that can no longer send,
    a recipient who opted out meanwhile, or when SMS_SEND_MAX_RETRIES retries are used up.
    `slot_at` is the rate-limit slot an earlier run reserved (SendThrottled.slot_at), passed back.
    """
    message = _load(message_id)
    if message is None or message.provider_message_id or message.status != Status.QUEUED:
        return
    if slot_at is None and message.next_attempt_at and message.next_attempt_at > timezone.now() + EARLY_TOLERANCE:
        return  # an early copy (sweeper, redelivery): the copy queued for next_attempt_at will run
    problem = _cannot_send(message)
    if problem:
        advance(message.pk, Status.FAILED, error_description=problem, next_attempt_at=None)
        return
    _take_slot(message, slot_at)
    now = timezone.now()
    if not _claim(message.pk, now):
        return
    message.status, message.claimed_at, message.attempts = Status.SENDING, now, message.attempts + 1
    _post(message)


def _load(message_id: int) -> Message | None:
    """The outbound message with its configuration, and in the same query what the checks before the claim
    need: the recipients who opted out of its sender (`opted_out`), the sender number's own rate or else its
    campaign class's (`sender_rate`, None when neither is known or it is not one of our DIDs) and whether it has
    attachments (`has_media`).
    Hand-written (rows.py): compiling the equivalent queryset took about a third of the worker's CPU."""
    message_columns, config_columns, sql = _load_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [message_id])
        row = cursor.fetchone()
    if row is None:
        return None
    message = message_columns.build(row)
    if message.sms_configuration_id is not None:
        message.sms_configuration = config_columns.build(row, len(message_columns))
    extra = len(message_columns) + len(config_columns)
    message.opted_out, message.sender_rate, message.has_media = row[extra:extra + 3]
    return message


@cache
def _load_query() -> tuple[Columns, Columns, str]:
    message = Columns(Message, "m")
    # Without the callback password: a decryption per send that nothing here reads.
    configuration = Columns(SmsConfiguration, "c", exclude=("callback_password",))
    sql = (
        f"SELECT {message.sql}, {configuration.sql}, "
        f'ARRAY(SELECT o.remote_number FROM "{OptOut._meta.db_table}" o WHERE o.number = m.from_number '
        f"AND o.remote_number = ANY(m.to_numbers) ORDER BY o.remote_number), "
        # The number's own rate, else its 10DLC campaign class's share (PhoneNumber.effective_rate's order).
        f"(SELECT COALESCE(CASE WHEN p.rate_per_second > 0 THEN p.rate_per_second END, p.campaign_rate_per_second) "
        f'FROM "{PhoneNumber._meta.db_table}" p WHERE p.number = m.from_number), '
        f'EXISTS(SELECT 1 FROM "{MessageMedia._meta.db_table}" a WHERE a.message_id = m.id) '
        f'FROM "{Message._meta.db_table}" m '
        f'LEFT JOIN "{SmsConfiguration._meta.db_table}" c ON c.id = m.sms_configuration_id '
        f"WHERE m.id = %s AND m.direction = '{Message.Direction.OUTBOUND}'"
    )
    return message, configuration, sql


# queued -> sending for the message and its recipients in one statement (atomic without a transaction);
# a second copy of the task finds no queued row and stops.
_CLAIM_SQL = f"""
WITH claimed AS (
    UPDATE "{Message._meta.db_table}"
       SET status = %(sending)s, claimed_at = %(now)s, attempts = attempts + 1, next_attempt_at = NULL
     WHERE id = %(id)s AND status = %(queued)s AND provider_message_id = ''
 RETURNING id
), followed AS (
    UPDATE "{MessageRecipient._meta.db_table}"
       SET status = %(sending)s, updated_at = %(now)s
     WHERE message_id IN (SELECT id FROM claimed) AND status = %(queued)s
 RETURNING 1
)
SELECT (SELECT count(*) FROM claimed), (SELECT count(*) FROM followed)
"""


def _claim(message_id: int, now) -> bool:
    """Claim the message; its recipients follow it (announced live, as status.follow_message does)."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"id": message_id, "now": now, "queued": Status.QUEUED,
                                    "sending": Status.SENDING})
        claimed, followed = cursor.fetchone()
    if followed:
        live.message_changed(message_id)
    return bool(claimed)


def _cannot_send(message: Message) -> str:
    configuration = message.sms_configuration
    if configuration is None:
        return "The SMS configuration this message was routed through has been deleted; nothing was sent."
    try:
        routing.check_configuration_sends(configuration)
    except SendRefused as exc:
        return exc.message
    # An automatic keyword reply is the one send an opt-out lets through: it confirms the opt-out (CTIA).
    if message.opted_out and not message.keyword_reply:
        return f"{', '.join(message.opted_out)} opted out (see Opt-outs) before the message went out; nothing was sent."
    try:
        routing.check_sender_reaches(message.from_number, message.to_numbers)
    except SendRefused as exc:
        return exc.message
    expires_at = expiration_of(message)
    if expires_at is not None and expires_at <= timezone.now():
        return (f"The message expired at {expires_at:%Y-%m-%d %H:%M:%S %Z} (SMS configuration "
                f"{configuration.name} expires messages {configuration.expiration_minutes} minutes after they are "
                "queued) before Bandwidth could take it; nothing was sent.")
    return ""


def expiration_of(message: Message):
    """The `expiration` sent to Bandwidth: queued time plus the configuration's duration (None: none set).
    From the queued time, not the attempt's, so retries and rate-limit waits do not push it back."""
    minutes = message.sms_configuration.expiration_minutes
    return message.created_at + timedelta(minutes=minutes) if minutes else None


def _post(message: Message) -> None:
    client = BandwidthClient(credentials_of(message.sms_configuration))
    try:
        media = media_urls_for_sending(message, client) if message.has_media else []
        sent = client.send_message(
            application_id=message.sms_configuration.application_id, to=message.to_numbers,
            from_=message.from_number, text=message.text, media=media, tag=str(message.uid),
            priority=message.sms_configuration.priority or None, expiration=expiration_of(message),
        )
    except BandwidthOutcomeUnknown as exc:
        message_metrics.bandwidth_answer("send", error=exc)
        _outcome_unknown(message, exc)
    except BandwidthError as exc:
        message_metrics.bandwidth_answer("send", error=exc)
        if exc.transient:
            _retry_or_fail(message, exc)
        else:
            _fail(message, bandwidth_error_text(exc))
    except OSError as exc:
        _fail(message, f"An attachment could not be read from storage ({exc.__class__.__name__}); nothing was sent.")
    except ValueError as exc:
        _fail(message, f"The message could not be sent as stored: {exc}.")
    else:
        message_metrics.bandwidth_answer("send", status=202)
        _sent(message, sent)


def _sent(message: Message, sent: SentMessage) -> None:
    """advance(SENT) in one statement: forward only, the recipients carried along, Bandwidth's id kept even
    when a receipt already moved the message further."""
    with connection.cursor() as cursor:
        cursor.execute(_SENT_SQL, {
            "id": message.pk, "sent": Status.SENT, "below": lower_than(Status.SENT), "now": timezone.now(),
            "carrier_id": sent.id, "segments": sent.segment_count or None,
        })
        moved = cursor.fetchone()[0]
    if moved:
        message_metrics.message_status("sent")
        live.message_changed(message.pk)


_SENT_SQL = f"""
WITH moved AS (
    UPDATE "{Message._meta.db_table}"
       SET status = %(sent)s, sent_at = %(now)s, provider_message_id = %(carrier_id)s, error_code = NULL,
           error_description = '', next_attempt_at = NULL, segments = COALESCE(%(segments)s, segments)
     WHERE id = %(id)s AND status = ANY(%(below)s)
 RETURNING id
), carried AS (
    UPDATE "{MessageRecipient._meta.db_table}"
       SET status = %(sent)s, updated_at = %(now)s
     WHERE message_id IN (SELECT id FROM moved) AND status = ANY(%(below)s)
), kept AS (
    UPDATE "{Message._meta.db_table}" SET provider_message_id = %(carrier_id)s
     WHERE id = %(id)s AND provider_message_id = '' AND NOT EXISTS (SELECT 1 FROM moved)
)
SELECT count(*) FROM moved
"""


def _fail(message: Message, reason: str) -> None:
    advance(message.pk, Status.FAILED, error_code=None, error_description=reason, next_attempt_at=None)


def _outcome_unknown(message: Message, exc: BandwidthOutcomeUnknown) -> None:
    logger.warning("outcome unknown for message %s: %s", message.pk, exc)
    moved = Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.UNKNOWN,
        next_attempt_at=timezone.now() + timedelta(seconds=RECONCILE_FIRST_AFTER),
        error_description=outcome_unknown_text("The connection to Bandwidth was lost after sending"),
    )
    if moved:
        dispatch.on_commit("messaging.reconcile_message", message.pk, countdown=RECONCILE_FIRST_AFTER)


def _retry_or_fail(message: Message, exc: BandwidthError) -> None:
    reason = bandwidth_error_text(exc)
    if message.attempts >= settings.SMS_SEND_MAX_RETRIES + 1:
        _fail(message, f"Bandwidth could not take the message after {message.attempts} attempts. Last answer: "
                       f"{reason}")
        return
    if isinstance(exc, BandwidthRateLimited) and exc.retry_after:
        try:
            rate_limit.hold(message.from_number, seconds=min(exc.retry_after, RETRY_AFTER_MAX))
        except redis.RedisError:
            logger.warning("could not pause %s after a 429", message.from_number)
    delay = retry_delay(message.attempts, exc.retry_after)
    moved = Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.QUEUED, claimed_at=None, next_attempt_at=timezone.now() + timedelta(seconds=delay),
        error_description=f"Attempt {message.attempts} did not go through: {reason} Trying again in {delay:.0f} s.",
    )
    if moved:
        return_recipients(message.pk)
        raise TransientSendError(reason, retry_after=delay)


def retry_delay(attempt: int, retry_after: float | None) -> float:
    """Seconds before the next attempt: Bandwidth's Retry-After when given, else exponential backoff
    (2, 4, 8 … s, at most 10 min) with jitter, so a burst of failures does not come back together."""
    if retry_after:
        return min(retry_after, RETRY_AFTER_MAX) + random.uniform(0, 1)
    ceiling = min(BACKOFF_BASE * 2 ** max(attempt - 1, 0), BACKOFF_MAX)
    return random.uniform(ceiling / 2, ceiling)


def rate_of(own_rate: float | None) -> float:
    """A sender number's messages per second: its own or its campaign class's (`own_rate`), else SMS_RATE_PER_NUMBER."""
    return own_rate if own_rate and own_rate > 0 else settings.SMS_RATE_PER_NUMBER


def _take_slot(message: Message, slot_at: float | None) -> None:
    """Return when the sender number may send now; raise SendThrottled otherwise."""
    rate = rate_of(message.sender_rate)
    try:
        if slot_at is not None:
            # A slot reserved by an earlier run: valid from (just before) its time to one interval after.
            now = rate_limit.clock()
            if now < slot_at - SLEEP_UNDER:
                _defer(message, slot_at - now, slot_at)
            if now <= slot_at + 1 / rate:
                time.sleep(max(0.0, slot_at - now))
                return
        slot = rate_limit.reserve(message.from_number, rate=rate, max_ahead=RESERVE_AHEAD)
    except redis.RedisError:
        logger.warning("rate limiter unreachable; message %s waits", message.pk)
        _defer(message, REDIS_DOWN_WAIT, None)
    if slot.at is None:
        _defer(message, max(1.0, slot.wait - RESERVE_AHEAD / 2), None)
    if slot.wait > SLEEP_UNDER:
        _defer(message, slot.wait, slot.at)
    if slot.wait > 0:
        message_metrics.rate_limit_wait("sleep", slot.wait)
    time.sleep(slot.wait)


def _defer(message: Message, wait: float, slot_at: float | None) -> None:
    wait = min(wait, MAX_COUNTDOWN)
    message_metrics.rate_limit_wait("deferred", wait)
    Message.objects.filter(pk=message.pk, status=Status.QUEUED).update(
        next_attempt_at=timezone.now() + timedelta(seconds=wait))
    raise SendThrottled(wait=wait, slot_at=slot_at)
