"""The one way to hand work to a Celery task.

`on_commit` publishes once the current transaction commits (at once in autocommit), pinned to the tenant
schema that is current NOW, so a commit after the tenant context has exited still runs the task in the
right tenant. Tasks are named, not imported: services never import tasks, and no import cycle forms.

The database row is the record of work to do and this is only the fast path: when the broker cannot be
reached the failure is logged and left to the sweepers, so a stored row never turns into an error answer
(a client retrying would send twice; Bandwidth retrying would redeliver).
"""

import logging
import time

from django.db import connection, transaction

from portal import logs
from portal.celery import app

logger = logging.getLogger(__name__)


def on_commit(task_name: str, *args, countdown: float | None = None, **kwargs) -> None:
    """Queue the task `task_name(*args, **kwargs)` after commit, in the current tenant's schema."""
    schema_name = connection.schema_name
    transaction.on_commit(lambda: publish(task_name, args, kwargs, countdown=countdown, schema_name=schema_name))


def now(task_name: str, *args, countdown: float | None = None, **kwargs) -> bool:
    """Queue the task at once, in the current tenant's schema: for a task handing work to its next run,
    where no transaction holds the row. False (logged) when the broker cannot take it."""
    return publish(task_name, args, kwargs, countdown=countdown, schema_name=connection.schema_name)


def on_commit_each(task_name: str, ids: list[int]) -> None:
    """`on_commit(task_name, id)` for each id: one task per row."""
    for pk in ids:
        on_commit(task_name, pk)


# After a failed publish this process does not try again for a few seconds: a hung broker costs one
# timeout (REDIS_TIMEOUT), not one per event of a callback batch or per request; the sweepers catch up.
PAUSE_AFTER_FAILURE = 5.0
_paused_until: dict[str, float] = {}  # broker URL -> monotonic time


def publish(task_name: str, args: tuple, kwargs: dict, *, countdown: float | None, schema_name: str) -> bool:
    """Hand the task to the broker now; False (logged) when the broker cannot take it."""
    task = app.tasks[task_name]  # an unknown name is a bug, not an outage: it raises
    broker = "eager" if app.conf.task_always_eager else (app.conf.broker_write_url or app.conf.broker_url)
    if time.monotonic() < _paused_until.get(broker, 0.0):
        logger.warning("could not publish %s%s; the sweeper will pick it up", task_name, args)
        return False
    try:
        # The request id rides along, so the worker's lines about this work carry it too (portal/logs.py).
        headers = {"_schema_name": schema_name, **logs.task_headers()}
        task.apply_async(args, kwargs, countdown=countdown, headers=headers)
    except Exception:  # kombu/redis/amqp errors of every kind
        _paused_until[broker] = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.warning("could not publish %s%s; the sweeper will pick it up", task_name, args, exc_info=True)
        return False
    return True
