"""A task queued inside tenant A runs inside A's schema, in a real worker process."""

import time

import pytest
from django_tenants.utils import tenant_context

from messaging.models import Trunk
from tenants.models import Tenant
from tenants.tasks import refresh_tenant_counts
from tests.worker import running_worker

pytestmark = pytest.mark.worker


@pytest.fixture
def committed_audit_rows(django_db_setup, django_db_blocker):
    """Data only Acme has, committed so that another process can read it."""
    with django_db_blocker.unblock():
        acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
        with tenant_context(acme):
            Trunk.objects.bulk_create([Trunk(name=f"probe {i}", host="sip.example.net") for i in range(3)])
        yield acme, globex
        with tenant_context(acme):
            Trunk.objects.filter(name__startswith="probe ").delete()
        Tenant.objects.filter(slug__in=["acme", "globex"]).update(counts={})


def test_task_queued_in_tenant_runs_in_that_tenants_schema(committed_audit_rows, django_db_blocker):
    acme, globex = committed_audit_rows
    with django_db_blocker.unblock(), running_worker() as queue:
        with tenant_context(acme):
            refresh_tenant_counts.apply_async(queue=queue)
        with tenant_context(globex):
            refresh_tenant_counts.apply_async(queue=queue)
        # No task keeps a result (results are off): the counts each run stores on its tenant's row say
        # in which schema it ran.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            acme.refresh_from_db()
            globex.refresh_from_db()
            if "trunks" in acme.counts and "trunks" in globex.counts:
                break
            time.sleep(0.2)
    assert acme.counts["trunks"] == 3
    assert globex.counts["trunks"] == 0
