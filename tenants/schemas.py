"""Work done in every tenant's schema (sweepers, periodic counts, key rotation) loops the same way."""

from collections.abc import Iterator

from django_tenants.utils import tenant_context

from tenants.models import Tenant, TenantQuerySet


def for_each_tenant(tenants: TenantQuerySet | None = None) -> Iterator[Tenant]:
    """Yield each customer tenant of `tenants` (default: all), its schema current while the loop body runs.

    The public schema's row is never yielded, whatever `tenants` holds. The schema current before the
    loop is current again between tenants and after it, also when the loop is left by `break` or an
    exception (the generator closes at once).
    """
    for tenant in (Tenant.objects.all() if tenants is None else tenants).customers():
        with tenant_context(tenant):
            yield tenant
