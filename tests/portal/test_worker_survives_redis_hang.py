"""A Redis that hangs under a running worker (SIGSTOP: connections accepted, nothing answered): when it
answers again, the worker consumes again by itself.

bench/faults.py found a worker alive, answering `inspect ping` and consuming nothing after a 20 s hang,
with hundreds of tasks in its queue: tasks that finished during the hang could not be acknowledged, and
kombu kept counting them as delivered, so with the prefetch count reached it never asked Redis for a
message again (portal/broker.py). Here one task finishes during the hang under a worker of concurrency 1
(prefetch count 1). The fix is in the app: the production command and an operator's plain
`celery -A portal worker -B` both get it.
"""

import sys
import time

import kombu.exceptions
import pytest
import redis
from django_tenants.utils import tenant_context

from messaging import dispatch
from messaging.models import Trunk
from portal import processes
from portal.celery import app
from tenants.models import Tenant
from tests.worker import celery_process, using_broker

pytestmark = pytest.mark.worker

HANG_SECONDS = 16  # past the countdown task's time and the transport's health check interval (10 s)


@pytest.fixture
def acme_with_trunks(django_db_setup, django_db_blocker):
    """Committed data a task can count from another process."""
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            Trunk.objects.bulk_create([Trunk(name=f"hang {i}", host="sip.example.net") for i in range(3)])
        yield acme
        with tenant_context(acme):
            Trunk.objects.filter(name__startswith="hang ").delete()
        Tenant.objects.filter(pk=acme.pk).update(counts={})


COMMAND_LINES = {
    "production": lambda: processes.command("worker", "-c", "1"),
    "plain -B": lambda: [sys.executable, "-m", "celery", "-A", "portal", "worker", "-B", "-l", "info", "-c", "1"],
}


@pytest.mark.parametrize("command_line", COMMAND_LINES)
def test_worker_consumes_again_after_redis_hung(
    command_line, private_redis, acme_with_trunks, django_db_blocker, tmp_path
):
    env = {"REDIS_URL": private_redis.url, "CELERY_BROKER_URL": private_redis.url,
           "CELERY_RESULT_BACKEND": private_redis.url, "CELERY_TASK_DEFAULT_QUEUE": "celery",
           "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule")}
    with (django_db_blocker.unblock(), using_broker(private_redis.url),
          celery_process(COMMAND_LINES[command_line](), extra_env=env) as worker):
        with tenant_context(acme_with_trunks):
            assert dispatch.now("tenants.refresh_tenant_counts")
        _wait_until(lambda: Tenant.objects.get(pk=acme_with_trunks.pk).counts.get("trunks") == 3,
                    "the worker to run a task before the hang")
        Tenant.objects.filter(pk=acme_with_trunks.pk).update(counts={})
        # As in bench/faults.py: a restart first (the consumer reconnects: new channels), then the hang.
        private_redis.restart()
        with tenant_context(acme_with_trunks):
            _wait_until(lambda: dispatch.now("tenants.refresh_tenant_counts"), "a publish after the restart")
        _wait_until(lambda: Tenant.objects.get(pk=acme_with_trunks.pk).counts.get("trunks") == 3,
                    "the worker to run a task after the restart")
        Tenant.objects.filter(pk=acme_with_trunks.pk).update(counts={})
        # A task that runs, and is acknowledged, while Redis hangs: its acknowledgement times out.
        with tenant_context(acme_with_trunks):
            assert dispatch.now("tenants.refresh_tenant_counts", countdown=8)
        _wait_until(lambda: _scheduled() >= 1, "the worker holding the countdown task")

        private_redis.hang()
        try:
            time.sleep(HANG_SECONDS)
        finally:
            private_redis.resume()
        assert worker.poll() is None, "the worker exited while Redis hung"

        with tenant_context(acme_with_trunks):
            _wait_until(lambda: dispatch.now("tenants.refresh_tenant_counts"), "a publish after the hang")
        _wait_until(lambda: Tenant.objects.get(pk=acme_with_trunks.pk).counts.get("trunks") == 3,
                    "the task queued after the hang to run", timeout=45)
        assert worker.poll() is None


def _scheduled() -> int:
    try:
        replies = app.control.inspect(timeout=1).scheduled() or {}
    except (OSError, redis.RedisError, kombu.exceptions.OperationalError):
        return 0  # this process's pooled connection died with the restart: the next call has a new one
    return sum(len(tasks) for tasks in replies.values())


def _wait_until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
