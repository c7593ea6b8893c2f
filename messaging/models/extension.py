from django.db import models

from messaging.models.trunk import PhoneNumber


class Extension(models.Model):
    """A PBX extension: where inbound messages land and who may send."""

    class SendSms(models.TextChoices):
        NOT_ALLOWED = "not_allowed", "Not allowed"
        ALLOWED = "allowed", "Allowed"
        ALLOWED_WITH_SENDER_ID = "allowed_with_sender_id", "Allowed with a chosen sender ID"

    number = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=100, blank=True)
    did = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="extensions",
        verbose_name="own DID", help_text="Used as the sender number when a rule says so.",
    )
    send_sms = models.CharField(
        "Send SMS/MMS", max_length=24, choices=SendSms.choices, default=SendSms.ALLOWED
    )
    sender_id = models.CharField("Sender ID", max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()
