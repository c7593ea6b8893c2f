"""Celery tasks of the messaging app: load by id, call one service, own when to try again.

Every task runs in the schema of the tenant that queued it (portal/celery.py) and is safe to run
twice: the services guard with conditional UPDATEs on the Message row.
"""

import logging
import time

from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, tenant_context

from messaging.exceptions import ReconcileLater, SendThrottled, TransientSendError
from messaging.services import sending_delivery, sending_reconcile, sending_sweep
from portal.celery import app
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def publish_on_commit(task, *args, countdown: float | None = None) -> None:
    """Queue `task(*args)` once the current transaction commits (at once in autocommit), in the tenant
    that is current NOW: the schema is fixed here, so a commit that happens after the tenant context
    has exited still runs the task in the right tenant."""
    headers = {"_schema_name": connection.schema_name}

    def publish() -> None:
        # The row is committed and is the record of work: a broker outage must not turn a stored message
        # into an error answer (a client retrying would send twice). The sweeper picks the row up.
        try:
            task.apply_async(args, countdown=countdown, headers=headers)
        except Exception:  # kombu/redis errors of every kind
            logger.warning("could not publish %s%s; the sweeper will pick it up", task.name, args, exc_info=True)

    transaction.on_commit(publish)


@app.task(bind=True, name="messaging.deliver_message", acks_late=True, max_retries=None)
def deliver_message(self, message_id: int, slot_at: float | None = None) -> None:
    """Send one queued message. The service counts attempts on the row and fails the message after
    SMS_SEND_MAX_RETRIES retries, so the task itself has no retry limit."""
    try:
        sending_delivery.deliver_message(message_id=message_id, slot_at=slot_at)
    except SendThrottled as exc:
        # Waiting for the sender number's slot is not a retry: queue a fresh run for the slot.
        if self.request.is_eager:
            time.sleep(exc.wait)  # eager runs (tests, shell) cannot wait in the broker
        deliver_message.apply_async((message_id,), {"slot_at": exc.slot_at}, countdown=exc.wait)
    except TransientSendError as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after) from None


@app.task(bind=True, name="messaging.reconcile_message", acks_late=True, max_retries=None)
def reconcile_message(self, message_id: int) -> None:
    """Settle a message whose send outcome is unknown; the service gives up after a day."""
    try:
        sending_reconcile.reconcile_message(message_id=message_id)
    except ReconcileLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after) from None


@app.task(name="messaging.sweep_outbound")
def sweep_outbound() -> dict[str, int]:
    """Re-queue lost outbound work in every tenant (Celery beat runs this every 30 s)."""
    totals = {"tenants": 0, "queued": 0, "stuck": 0, "unknown": 0}
    for tenant in Tenant.objects.exclude(schema_name=get_public_schema_name()):
        with tenant_context(tenant):
            counts = sending_sweep.sweep_messages()
        totals["tenants"] += 1
        for key, value in counts.items():
            totals[key] += value
    if totals["queued"] or totals["stuck"] or totals["unknown"]:
        logger.info("outbound sweep: %s", totals)
    return totals
