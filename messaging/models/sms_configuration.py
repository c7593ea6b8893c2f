from django.conf import settings
from django.db import models
from django.utils import timezone

from messaging.fields import EncryptedTextField
from messaging.models.trunk import Trunk


class SmsConfiguration(models.Model):
    """Message Channel > SMS/MMS: one Bandwidth messaging application reached through a trunk.

    Its webhook token lives in the public table tenants.WebhookEndpoint, which names the tenant.
    """

    class AuthType(models.TextChoices):
        OAUTH = "oauth", "API credentials (OAuth client ID and secret)"
        LEGACY = "legacy", "Legacy API user (username and password)"

    class Priority(models.TextChoices):
        # Bandwidth's priorityEnum (bandwidth.yml); empty = not sent, Bandwidth's own default applies.
        DEFAULT = "default", "Default"
        HIGH = "high", "High (reserve for critical messages)"

    # Bandwidth's `expiration` is a time; a configuration keeps a duration, added to the time the message
    # was queued. The spec names no upper bound ("a date-time in the future"): a week is the portal's own.
    EXPIRATION_MINUTES_MAX = 7 * 24 * 60

    name = models.CharField(max_length=64, unique=True)
    trunk = models.ForeignKey(Trunk, on_delete=models.PROTECT, related_name="sms_configurations")
    sender_id = models.CharField("Sender ID", max_length=16, blank=True)
    account_id = models.CharField("Account ID", max_length=16)
    application_id = models.CharField("Application ID", max_length=64)
    auth_type = models.CharField(
        "Authentication type", max_length=10, choices=AuthType.choices, default=AuthType.OAUTH
    )
    username = models.CharField(max_length=128)
    password = EncryptedTextField()
    callback_username = models.CharField(max_length=64, blank=True)
    callback_password = EncryptedTextField(blank=True)
    enabled = models.BooleanField("Enable", default=True)
    priority = models.CharField("Priority", max_length=8, choices=Priority.choices, blank=True, default="")
    # 0: no expiration is sent.
    expiration_minutes = models.PositiveIntegerField("Expire after (minutes)", default=0, blank=True)
    # Connect to Bandwidth (messaging/services/configuration/bandwidth_connect.py): the location (site and SIP peer)
    # the application was assigned to, when, and what the last drift check found.
    bandwidth_site_id = models.CharField("Bandwidth site ID", max_length=32, blank=True)
    bandwidth_sip_peer_id = models.CharField("Bandwidth SIP peer ID", max_length=32, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    # [{"what": ..., "expected": ..., "found": ...}], empty when Bandwidth matches what the portal expects.
    drift = models.JSONField(default=list, blank=True)
    drift_checked_at = models.DateTimeField(null=True, blank=True)
    # Why the last check could not compare (credentials refused, role missing, Bandwidth unreachable).
    drift_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SECRET_FIELDS = ("password", "callback_password")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_legacy(self) -> bool:
        return self.auth_type == self.AuthType.LEGACY

    @property
    def legacy_cutoff(self):
        return settings.BANDWIDTH_LEGACY_CUTOFF

    @staticmethod
    def legacy_users_retired() -> bool:
        """The one check of the cut-off: Bandwidth refuses legacy API users from that date on."""
        return timezone.localdate() >= settings.BANDWIDTH_LEGACY_CUTOFF

    @staticmethod
    def legacy_cutoff_notice() -> str:
        """The one wording of the cut-off, with its date, before or after it (the service's refusal, the
        send refusal, Test connection, the form's help and the notice on the screens say this)."""
        cutoff = f"{settings.BANDWIDTH_LEGACY_CUTOFF:%B %-d, %Y}"
        stop = "stopped" if SmsConfiguration.legacy_users_retired() else "stops"
        return (
            f"A legacy API user {stop} working on {cutoff}, when Bandwidth {stop} accepting legacy API users: "
            "create API credentials (a Client ID and Client Secret) in the Bandwidth App under "
            "Account ▸ API Credentials and switch the SMS configuration to API credentials (OAuth)."
        )

    @property
    def legacy_stopped_working(self) -> bool:
        return self.is_legacy and self.legacy_users_retired()

    @property
    def is_connected(self) -> bool:
        return self.connected_at is not None

    @property
    def has_callback_credentials(self) -> bool:
        return bool(self.callback_username)
