"""Every Celery task of the messaging app: load by id, call one service, own when to try again.

Every task runs in the schema of the tenant that queued it (messaging/dispatch.py pins it) and is safe
to run twice: the services guard with conditional UPDATEs and locked rows. Tasks are queued only
through messaging.dispatch, by name.
"""

import logging
import random
import time

from django.db import connection

from messaging import dispatch
from messaging.exceptions import (
    MediaDownloadFailed,
    NotificationFailed,
    ReconcileLater,
    SendThrottled,
    TransientSendError,
)
from messaging.services import retention
from messaging.services.compliance import registrations
from messaging.services.configuration import bandwidth_connect
from messaging.services.conversations import notifications
from messaging.services.inbound import inbox, process
from messaging.services.inbound import media as inbound_media
from messaging.services.inbound import sweep as inbound_sweep
from messaging.services.outbound import deliver, reconcile
from messaging.services.outbound import sweep as outbound_sweep
from portal import logs
from portal.celery import app
from tenants.models import Tenant
from tenants.schemas import for_each_tenant

logger = logging.getLogger(__name__)
MEDIA_MAX_RETRIES = 6
NOTIFY_MAX_RETRIES = 4


# --- outbound -----------------------------------------------------------------------------------------

@app.task(bind=True, name="messaging.deliver_message", acks_late=True, max_retries=None)
def deliver_message(self, message_id: int, slot_at: float | None = None) -> None:
    """Send one queued message. The service counts attempts on the row and fails the message after
    SMS_SEND_MAX_RETRIES retries, so the task itself has no retry limit."""
    try:
        with logs.bound(message_id=message_id):
            deliver.deliver_message(message_id=message_id, slot_at=slot_at)
    except SendThrottled as exc:
        # Waiting for the sender number's slot is not a retry: queue a fresh run for the slot.
        if self.request.is_eager:
            time.sleep(exc.wait)  # eager runs (tests, shell) cannot wait in the broker
        # The row stays queued with next_attempt_at: if this publish fails, the sweeper sends it.
        dispatch.now("messaging.deliver_message", message_id, slot_at=exc.slot_at, countdown=exc.wait)
    except TransientSendError as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after) from None


@app.task(bind=True, name="messaging.reconcile_message", acks_late=True, max_retries=None)
def reconcile_message(self, message_id: int) -> None:
    """Settle a message whose send outcome is unknown; the service gives up after a day."""
    try:
        with logs.bound(message_id=message_id):
            reconcile.reconcile_message(message_id=message_id)
    except ReconcileLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after) from None


@app.task(name="messaging.sweep_outbound")
def sweep_outbound() -> dict[str, int]:
    """Re-queue lost outbound work in every tenant (Celery beat runs this every 30 s)."""
    totals = {"tenants": 0, "queued": 0, "stuck": 0, "unknown": 0}
    for _tenant in for_each_tenant():
        counts = outbound_sweep.sweep_messages()
        totals["tenants"] += 1
        for key, value in counts.items():
            totals[key] += value
    if totals["queued"] or totals["stuck"] or totals["unknown"]:
        logger.info("outbound sweep: %s", totals)
    return totals


# --- inbound ------------------------------------------------------------------------------------------

@app.task(name="messaging.drain_inbox", acks_late=True)
def drain_inbox() -> int:
    """Process the tenant's pending callbacks in batches until none is left (woken by the webhook's hand-off,
    the sweeper, Retry and an enabled configuration). Safe beside other drains of the same tenant."""
    return inbox.drain_inbox()


@app.task(name="messaging.process_callback", acks_late=True)
def process_callback(event_id: int) -> None:
    """One stored callback. Nothing queues it any more; kept so that tasks an earlier release queued run."""
    process.process_callback(event_id=event_id)


@app.task(name="messaging.process_callbacks", acks_late=True)
def process_callbacks(event_ids: list[int]) -> None:
    """Callbacks handed over by id. Nothing queues it any more; kept so that tasks an earlier release queued
    run. Each event is processed on its own (process_callback)."""
    for event_id in event_ids:
        process.process_callback(event_id=event_id)


@app.task(bind=True, name="messaging.download_media", acks_late=True, max_retries=MEDIA_MAX_RETRIES)
def download_media(self, media_id: int) -> None:
    try:
        inbound_media.download_media(media_id=media_id)
    except MediaDownloadFailed as exc:
        if self.request.retries >= self.max_retries:
            inbound_media.mark_failed_after_retries(media_id=media_id, reason=str(exc))
            return
        delay = exc.retry_after or min(600, 5 * 2**self.request.retries) * random.uniform(0.8, 1.2)
        raise self.retry(exc=exc, countdown=delay) from exc


@app.task(name="messaging.process_waiting_callbacks")
def process_waiting_callbacks(configuration_id: int) -> int:
    """Queue the callbacks a disabled configuration kept waiting (run when it is enabled again)."""
    return process.queue_waiting_callbacks(configuration_id=configuration_id)


@app.task(name="messaging.sweep_inbound")
def sweep_inbound() -> int:
    """Re-queue, in every enabled tenant, callbacks and media downloads whose task was lost (Redis
    restart, killed worker): the rows, not the queue, say what is left to do."""
    queued = 0
    for _tenant in for_each_tenant(Tenant.objects.filter(is_active=True)):
        queued += inbound_sweep.sweep_inbound()
    return queued


# --- notifications ------------------------------------------------------------------------------------

@app.task(bind=True, name="messaging.notify_inbound", acks_late=True, max_retries=NOTIFY_MAX_RETRIES)
def notify_inbound(self, message_id: int) -> None:
    """E-mail the users who asked about a new inbound message. The mails the server did not take are tried
    again with backoff; after the last retry the inbound sweeper still queues them while the message is
    recent (NOTIFY_SWEEP_MINUTES)."""
    try:
        with logs.bound(message_id=message_id):
            notifications.notify_inbound(message_id=message_id)
    except NotificationFailed as exc:
        if self.request.retries >= self.max_retries:
            logger.warning("giving up e-mailing %s user(s) about message %s for now", len(exc.user_ids), message_id)
            return
        delay = min(300, 15 * 2**self.request.retries) * random.uniform(0.8, 1.2)
        raise self.retry(exc=exc, countdown=delay) from None


# --- retention ----------------------------------------------------------------------------------------

@app.task(name="messaging.purge_expired_data_everywhere")
def purge_expired_data_everywhere() -> int:
    """Queue `purge_expired_data` inside every tenant, disabled ones included (Celery beat runs this hourly): one
    task per tenant, so one large tenant's time budget does not hold up the others and workers share them."""
    queued = 0
    for _tenant in for_each_tenant(Tenant.objects.only("pk", "schema_name")):
        dispatch.on_commit("messaging.purge_expired_data")
        queued += 1
    return queued


@app.task(name="messaging.purge_expired_data", acks_late=True)
def purge_expired_data() -> dict:
    """Purge the current tenant's expired callbacks, media files and messages (safe to run twice)."""
    tenant = Tenant.objects.get(schema_name=connection.schema_name)
    return retention.purge_expired_data(tenant=tenant)


# --- Bandwidth connection ---------------------------------------------------------------------------------------

@app.task(name="messaging.check_bandwidth_connections")
def check_bandwidth_connections() -> int:
    """Queue `check_tenant_bandwidth_connections` inside every enabled tenant (Celery beat, every
    BANDWIDTH_DRIFT_CHECK_MINUTES): one task per tenant, so one tenant's slow or failing Bandwidth account does not
    hold up or stop the others."""
    queued = 0
    for _tenant in for_each_tenant(Tenant.objects.filter(is_active=True).only("pk", "schema_name")):
        dispatch.on_commit("messaging.check_tenant_bandwidth_connections")
        queued += 1
    return queued


@app.task(name="messaging.check_tenant_bandwidth_connections", acks_late=True)
def check_tenant_bandwidth_connections() -> int:
    """The drift check of the current tenant's connected configurations (safe to run twice: it only overwrites)."""
    return bandwidth_connect.check_connections()


# --- 10DLC and toll-free status from Bandwidth --------------------------------------------------------

@app.task(name="messaging.refresh_number_registrations")
def refresh_number_registrations() -> int:
    """Queue a registration refresh inside every active tenant (Celery beat, every
    BANDWIDTH_REGISTRATION_REFRESH_MINUTES): one task per tenant, so one tenant's failure or slow account does not
    hold up the others."""
    queued = 0
    for _tenant in for_each_tenant(Tenant.objects.filter(is_active=True).only("pk", "schema_name")):
        dispatch.on_commit("messaging.refresh_tenant_registrations")
        queued += 1
    return queued


@app.task(name="messaging.refresh_tenant_registrations", acks_late=True)
def refresh_tenant_registrations() -> dict:
    """Read the current tenant's numbers' 10DLC and toll-free status from Bandwidth (safe to run twice)."""
    result = registrations.refresh_registrations()
    return {"accounts": result.accounts, "updated": result.updated, "errors": result.errors}
