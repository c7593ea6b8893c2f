"""Writes to the public schema: creating and switching tenants, their administrators, the audit log."""

import logging
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_exists

from tenants import schema_template
from tenants.exceptions import TenantInvalid
from tenants.models import MIN_PAYLOAD_RETENTION_DAYS, Domain, Membership, Tenant, TenantEntry, UserPreference
from tenants.time_zones import available_zones

logger = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 48
RESERVED_SLUGS = frozenset(
    {
        "public", "admin", "api", "static", "media", "t", "webhooks", "webhook", "healthz", "health",
        "login", "logout", "tenants", "audit", "choose", "www", "root", "postgres", "system",
        "information-schema", "pg-catalog", "pg-toast", "simulator", "docs", "metrics",
    }
)


def schema_name_for(slug: str) -> str:
    """The PostgreSQL schema of a tenant: hyphens are not allowed in schema names, and the prefix
    keeps tenant schemas apart from `public`, `pg_*` and `information_schema`."""
    return "t_" + slug.replace("-", "_")


def slug_problem(slug: str) -> str | None:
    """Why a slug cannot be used, in words for a form, or None when it can."""
    if not slug:
        return "Enter a slug: it becomes the tenant's address, /t/<slug>/."
    if len(slug) > SLUG_MAX_LENGTH:
        return f"Use at most {SLUG_MAX_LENGTH} characters."
    if not SLUG_PATTERN.match(slug):
        return "Use lowercase letters, digits and single hyphens only, starting and ending with a letter or digit."
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        return f"“{slug}” is reserved by the portal; choose another slug."
    if Tenant.objects.filter(slug=slug).exists() or schema_exists(schema_name_for(slug)):
        return f"The slug “{slug}” is already taken."
    return None


def _admin_problems(username: str, email: str, password: str) -> dict[str, list[str]]:
    if not username:
        if password or email:
            return {"admin_username": ["Enter a username for the tenant administrator."]}
        return {}
    problems: dict[str, list[str]] = {}
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        problems["admin_username"] = [f"A user named “{username}” already exists."]
    if not password:
        problems["admin_password"] = ["Enter a password for the tenant administrator."]
    else:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            problems["admin_password"] = list(exc.messages)
    return problems


def create_tenant(
    *, name: str, slug: str, admin_username: str = "", admin_email: str = "", admin_password: str = ""
) -> Tenant:
    """Create a tenant with its schema, routing row and, optionally, its first administrator.

    Raises TenantInvalid with every problem by field (`fields`) for bad input. Either everything is
    created or nothing is: a failure after the schema was made drops it again.
    """
    name, slug = name.strip(), slug.strip()
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = ["Enter the tenant's name."]
    if (problem := slug_problem(slug)) is not None:
        problems["slug"] = [problem]
    problems |= _admin_problems(admin_username.strip(), admin_email.strip(), admin_password)
    if problems:
        raise TenantInvalid(fields=problems)

    # Outside the transaction below: a template brought up to date here stays so for the next one.
    schema_template.ensure_current()
    tenant = Tenant(name=name, slug=slug, schema_name=schema_name_for(slug))
    try:
        with transaction.atomic():
            tenant.save()
            Domain.objects.create(domain=slug, tenant=tenant, is_primary=True)
            if admin_username:
                user = get_user_model().objects.create_user(
                    username=admin_username.strip(), email=admin_email.strip(), password=admin_password
                )
                Membership.objects.create(user=user, tenant=tenant, role=Membership.Role.ADMIN)
    except IntegrityError as exc:
        _drop_schema(tenant.schema_name)
        raise TenantInvalid(f"The slug “{slug}” is already taken.", field="slug", code="duplicate") from exc
    except BaseException:
        _drop_schema(tenant.schema_name)
        raise
    logger.info("tenant created: %s (%s)", slug, tenant.schema_name)
    return tenant


def _drop_schema(schema_name: str) -> None:
    # The transaction rollback already undoes CREATE SCHEMA; this covers a schema made outside it.
    connection.set_schema_to_public()
    if schema_exists(schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')


def set_tenant_enabled(*, tenant: Tenant, enabled: bool) -> Tenant:
    """Enable or disable a tenant. A disabled tenant keeps its data; its admins cannot enter it."""
    tenant.is_active = enabled
    tenant.save(update_fields=["is_active"])
    return tenant


def add_tenant_admin(
    *, tenant: Tenant, username: str, email: str = "", password: str = ""
):
    """Give a user administrator rights in the tenant, creating the user when new.

    An existing username is linked as it is (its password is not touched; an extension user of the tenant
    becomes its administrator); a new one needs a password.
    Raises TenantInvalid by field (username, email, password); nothing is written then.
    """
    User = get_user_model()
    username = username.strip()
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        problems = _admin_problems(username, email, password)
        if problems:
            raise TenantInvalid(fields={k.removeprefix("admin_"): v for k, v in problems.items()})
        user = User.objects.create_user(username=username, email=email.strip(), password=password)
    elif user.is_superuser:
        raise TenantInvalid("System administrators already enter every tenant.", field="username")
    # An extension user of the tenant is promoted (one membership per user and tenant).
    Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": Membership.Role.ADMIN})
    return user


def set_user_active(*, user, active: bool) -> None:
    """Users are deactivated, never deleted: their history (audit, messages) keeps pointing at them."""
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        from accounts.services.api_tokens import revoke_all_api_tokens

        revoke_all_api_tokens(user=user)


def record_tenant_entry(*, user, tenant: Tenant, ip_address: str | None, user_agent: str, via: str) -> TenantEntry:
    """Write one switch into a tenant to the audit log."""
    return TenantEntry.objects.create(
        user=user, tenant=tenant, ip_address=ip_address or None, user_agent=user_agent[:300], via=via
    )


def ensure_public_tenant() -> Tenant:
    """django-tenants' subfolder routing needs a tenant row for the public schema, or every public
    URL answers 404."""
    tenant, _ = Tenant.objects.get_or_create(
        schema_name="public", defaults={"name": "Portal", "slug": "public"}
    )
    return tenant


# --- time zones and retention (issue 13, "data over time") ----------------------------------------------------

def update_tenant_settings(*, tenant: Tenant, time_zone: str, retention_payload_days: int | None,
                           retention_media_days: int | None, retention_message_days: int | None) -> Tenant:
    """Save the tenant's time zone ("" = TIME_ZONE) and retention periods in days (None = the RETENTION_*
    default, 0 = for ever). Raises TenantInvalid with every problem: an unknown zone, a negative period, fewer
    than MIN_PAYLOAD_RETENTION_DAYS for callbacks (Bandwidth retries for 24 h)."""
    problems: dict[str, list[str]] = {}
    if time_zone and time_zone not in available_zones():
        problems["time_zone"] = [f"“{time_zone}” is not a time zone name such as America/New_York."]
    periods = {"retention_payload_days": retention_payload_days, "retention_media_days": retention_media_days,
               "retention_message_days": retention_message_days}
    for field, days in periods.items():
        if days is not None and days < 0:
            problems[field] = ["Enter 0 (keep for ever) or a number of days."]
    if retention_payload_days is not None and 0 < retention_payload_days < MIN_PAYLOAD_RETENTION_DAYS:
        problems["retention_payload_days"] = [
            f"Keep callbacks at least {MIN_PAYLOAD_RETENTION_DAYS} days: Bandwidth retries one for 24 hours, and a "
            "purged callback would be taken for a new one."
        ]
    if problems:
        raise TenantInvalid(fields=problems)
    Tenant.objects.filter(pk=tenant.pk).update(time_zone=time_zone, **periods)
    tenant.time_zone = time_zone
    for field, days in periods.items():
        setattr(tenant, field, days)
    return tenant


def set_user_time_zone(*, user, time_zone: str) -> UserPreference:
    """Save the zone `user` sees every tenant's times in ("" = each tenant's own). Raises TenantInvalid for a
    name that is not a time zone."""
    if time_zone and time_zone not in available_zones():
        raise TenantInvalid(f"“{time_zone}” is not a time zone name such as Europe/Paris.", field="time_zone")
    preference, _created = UserPreference.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    return preference
