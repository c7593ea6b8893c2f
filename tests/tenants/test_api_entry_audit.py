"""A system administrator's use of a tenant's API is audited like a page visit: one TenantEntry via=api per
user and tenant per API_ENTRY_AUDIT_SECONDS, not one per call (item 8 of issue 10)."""

import pytest
from django.core.cache import cache

from tenants.middleware import API_ENTRY_AUDIT_SECONDS
from tenants.models import TenantEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin_api(api_client, sysadmin):
    cache.clear()
    api_client.force_authenticate(sysadmin)
    yield api_client
    cache.clear()


def test_api_calls_inside_a_tenant_are_audited_once_per_period(sysadmin_api, sysadmin, tenant_a, tenant_b):
    for _ in range(3):
        assert sysadmin_api.get("/t/acme/api/v1/trunks/", REMOTE_ADDR="203.0.113.9",
                                HTTP_USER_AGENT="script/1.0").status_code == 200
    assert sysadmin_api.get("/t/globex/api/v1/me/").status_code == 200
    entries = list(TenantEntry.objects.filter(user=sysadmin).order_by("id"))
    assert [(e.tenant.slug, e.via) for e in entries] == [("acme", "api"), ("globex", "api")]
    assert (entries[0].ip_address, entries[0].user_agent) == ("203.0.113.9", "script/1.0")
    assert API_ENTRY_AUDIT_SECONDS >= 60


def test_after_the_period_the_next_call_is_audited_again(sysadmin_api, sysadmin, tenant_a):
    sysadmin_api.get("/t/acme/api/v1/trunks/")
    cache.clear()  # the period is over
    sysadmin_api.get("/t/acme/api/v1/trunks/")
    assert TenantEntry.objects.filter(user=sysadmin, via="api").count() == 2


def test_a_tenant_administrators_api_use_is_not_a_tenant_entry(api_a, tenant_a):
    assert api_a.get("/t/acme/api/v1/trunks/").status_code == 200
    assert not TenantEntry.objects.exists()


def test_public_api_use_is_not_a_tenant_entry(sysadmin_api):
    assert sysadmin_api.get("/api/v1/tenants/").status_code == 200
    assert not TenantEntry.objects.exists()
