"""Settling a send whose outcome is unknown (the request went out, the answer never came back).

Bandwidth's send takes no idempotency key, so a blind re-POST could deliver the text twice. Instead:
1. a delivery callback carrying our tag may already have moved the message on: then stop;
2. else search Bandwidth's records (sender, first recipient, a window around the attempt): found →
   `sent` (or its final status) with Bandwidth's id;
3. the search answered, nothing matches, and the attempt is over CERTAIN_AFTER old (Bandwidth's records
   are not instant) → certainly not taken: back to `queued`, and sent again;
4. otherwise (too early, or the search failed) → ask again later; after GIVE_UP_AFTER the message
   fails with an explanation instead of being re-sent blindly.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging import dispatch
from messaging.bandwidth import BandwidthClient, BandwidthError, MessageRecord
from messaging.exceptions import ReconcileLater
from messaging.models import Message
from messaging.services.configuration.sms_configurations import credentials_of
from messaging.services.outbound.status import advance, failure_text, return_recipients, settle_recipients

Status = Message.Status

CERTAIN_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=24)
# Bandwidth can only have received our attempt between its start and the client's timeouts (plus
# clock skew): a record outside that window is another message's, however close.
WINDOW_BEFORE = timedelta(seconds=10)
WINDOW_AFTER = timedelta(seconds=settings.BANDWIDTH_CONNECT_TIMEOUT + settings.BANDWIDTH_READ_TIMEOUT + 30)
SEARCH_PAGES, SEARCH_LIMIT = 5, 100
FINAL_STATUS = {"DELIVERED": Status.DELIVERED, "FAILED": Status.FAILED, "REJECTED": Status.FAILED}


def reconcile_message(*, message_id: int) -> None:
    """Settle an `unknown` outbound message by Bandwidth's records; never posts it.

    Returns when settled (or nothing to do); raises ReconcileLater when Bandwidth must be asked again
    later (the row keeps `unknown` and its `next_attempt_at` is the next check).
    """
    message = Message.objects.select_related("sms_configuration").filter(
        pk=message_id, direction=Message.Direction.OUTBOUND).first()
    if message is None or message.status != Status.UNKNOWN or message.provider_message_id:
        return  # a callback (or another copy) already moved it on
    now = timezone.now()
    attempt_at = message.claimed_at or message.updated_at
    if message.sms_configuration is None:
        _give_up(message, "its SMS configuration was deleted, so Bandwidth cannot be asked")
        return
    try:
        record, complete, ambiguous = _search(message, attempt_at, now)
    except BandwidthError as exc:
        if now - attempt_at > GIVE_UP_AFTER:
            _give_up(message, f"Bandwidth could not be asked for a day ({exc.user_message})")
            return
        _later(message, now, attempt_at, f"Bandwidth could not be asked yet: {exc.user_message}")
    if record is not None:
        _found(message, record)
    elif ambiguous:
        if now - attempt_at > GIVE_UP_AFTER:
            _give_up(message, "Bandwidth's records could not be told apart from another message's")
            return
        # Only a callback carrying our tag can tell which record is ours; never guess, never re-send.
        _later(message, now, attempt_at, "Bandwidth has records that could be this message or another one; "
                                         "waiting for its delivery receipt.")
    elif complete and now - attempt_at >= CERTAIN_AFTER:
        _send_again(message, now)
    else:
        _later(message, now, attempt_at, "Bandwidth has no record of it yet; checking again shortly.")


def _search(message: Message, attempt_at: datetime, now: datetime) -> tuple[MessageRecord | None, bool, bool]:
    """Our message among Bandwidth's records of the attempt's window: (the record when exactly one can be
    ours, whether the search saw every record of the window, whether several candidates make it ambiguous)."""
    client = BandwidthClient(credentials_of(message.sms_configuration))
    candidates: list[MessageRecord] = []
    page_token = None
    for _page in range(SEARCH_PAGES):
        result = client.search_messages(
            source_tn=message.from_number, destination_tn=message.to_numbers[0],
            from_date_time=attempt_at - WINDOW_BEFORE, to_date_time=min(now, attempt_at + WINDOW_AFTER),
            limit=SEARCH_LIMIT, page_token=page_token,
        )
        candidates.extend(r for r in result.messages if r.message_id and r.direction.upper() != "INBOUND")
        page_token = result.next_page_token
        if not page_token:
            break
    # Records another of our messages already owns are not ours.
    owned = set(Message.objects.filter(provider_message_id__in=[r.message_id for r in candidates])
                .values_list("provider_message_id", flat=True))
    free = [r for r in candidates if r.message_id not in owned and _in_window(r, attempt_at)]
    if not free:
        return None, page_token is None, False
    if len(free) > 1 or _others_unsettled(message, attempt_at):
        return None, True, True
    return free[0], True, False


def _in_window(record: MessageRecord, attempt_at: datetime) -> bool:
    if record.receive_time is None:
        return True
    return attempt_at - WINDOW_BEFORE <= record.receive_time <= attempt_at + WINDOW_AFTER


def _others_unsettled(message: Message, attempt_at: datetime) -> bool:
    """Another of our messages to the same pair whose attempt overlaps this one and is not settled either."""
    return (
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND, from_number=message.from_number,
            to_numbers__contains=message.to_numbers[:1], status__in=[Status.UNKNOWN, Status.SENDING],
            provider_message_id="",
            claimed_at__gte=attempt_at - WINDOW_AFTER, claimed_at__lte=attempt_at + WINDOW_AFTER,
        ).exclude(pk=message.pk).exists()
    )


def _found(message: Message, record: MessageRecord) -> None:
    """Bandwidth took the message: `sent` with its id. A final record is about one recipient (the search
    asks for the first one), so it settles that recipient, and the message follows its recipients."""
    status = FINAL_STATUS.get(record.status.upper(), Status.SENT)
    fields = {"next_attempt_at": None, "error_code": None, "error_description": ""}
    if record.segment_count:
        fields["segments"] = record.segment_count
    if status != Status.SENT:
        fields["sent_at"] = record.receive_time or timezone.now()
    advance(message.pk, Status.SENT, provider_message_id=record.message_id, **fields)
    if status == Status.SENT:
        return
    failure = {}
    if status == Status.FAILED:
        failure = {"error_code": record.error_code, "error_description": failure_text(record.error_code, record.status)}
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        settle_recipients(locked, status, number=message.to_numbers[0], **failure)


def _send_again(message: Message, now: datetime) -> None:
    moved = Message.objects.filter(pk=message.pk, status=Status.UNKNOWN, provider_message_id="").update(
        status=Status.QUEUED, claimed_at=None, next_attempt_at=now,
        error_description="Bandwidth has no record of the earlier attempt, so it is sent again.",
    )
    if moved:
        return_recipients(message.pk)
        dispatch.on_commit("messaging.deliver_message", message.pk)


def _later(message: Message, now: datetime, attempt_at: datetime, reason: str) -> None:
    age = (now - attempt_at).total_seconds()
    if age < CERTAIN_AFTER.total_seconds():
        delay = CERTAIN_AFTER.total_seconds() - age + 5
    else:
        delay = min(max(30.0, age / 4), 3600.0)
    delay += random.uniform(0, 5)
    Message.objects.filter(pk=message.pk, status=Status.UNKNOWN).update(
        next_attempt_at=now + timedelta(seconds=delay))
    raise ReconcileLater(reason, retry_after=delay)


def _give_up(message: Message, why: str) -> None:
    advance(message.pk, Status.FAILED, next_attempt_at=None, error_description=(
        f"Not known whether Bandwidth took this message: {why}. It was not sent again, to avoid a duplicate."
    ))
