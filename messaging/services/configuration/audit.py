"""The tenant's audit log: who created, changed or deleted what, secrets redacted."""

from collections.abc import Iterable

from django.db import models

from messaging.models import AuditEntry

REDACTED = "••••••"


def snapshot(instance: models.Model, *, secret_fields: Iterable[str] = ()) -> dict:
    """The audited fields of an instance, as plain JSON values; secrets become a set/unset marker."""
    secrets = set(secret_fields)
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in {"id", "created_at", "updated_at"}:
            continue
        value = getattr(instance, field.attname)
        if field.name in secrets:
            value = REDACTED if value else ""
        elif not isinstance(value, str | int | float | bool | type(None)):
            value = str(value)
        values[field.name] = value
    return values


def changed_fields(before: dict, after: dict, *, changed_secrets: Iterable[str] = ()) -> dict:
    """{field: [old, new]} for what differs; a replaced secret shows as redacted on both sides."""
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value and not (before.get(name) is None and value in ("", None, []))
    }
    for name in changed_secrets:
        changes[name] = [REDACTED if before.get(name) else "", REDACTED]
    return changes


def record_change(*, user, action: str, instance: models.Model, changes: dict | None = None) -> AuditEntry:
    """Write one audit entry in the current tenant's schema."""
    return AuditEntry.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=instance._meta.verbose_name,
        object_id=str(instance.pk or ""),
        object_repr=str(instance)[:200],
        changes=changes or {},
    )
