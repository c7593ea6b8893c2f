"""Tasks about tenants. `refresh_tenant_counts` runs inside the schema of the tenant that queued it."""

from django.db import connection

from messaging import dispatch
from messaging import metrics as message_metrics
from messaging.selectors.configuration import count_tenant_objects
from portal.celery import app
from tenants.models import Tenant
from tenants.schemas import for_each_tenant


@app.task(name="tenants.refresh_tenant_counts", acks_late=True)
def refresh_tenant_counts() -> dict[str, int]:
    """Count the current tenant's objects and keep the figures on its public row (the Tenants page
    reads them there instead of visiting every schema). Safe to run twice: it only overwrites."""
    counts = count_tenant_objects()
    Tenant.objects.filter(schema_name=connection.schema_name).update(counts=counts)
    message_metrics.report_failed_callbacks()
    message_metrics.report_callback_silences()
    return counts


@app.task(name="tenants.refresh_all_tenant_counts")
def refresh_all_tenant_counts() -> int:
    """Queue `refresh_tenant_counts` inside every tenant (Celery beat runs this periodically)."""
    queued = 0
    for _tenant in for_each_tenant(Tenant.objects.only("pk", "schema_name")):
        dispatch.on_commit("tenants.refresh_tenant_counts")
        queued += 1
    return queued
