"""Reads used by screens and the API. They run in the current tenant's schema."""

from messaging.models import AuditEntry


def count_tenant_objects() -> dict[str, int]:
    """The figures on the tenant home and in the Tenants table."""
    return {"audit_entries": AuditEntry.objects.count()}
