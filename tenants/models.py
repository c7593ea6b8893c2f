"""Public-schema models: tenants, their subfolder domains, who may enter them, and the switch log."""

from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

PUBLIC_SCHEMA = "public"
# Bandwidth retries a callback for 24 hours and a purged one would be taken for new: handled callbacks are kept at
# least this long (0 aside, which keeps them for ever).
MIN_PAYLOAD_RETENTION_DAYS = 2


class TenantQuerySet(models.QuerySet):
    def customers(self) -> "TenantQuerySet":
        """Every tenant but the public schema's row (which only exists for django-tenants' routing)."""
        return self.exclude(schema_name=PUBLIC_SCHEMA)


class Tenant(TenantMixin):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=48, unique=True)
    is_active = models.BooleanField("enabled", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    refuse_unregistered_10dlc = models.BooleanField(
        "refuse unregistered 10DLC sends",
        default=False,
        help_text="Refuse, instead of only warning about, sends from US long codes not marked registered.",
    )
    # Filled by the tenants.refresh_tenant_counts task, so the Tenants page never scans schemas.
    counts = models.JSONField(default=dict, blank=True)
    # Blank follows settings.TIME_ZONE, so an operator's TIME_ZONE moves every tenant that never chose one.
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="Times on this tenant's screens. Blank: the portal's default.",
    )
    # Retention in days (messaging/services/retention.py reads them): NULL follows the RETENTION_* setting,
    # 0 keeps for ever.
    retention_payload_days = models.PositiveIntegerField(
        "keep webhook payloads (days)", null=True, blank=True,
        help_text="Handled callbacks are deleted after this many days (at least 2; 0 keeps them). Blank: default.",
    )
    retention_media_days = models.PositiveIntegerField(
        "keep downloaded media (days)", null=True, blank=True,
        help_text="MMS attachments are removed from storage after this many days (0 keeps them). Blank: default.",
    )
    retention_message_days = models.PositiveIntegerField(
        "keep messages (days)", null=True, blank=True,
        help_text="Messages are deleted after this many days (0 keeps them). Blank: default.",
    )

    objects = TenantQuerySet.as_manager()

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """A copy of the migrated template schema when it is current (tenants/schema_template.py),
        else django-tenants' way: an empty schema and every tenant migration run into it."""
        from django_tenants.utils import schema_exists

        from tenants import schema_template

        if check_if_exists and schema_exists(self.schema_name):
            return False
        if sync_schema and schema_template.clone_template(self.schema_name):
            return True
        return super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity)

    @property
    def is_public(self) -> bool:
        return self.schema_name == PUBLIC_SCHEMA

    @property
    def url(self) -> str:
        return f"/t/{self.slug}/"


class UserPreference(models.Model):
    """A person's own choices, the same in every tenant they enter: a user's time zone is where they sit,
    not a property of one membership (and system administrators, who enter every tenant, have none)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    # Blank: the zone of the tenant being shown (settings.TIME_ZONE on public pages).
    time_zone = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class Domain(DomainMixin):
    """django-tenants' routing row: with subfolder routing `domain` holds the slug."""


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Tenant administrator"
        EXTENSION = "extension", "Extension user"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ADMIN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_user_tenant_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant}"


class TenantEntry(models.Model):
    """One switch into a tenant by a system administrator: the audit log of Manage."""

    class Via(models.TextChoices):
        MANAGE = "manage", "Manage button"
        URL = "url", "Direct link"
        API = "api", "API"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tenant_entries")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.MANAGE)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "tenant entries"

    def __str__(self) -> str:
        return f"{self.user} entered {self.tenant} at {self.at:%Y-%m-%d %H:%M}"


class WebhookEndpoint(models.Model):
    """Public lookup of a webhook token: which tenant, which SMS configuration inside it.

    The token is the secret part of the URL Bandwidth calls (256 random bits). The configuration's callback
    credentials are kept here too, as the username and a keyed hash of `username:password`
    (messaging/services/configuration/callback_credentials.py), so the webhook checks a callback with one
    query and no decrypt. The configuration stays the truth: the SMS-configuration services write both in
    the same transaction as the configuration; NULL means "not known here" and the webhook then checks
    against the configuration itself.
    """

    token = models.CharField(max_length=64, unique=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="webhook_endpoints")
    configuration_id = models.BigIntegerField()
    # "" when the configuration asks for no callback credentials; NULL when not known here (see above).
    callback_username = models.CharField(max_length=64, null=True, blank=True)
    # Hex HMAC-SHA256 of "username:password"; "" without credentials, NULL when not known here.
    callback_credentials_hash = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "configuration_id"], name="webhook_endpoint_one_per_configuration"
            )
        ]

    def __str__(self) -> str:
        return f"webhook of configuration {self.configuration_id} in {self.tenant_id}"

    @property
    def path(self) -> str:
        return f"/webhooks/bandwidth/{self.token}/"
