"""Draining a tenant's inbox: the worker's side of the webhook, in batches.

One drain (messaging.drain_inbox, woken by handoff.py, the sweeper, Retry or an enabled configuration)
claims the tenant's pending callbacks BATCH at a time and applies each batch in one transaction, until a
claim finds nothing. Per batch: one claim, one lock, the configurations in one query, the receipts
(receipts.py) and the inbound messages (arrivals.py) set by set, the events finished in one UPDATE, the
live events published together after commit.

The claim (`FOR UPDATE SKIP LOCKED`, committed at once) counts the attempt and stamps `claimed_at`: two
drains never take the same event, and a drain whose worker dies hands its events on, counted, once the
claim is CLAIM_SECONDS old. A batch that crashes is rolled back and its events are tried one by one in
their own transactions (process.process_attempt): a poison event gets its error written and, after
WEBHOOK_MAX_ATTEMPTS, ends `failed`; the others of its batch go through. An event claimed again (its
worker died) is claimed alone and tried alone, so an event that kills the worker takes only itself down.
"""

from __future__ import annotations

import logging
import time

from django.db import DatabaseError, InterfaceError, connection, transaction
from django.utils import timezone

from messaging import live
from messaging.models import SmsConfiguration, WebhookEvent
from messaging.services.inbound import arrivals, handoff, process, receipts

logger = logging.getLogger(__name__)

BATCH = 100
CLAIM_SECONDS = 60
DRAIN_SECONDS = 10.0

TABLE = WebhookEvent._meta.db_table
DISABLED = f"SELECT id FROM {SmsConfiguration._meta.db_table} WHERE NOT enabled"
CLAIM_SQL = f"""
    UPDATE {TABLE} SET attempts = attempts + 1, claimed_at = now()
    WHERE id IN (
        SELECT id FROM {TABLE}
        WHERE processed_at IS NULL AND {{attempts}}
          AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => %s))
          AND configuration_id NOT IN ({DISABLED})
        ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
    RETURNING id, attempts
"""
# Once per drain, with the claim of events a dead worker held: the events of disabled configurations say
# why they wait (a data-modifying CTE runs whatever the claim finds; nothing to do most of the time).
NOTE_WAITING = (f"WITH waiting AS (UPDATE {TABLE} SET note = %s WHERE processed_at IS NULL AND note <> %s "
                f"AND configuration_id IN ({DISABLED}) RETURNING 1) ")


def drain_inbox(*, seconds: float = DRAIN_SECONDS) -> int:
    """Process the current tenant's pending callbacks until a claim finds none; return how many events were
    claimed. After `seconds` it hands over to a fresh drain (woken at once), so one busy tenant does not keep
    a worker from the others. Events of a disabled configuration are noted as waiting and left alone."""
    schema_name = connection.schema_name
    handoff.drain_started(schema_name=schema_name)
    started, claimed, first = time.monotonic(), 0, True
    # Events a dead worker held: each alone, in case it was the cause (once per drain: they are rare).
    while again := _claim(fresh=False, limit=1, note_waiting=first):
        process.process_attempt(event_id=again[0][0], attempt=again[0][1])
        claimed, first = claimed + 1, False
    while fresh := _claim(fresh=True, limit=BATCH):
        _process_batch(fresh)
        claimed += len(fresh)
        if time.monotonic() - started > seconds:
            handoff.wake_inbox(schema_name=schema_name)
            break
    return claimed


def _claim(*, fresh: bool, limit: int, note_waiting: bool = False) -> list[tuple[int, int]]:
    """(event id, attempt) of up to `limit` pending events nobody holds, claimed and counted, committed (one
    statement: autocommit makes it its own transaction)."""
    sql = CLAIM_SQL.format(attempts="attempts = 0" if fresh else "attempts > 0")
    params = [CLAIM_SECONDS, limit]
    if note_waiting:
        sql, params = NOTE_WAITING + sql, [process.WAITING_NOTE, process.WAITING_NOTE, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


def _process_batch(claimed: list[tuple[int, int]]) -> None:
    try:
        with transaction.atomic(), live.batched():
            _apply_batch([event_id for event_id, _attempt in claimed])
    except InterfaceError:
        raise  # the connection is gone: the claims expire and another drain takes them
    except Exception as exc:  # noqa: BLE001 - a deadlock or any bug: each event on its own finds which
        if isinstance(exc, DatabaseError) and not connection.is_usable():
            raise
        logger.warning("a batch of %s webhook events failed (%s); trying them one by one", len(claimed),
                       exc.__class__.__name__)
        for event_id, attempt in claimed:
            process.process_attempt(event_id=event_id, attempt=attempt)


def _apply_batch(event_ids: list[int]) -> None:
    events = list(WebhookEvent.objects.select_for_update().filter(pk__in=event_ids, processed_at__isnull=True)
                  .order_by("id"))
    configurations = SmsConfiguration.objects.only("id", "enabled", "trunk_id").in_bulk(
        {event.configuration_id for event in events})
    enabled = [e for e in events if e.configuration_id in configurations
               and configurations[e.configuration_id].enabled]
    notes = receipts.apply_receipts([e for e in enabled if e.event_type in receipts.RECEIPT_TYPES])
    notes |= arrivals.receive_messages([e for e in enabled if e.event_type == "message-received"], configurations)
    finished, waiting, now = [], [], timezone.now()
    for event in events:
        if event.pk in notes:
            state, note = WebhookEvent.State.PROCESSED, notes[event.pk]
        else:
            state, note = process.handle_event(event, configurations.get(event.configuration_id))
        event.note = note
        if state is None:
            waiting.append(event)  # disabled since the claim: not an attempt
        else:
            event.state, event.processed_at = state, now
            finished.append(event)
    if finished:
        WebhookEvent.objects.bulk_update(finished, ["state", "note", "processed_at"])
    if waiting:
        for event in waiting:
            event.attempts, event.claimed_at = max(event.attempts - 1, 0), None
        WebhookEvent.objects.bulk_update(waiting, ["note", "attempts", "claimed_at"])
