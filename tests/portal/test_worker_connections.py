"""A worker keeps its PostgreSQL connection from one task to the next, as the web keeps one from request to
request: opening two connections per task was most of a small task's time (docs/benchmarks.md)."""

import pytest
from django.db import connection

from tests.portal.test_database_reconnect import _count_trunks, acme_trunks  # noqa: F401 - a fixture
from tests.worker import running_worker

pytestmark = pytest.mark.worker


def worker_backends() -> set[int]:
    """The PostgreSQL backends of the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        return {row[0] for row in cursor.fetchall()}


def test_tasks_reuse_the_workers_connection(acme_trunks, django_db_blocker):  # noqa: F811
    from django_tenants.utils import tenant_context

    from messaging.models import Trunk

    with django_db_blocker.unblock(), running_worker(concurrency=1) as queue:
        _count_trunks(acme_trunks, queue, expect=1)
        after_first = worker_backends()
        assert after_first, "the worker closed its connection after the task"
        with tenant_context(acme_trunks):
            Trunk.objects.create(name="reconnect 2", host="sip.example.net")
        _count_trunks(acme_trunks, queue, expect=2)
        assert worker_backends() == after_first  # the same connection served the second task
