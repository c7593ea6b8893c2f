"""Public requests (the webhook's above all) are routed without reading the public tenant's row each time:
it never changes, so each process reads it once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.middleware import TenantSubfolderMiddleware

pytestmark = pytest.mark.django_db


def test_a_public_page_does_not_read_the_public_tenant(client):
    client.get("/login/")  # the process's first public request may read it
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/login/")
    assert answer.status_code == 200
    assert not [query["sql"] for query in queries.captured_queries if "tenants_tenant" in query["sql"]]


def test_each_request_gets_its_own_copy_of_the_public_tenant(rf):
    middleware = TenantSubfolderMiddleware(lambda request: None)
    first, second = rf.get("/login/"), rf.get("/login/")
    middleware.process_request(first)
    middleware.process_request(second)
    assert first.tenant.is_public and second.tenant.is_public
    assert first.tenant is not second.tenant  # what one request notes on it stays with that request
    assert connection.schema_name == "public"


def test_a_tenant_page_still_routes_to_its_tenant(client_a, tenant_a):
    assert client_a.get("/").status_code in (200, 302)  # a public page first, then the tenant's
    assert client_a.get("/t/acme/trunks/").status_code == 200
    assert connection.tenant.slug == tenant_a.slug
