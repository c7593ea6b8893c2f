"""PostgreSQL drops every connection (a restart, a failover, an idle-connection reaper): the worker and the
web process reconnect by themselves, without a restart.

The shared PostgreSQL server is not restarted (other test runs use it): the test database's backends are
terminated instead (pg_terminate_backend), which is what a restart does to each open connection.
"""

import json
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.models import Trunk
from tenants.models import Tenant
from tests.live_portal import running_portal
from tests.worker import running_worker

pytestmark = pytest.mark.worker


def terminate_other_connections() -> int:
    """End every backend of the test database but this test's own; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def acme_trunks(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        acme = Tenant.objects.get(slug="acme")
        with tenant_context(acme):
            Trunk.objects.create(name="reconnect 1", host="sip.example.net")
        yield acme
        with tenant_context(acme):
            Trunk.objects.filter(name__startswith="reconnect ").delete()
        Tenant.objects.filter(pk=acme.pk).update(counts={})


def test_worker_reconnects_after_its_connections_are_terminated(acme_trunks, django_db_blocker):
    with django_db_blocker.unblock(), running_worker(concurrency=2) as queue:
        with tenant_context(acme_trunks):
            Trunk.objects.create(name="reconnect 2", host="sip.example.net")
        _count_trunks(acme_trunks, queue, expect=2)

        # Whatever the worker holds now (its processes may close their connection after each task).
        terminate_other_connections()

        with tenant_context(acme_trunks):
            Trunk.objects.create(name="reconnect 3", host="sip.example.net")
        _count_trunks(acme_trunks, queue, expect=3)


def test_web_reconnects_after_its_connection_is_terminated(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_portal() as base_url:
        assert _healthz(base_url)["database"] == "ok"  # the web process now holds a connection
        assert terminate_other_connections() >= 1
        assert _healthz(base_url)["database"] == "ok"


def _healthz(base_url: str) -> dict:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=10) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def _count_trunks(acme: Tenant, queue: str, *, expect: int) -> None:
    """Queue refresh_tenant_counts in Acme on the worker's queue and wait for the count it stores."""
    from tenants.tasks import refresh_tenant_counts

    with tenant_context(acme):
        refresh_tenant_counts.apply_async(queue=queue)
    deadline = time.monotonic() + 30
    while Tenant.objects.get(pk=acme.pk).counts.get("trunks") != expect:
        assert time.monotonic() < deadline, f"the worker did not count {expect} trunks"
        time.sleep(0.3)


