"""The web process keeps its database connections across requests (its psycopg pool, DB_POOL_SIZE set by the
process table): under ASGI each request runs in a new thread, and without the pool each would set up a
PostgreSQL connection of its own."""

import urllib.request

import pytest
from django.db import connection

from tests.live_portal import running_portal

pytestmark = pytest.mark.worker


def web_backends() -> set[int]:
    """PostgreSQL backends of the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        return {row[0] for row in cursor.fetchall()}


def ask(base_url: str, times: int) -> None:
    for _ in range(times):
        with urllib.request.urlopen(base_url + "/healthz", timeout=10) as answer:
            assert answer.status == 200


def test_the_same_few_connections_serve_request_after_request(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        before = web_backends()
    with django_db_blocker.unblock(), running_portal({"WEB_CONCURRENCY": "1", "WEB_THREADS": "2"}) as base_url:
        ask(base_url, 20)
        first = web_backends() - before
        ask(base_url, 20)
        second = web_backends() - before
    assert 1 <= len(first) <= 2  # the pool's connections, kept open between requests
    assert second == first  # and the same ones again: nothing set up per request
