"""Reads used by screens and the API. They run in the current tenant's schema."""

from django.db.models import OuterRef, QuerySet, Subquery

from messaging.models import AuditEntry, PhoneNumber, SmsConfiguration, Trunk, WebhookEvent


def count_tenant_objects() -> dict[str, int]:
    """The figures on the tenant home and in the Tenants table."""
    return {
        "trunks": Trunk.objects.count(),
        "numbers": PhoneNumber.objects.count(),
        "sms_configurations": SmsConfiguration.objects.count(),
    }


def list_trunks():
    """Trunks with their DIDs and the SMS configurations that use them (three queries for any count)."""
    return Trunk.objects.prefetch_related("numbers", "sms_configurations").order_by("name")


def list_numbers_needing_10dlc() -> list[PhoneNumber]:
    """US long codes not marked registered: carriers block or filter their traffic."""
    return [number for number in PhoneNumber.objects.select_related("trunk") if number.needs_10dlc_registration]


def list_audit_entries(*, object_type: str | None = None):
    entries = AuditEntry.objects.select_related("user")
    if object_type and "\x00" in object_type:
        return entries.none()  # no type holds a NUL, and PostgreSQL could not even compare it
    if object_type:
        entries = entries.filter(object_type=object_type)
    return entries


def with_last_callback(configurations: QuerySet) -> QuerySet:
    """Annotate `last_callback_at` and `last_callback_type` from the webhook inbox."""
    latest = WebhookEvent.objects.filter(configuration_id=OuterRef("pk")).order_by("-received_at")
    return configurations.annotate(
        last_callback_at=Subquery(latest.values("received_at")[:1]),
        last_callback_type=Subquery(latest.values("event_type")[:1]),
    )


def list_sms_configurations():
    """The SMS/MMS list: secrets are not even loaded (nor decrypted) for it."""
    return list(
        with_last_callback(SmsConfiguration.objects.select_related("trunk"))
        .prefetch_related("trunk__numbers")
        .defer("password", "callback_password")
        .order_by("name")
    )


def list_recent_callbacks(*, configuration_id: int, limit: int = 10) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(configuration_id=configuration_id).order_by("-received_at")[:limit])


def list_failed_callbacks(*, configuration_id: int, limit: int = 50) -> list[WebhookEvent]:
    """Callbacks whose processing failed (they wait for Retry), newest first."""
    return list(
        WebhookEvent.objects.filter(configuration_id=configuration_id, state=WebhookEvent.State.FAILED)
        .order_by("-received_at", "-id")[:limit]
    )
