from django.conf import settings
from django.db import models

US_TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})


class Trunk(models.Model):
    """A Bandwidth IP-authentication SIP trunk and, through PhoneNumber, its DIDs."""

    name = models.CharField(max_length=64, unique=True)
    host = models.CharField(
        "SIP host or IP addresses",
        max_length=255,
        help_text="Bandwidth's SIP host name, or the IP addresses Bandwidth sends from, comma-separated.",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def first_number(self) -> "PhoneNumber | None":
        return self.numbers.order_by("number").first()


class PhoneNumber(models.Model):
    """A DID of a trunk, in E.164, unique within the tenant."""

    class TenDlcStatus(models.TextChoices):
        REGISTERED = "registered", "Registered"
        PENDING = "pending", "Pending"
        NOT_REGISTERED = "not_registered", "Not registered"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    class RegistrationSource(models.TextChoices):
        TYPED = "typed", "Typed in the portal"
        BANDWIDTH = "bandwidth", "Read from Bandwidth"

    class TollFreeStatus(models.TextChoices):
        UNKNOWN = "", "Not checked"
        VERIFIED = "verified", "Verified"
        PENDING = "pending", "Pending"
        UNVERIFIED = "unverified", "Unverified"
        NOT_SUBMITTED = "not_submitted", "Not submitted"

    trunk = models.ForeignKey(Trunk, on_delete=models.CASCADE, related_name="numbers")
    number = models.CharField(max_length=16, unique=True)
    ten_dlc_status = models.CharField(
        "10DLC status", max_length=20, choices=TenDlcStatus.choices, default=TenDlcStatus.NOT_REGISTERED
    )
    campaign_id = models.CharField("10DLC campaign ID", max_length=32, blank=True)
    rate_per_second = models.FloatField(
        "messages per second",
        null=True,
        blank=True,
        help_text="Sending rate for this number; empty: its 10DLC campaign class's rate when Bandwidth told it, "
        "else the SMS_RATE_PER_NUMBER setting (carrier throughput).",
    )
    # Read from Bandwidth by services/compliance/registrations.py; ten_dlc_status and campaign_id hold
    # Bandwidth's values once registration_source is "bandwidth".
    registration_source = models.CharField(
        max_length=10, choices=RegistrationSource.choices, default=RegistrationSource.TYPED
    )
    campaign_class = models.CharField("10DLC message class", max_length=32, blank=True)
    campaign_status = models.CharField("10DLC campaign status at Bandwidth", max_length=32, blank=True)
    campaign_rate_per_second = models.FloatField(
        null=True, blank=True, help_text="This number's share of its campaign class's throughput.",
    )
    toll_free_status = models.CharField(
        "toll-free verification", max_length=16, choices=TollFreeStatus.choices, blank=True,
        default=TollFreeStatus.UNKNOWN,
    )
    toll_free_detail = models.CharField("toll-free decline reason", max_length=500, blank=True)
    registration_checked_at = models.DateTimeField(null=True, blank=True)
    registration_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    @property
    def is_us_long_code(self) -> bool:
        return (
            self.number.startswith("+1") and len(self.number) == 12 and self.number[2:5] not in US_TOLL_FREE_AREA_CODES
        )

    @property
    def is_toll_free(self) -> bool:
        return self.number.startswith("+1") and len(self.number) == 12 and self.number[2:5] in US_TOLL_FREE_AREA_CODES

    @property
    def effective_rate(self) -> tuple[float, str]:
        """Messages per second this number sends at and where the figure comes from (the send path's order)."""
        if self.rate_per_second and self.rate_per_second > 0:
            return self.rate_per_second, "set on the number"
        if self.campaign_rate_per_second and self.campaign_rate_per_second > 0:
            return self.campaign_rate_per_second, f"10DLC class {self.campaign_class}"
        return settings.SMS_RATE_PER_NUMBER, "SMS_RATE_PER_NUMBER"

    @property
    def needs_10dlc_registration(self) -> bool:
        return self.is_us_long_code and self.ten_dlc_status != self.TenDlcStatus.REGISTERED
