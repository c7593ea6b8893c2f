"""With RabbitMQ as the broker (CELERY_BROKER_URL=amqp://..., quorum queues), delayed tasks wait in the broker.

Run only when the test run's broker is RabbitMQ: `.ci/run` runs the worker tests a second time so, in a
virtual host of their own (README, Tests). The rest of the worker tests run there unchanged.
"""

import time

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from messaging import dispatch
from portal.celery import app
from tenants.models import Tenant
from tenants.tasks import refresh_tenant_counts
from tests.worker import running_worker

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.BROKER_IS_RABBITMQ, reason="the broker of this run is not RabbitMQ"),
]


@pytest.fixture
def tenants(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        Tenant.objects.filter(slug__in=["acme", "globex"]).update(counts={})
        yield Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
        Tenant.objects.filter(slug__in=["acme", "globex"]).update(counts={})


def _wait_for_counts(tenant: Tenant, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tenant.refresh_from_db()
        if tenant.counts:
            return True
        time.sleep(0.2)
    return False


def test_a_delayed_task_does_not_hold_up_the_next_one(tenants, django_db_blocker):
    """A worker with one process takes one message at a time; a task due in a minute must not be that
    message (quorum queues do not let the worker raise its prefetch to hold it): the broker keeps it."""
    acme, globex = tenants
    with django_db_blocker.unblock(), running_worker(concurrency=1) as queue:
        with tenant_context(acme):
            refresh_tenant_counts.apply_async(queue=queue, countdown=60)
        with tenant_context(globex):
            refresh_tenant_counts.apply_async(queue=queue)
        assert _wait_for_counts(globex), "the task due now waited behind the delayed one"
        acme.refresh_from_db()
    assert acme.counts == {}  # and the delayed one is still waiting for its minute


def test_a_countdown_under_a_second_is_published_and_runs(tenants, django_db_blocker):
    """The sender's rate-limit waits are mostly a fraction of a second (messaging/tasks.py)."""
    acme, _ = tenants
    with django_db_blocker.unblock(), running_worker(concurrency=1) as queue:
        app.conf.update(task_routes={"tenants.*": {"queue": queue}})
        try:
            with tenant_context(acme):
                assert dispatch.now("tenants.refresh_tenant_counts", countdown=0.3)
            assert _wait_for_counts(acme)
        finally:
            app.conf.update(task_routes=None)
