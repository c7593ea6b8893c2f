"""A Redis restart under a running worker: the worker reconnects by itself and the next task runs.

The worker holds unacknowledged messages when Redis goes (tasks with a countdown wait in the worker,
unacknowledged, until their time): that is what killed it with celery/kombu 5.7.0 ("Unrecoverable error:
AttributeError: 'NoneType' object has no attribute 'hostname'" while restoring them; see pyproject.toml).
Both the production command line and an operator's plain `celery -A portal worker -B` must survive:
the fix lives in the app's configuration, not in flags.
"""

import sys
import time

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from messaging import dispatch
from messaging.models import Trunk
from portal import processes
from portal.celery import app
from tenants.models import Tenant
from tests.worker import celery_process, using_broker

pytestmark = [
    pytest.mark.worker,
    # It restarts Redis as the broker: a run whose broker is RabbitMQ has other settings for it.
    pytest.mark.skipif(settings.BROKER_IS_RABBITMQ, reason="Redis-broker behaviour; this run's broker is RabbitMQ"),
]

WAITING = 5


@pytest.fixture
def acme_with_trunks(django_db_setup, django_db_blocker):
    """Committed data a task can count from another process."""
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            Trunk.objects.bulk_create([Trunk(name=f"restart {i}", host="sip.example.net") for i in range(2)])
        yield acme
        with tenant_context(acme):
            Trunk.objects.filter(name__startswith="restart ").delete()
        Tenant.objects.filter(pk=acme.pk).update(counts={})


COMMAND_LINES = {
    "production": lambda: processes.command("worker"),
    "plain -B": lambda: [sys.executable, "-m", "celery", "-A", "portal", "worker", "-B", "-l", "info"],
}


@pytest.mark.parametrize("command_line", COMMAND_LINES)
def test_worker_survives_a_redis_restart_and_runs_the_next_task(
    command_line, private_redis, acme_with_trunks, django_db_blocker, tmp_path
):
    env = {"REDIS_URL": private_redis.url, "CELERY_BROKER_URL": private_redis.url,
           "CELERY_RESULT_BACKEND": private_redis.url, "CELERY_TASK_DEFAULT_QUEUE": "celery",
           "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule")}
    with (django_db_blocker.unblock(), using_broker(private_redis.url),
          celery_process(COMMAND_LINES[command_line](), extra_env=env) as worker):
        for _ in range(WAITING):
            assert dispatch.now("tenants.refresh_tenant_counts", countdown=600)
        _wait_until(lambda: _scheduled() >= WAITING, "the worker holding the countdown tasks, unacknowledged")

        private_redis.restart()
        time.sleep(3)  # the worker notices the lost connection and reconnects meanwhile (or, broken, exits)
        assert worker.poll() is None, "the worker exited when Redis restarted"

        with tenant_context(acme_with_trunks):
            _wait_until(lambda: dispatch.now("tenants.refresh_tenant_counts"), "a publish to the new Redis")
        _wait_until(lambda: Tenant.objects.get(pk=acme_with_trunks.pk).counts.get("trunks") == 2,
                    "the task queued after the restart to run")
        assert worker.poll() is None


def _scheduled() -> int:
    replies = app.control.inspect(timeout=1).scheduled() or {}
    return sum(len(tasks) for tasks in replies.values())


def _wait_until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
