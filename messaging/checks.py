"""Can the configured FIELD_ENCRYPTION_KEY read the secrets already stored?

A wrong key (a typo, a key from another installation, a rotation that dropped the old key too early) would
otherwise show only when a send needs the secret: every message failing at once, in the worker's log. So
the portal refuses to start (`python -m portal.processes` runs this check first; `manage.py check
--database default` and `migrate` run it too) and /healthz reports it. A few tenants are sampled, one
secret each: start-up stays fast however many tenants there are.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from messaging.fields import SecretUnreadable, decrypt, encrypt
from messaging.models import SmsConfiguration
from tenants.models import Tenant
from tenants.schemas import for_each_tenant

SAMPLED_TENANTS = 3


def find_unreadable_secret(*, sample: int = SAMPLED_TENANTS) -> str | None:
    """None when a stored secret of each sampled tenant decrypts (or none is stored); else why not.

    Samples the oldest and the newest tenants (secrets written before and after a key rotation)."""
    tenants = Tenant.objects.customers().only("pk", "schema_name")
    newest = list(tenants.order_by("-pk")[: sample - sample // 2])
    oldest = list(tenants.order_by("pk")[: sample // 2])
    chosen = {tenant.pk: tenant for tenant in oldest + newest}
    for tenant in for_each_tenant(Tenant.objects.filter(pk__in=chosen)):
        try:
            SmsConfiguration.objects.exclude(password="").values_list("password", flat=True).first()
        except SecretUnreadable as exc:
            return f"tenant {tenant.schema_name}: {exc}"
    return None


def encryption_keys_usable(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check (tag "encryption"): every key of FIELD_ENCRYPTION_KEY is a Fernet key, so a malformed key
    stops start-up even before any secret is stored (else the first saved password would fail)."""
    try:
        decrypt(encrypt("check"))
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Set FIELD_ENCRYPTION_KEY to the key(s) the secrets were encrypted with.",
                             id="messaging.E002")]
    return []


def stored_secrets_readable(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """System check (tags "encryption", "database"): runs only when asked to look at the database."""
    if not databases or "default" not in databases:
        return []
    if encryption_keys_usable():  # a malformed key reads nothing: messaging.E002 says so
        return []
    # Back to the schema the check found, not to public: `migrate` runs this check inside each tenant schema
    # it migrates (migrate_schemas), and leaving public current there applied tenant migrations to public.
    previous = connection.tenant
    try:
        problem = find_unreadable_secret()
    except DatabaseError:  # no tables yet (the first migrate runs this check) or no database: nothing to read
        problem = None
    finally:
        connection.set_tenant(previous)
    if problem is None:
        return []
    return [checks.Error(f"FIELD_ENCRYPTION_KEY cannot decrypt the stored secrets ({problem})",
                         hint="Set FIELD_ENCRYPTION_KEY to the key the secrets were encrypted with; when "
                              "rotating, list the new key first and keep the old one after it.",
                         id="messaging.E001")]
