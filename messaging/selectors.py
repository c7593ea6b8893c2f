"""Reads used by screens and the API. They run in the current tenant's schema."""

from messaging.models import AuditEntry, PhoneNumber, SmsConfiguration, Trunk


def count_tenant_objects() -> dict[str, int]:
    """The figures on the tenant home and in the Tenants table."""
    return {
        "trunks": Trunk.objects.count(),
        "numbers": PhoneNumber.objects.count(),
        "sms_configurations": SmsConfiguration.objects.count(),
    }


def list_numbers_needing_10dlc() -> list[PhoneNumber]:
    """US long codes not marked registered: carriers block or filter their traffic."""
    return [number for number in PhoneNumber.objects.select_related("trunk") if number.needs_10dlc_registration]


def list_audit_entries(*, object_type: str | None = None):
    entries = AuditEntry.objects.select_related("user")
    if object_type:
        entries = entries.filter(object_type=object_type)
    return entries


def list_sms_configurations():
    """The SMS/MMS list: secrets are not even loaded (nor decrypted) for it."""
    return list(
        SmsConfiguration.objects.select_related("trunk")
        .prefetch_related("trunk__numbers")
        .defer("password", "callback_password")
        .order_by("name")
    )
