"""Shared fixtures: two tenants with an administrator each, a system administrator, and clients.

The tenants are created once per test session (a schema costs about half a second); every test
runs in a transaction that is rolled back, so their data starts empty each time.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from tenants.models import Tenant
from tenants.services import create_tenant, ensure_public_tenant

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """The test database, always: pytest-django would only make it when some test carries the
    django_db marker, and the worker and browser tests (committed data, other processes) do not."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        _disconnect_others_from("test_" + connection.settings_dict["NAME"])
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        assert connection.settings_dict["NAME"].startswith("test_"), "refusing to seed a non-test database"
        ensure_public_tenant()
        create_tenant(name="Acme Corp", slug="acme", admin_username="admin_a", admin_password=PASSWORD)
        create_tenant(name="Globex", slug="globex", admin_username="admin_b", admin_password=PASSWORD)
        get_user_model().objects.create_superuser(username="sysadmin", email="", password=PASSWORD)
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        _disconnect_others_from(connection.settings_dict["NAME"])
        teardown_databases(db_cfg, verbosity=0)


def _disconnect_others_from(database: str) -> None:
    """Worker and server processes started by tests may leave a backend behind for a moment; the test
    database cannot be dropped or re-created while one is connected."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )


@pytest.fixture(autouse=True)
def _back_to_public_schema():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _no_remembered_tokens():
    """OAuth tokens a worker process keeps in memory must not outlive the test that fetched them."""
    from messaging.bandwidth import auth

    auth.forget_local_tokens()
    yield
    auth.forget_local_tokens()


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """API request counts (portal/api/throttling.py, in Redis) start at zero in every test: a suite signs in
    through the token endpoint more often per minute than its rate allows one client."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    pattern = cache.make_key("throttle_*")
    for key in client.scan_iter(match=pattern, count=1000):
        client.delete(key)
    yield


@pytest.fixture
def tenant_a(db) -> Tenant:
    return Tenant.objects.get(slug="acme")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return Tenant.objects.get(slug="globex")


@pytest.fixture
def admin_a(db):
    return get_user_model().objects.get(username="admin_a")


@pytest.fixture
def admin_b(db):
    return get_user_model().objects.get(username="admin_b")


@pytest.fixture
def sysadmin(db):
    return get_user_model().objects.get(username="sysadmin")


@pytest.fixture
def client_a(client, admin_a):
    client.force_login(admin_a)
    return client


@pytest.fixture
def client_b(client, admin_b):
    client.force_login(admin_b)
    return client


@pytest.fixture
def sysadmin_client(client, sysadmin):
    client.force_login(sysadmin)
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_a(api_client, admin_a):
    api_client.force_authenticate(admin_a)
    return api_client


@pytest.fixture
def api_b(api_client, admin_b):
    api_client.force_authenticate(admin_b)
    return api_client
