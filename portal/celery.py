"""The Celery app: tenant-aware, so a task runs in the schema of the tenant that queued it.

Its configuration is the CELERY_* settings of portal/settings.py, handed over under Celery's own (lower
case, unprefixed) names. Celery 5.6 looks a namespaced setting up under its prefixed name before the plain
one, so with `namespace="CELERY"` a later `app.conf.update(task_always_eager=True)` (tests, benchmarks)
was silently shadowed by the settings' CELERY_TASK_ALWAYS_EAGER; under plain names an update always wins.
"""

import os
from collections.abc import Iterator, Mapping

from celery.signals import setup_logging, task_postrun, task_prerun
from tenant_schemas_celery.app import CeleryApp

from portal import logs
from portal.broker import WholeSecondDelays, forget_acknowledged_messages_locally

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

PREFIX = "CELERY_"


class _CelerySettings(Mapping):
    """The CELERY_* Django settings under Celery's names, read when Celery first needs its configuration."""

    def _names(self) -> list[str]:
        from django.conf import settings

        return [name.removeprefix(PREFIX).lower() for name in dir(settings) if name.startswith(PREFIX)]

    def __getitem__(self, key: str):
        from django.conf import settings

        try:
            return getattr(settings, PREFIX + key.upper())
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


class PortalCelery(WholeSecondDelays, CeleryApp):
    """tenant-schemas-celery's app (a task runs in the schema it was queued in), with the brokers' fixes."""


forget_acknowledged_messages_locally()
app = PortalCelery("portal")
app.config_from_object(_CelerySettings())
# Celery's Django fixup closes every database connection before and after each task unless it finds
# CELERY_DB_REUSE_MAX, under that upper-case name only (the settings mapping above cannot serve it): two new
# PostgreSQL connections per task, most of a small task's time. With it the fixup closes them only every
# 2 x this many tasks, and _keep_connections below applies Django's own per-request rule instead.
app.conf.update(CELERY_DB_REUSE_MAX=1000)
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _keep_connections(sender=None, **kwargs) -> None:
    """Around every task, what Django does around every request: a connection older than DB_CONN_MAX_AGE,
    or broken (an error occurred and CONN_HEALTH_CHECKS finds it unusable: PostgreSQL restarted), is
    closed, so the next query reconnects; a healthy one is kept for the next task."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside the caller's request or transaction
    from django.db import close_old_connections

    close_old_connections()


@setup_logging.connect
def _django_logging(**_kwargs) -> None:
    """Worker and beat log through the settings' LOGGING (portal/logs.py: LOG_FORMAT, the context of each
    line) instead of Celery's own format, so a collector reads the web's and the worker's lines alike."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


# The request id a task was published with (messaging/dispatch.py) is bound around it (portal/logs.py).
task_prerun.connect(logs.task_started)
task_postrun.connect(logs.task_finished)


@task_postrun.connect
def _store_metrics(**_kwargs) -> None:
    """The events a task counted reach Redis when it ends, in one round trip (portal/metrics.py)."""
    from portal import metrics

    metrics.flush()
