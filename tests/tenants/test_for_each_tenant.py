"""for_each_tenant: every customer tenant, each inside its own schema, never the public one."""

import pytest
from django.db import connection

from tenants.models import PUBLIC_SCHEMA, Tenant
from tenants.schemas import for_each_tenant

pytestmark = pytest.mark.django_db


def test_each_customer_tenant_runs_in_its_schema_and_public_is_skipped(tenant_a, tenant_b):
    seen = [(tenant.slug, connection.schema_name) for tenant in for_each_tenant()]
    assert sorted(seen) == [("acme", tenant_a.schema_name), ("globex", tenant_b.schema_name)]
    assert connection.schema_name == PUBLIC_SCHEMA


def test_a_given_queryset_is_narrowed_to_customers(tenant_a):
    assert Tenant.objects.filter(schema_name=PUBLIC_SCHEMA).exists()
    assert [t.slug for t in for_each_tenant(Tenant.objects.filter(slug__in=["public", "acme"]))] == ["acme"]


def test_leaving_the_loop_early_restores_the_schema(tenant_a):
    for _tenant in for_each_tenant():
        break
    assert connection.schema_name == PUBLIC_SCHEMA
    with pytest.raises(RuntimeError):
        for _tenant in for_each_tenant():
            raise RuntimeError("stop")
    assert connection.schema_name == PUBLIC_SCHEMA
