from django.db import models

from messaging.models.extension import Extension
from messaging.models.sms_configuration import SmsConfiguration
from messaging.models.trunk import Trunk


class BaseRule(models.Model):
    """What inbound and outbound rules share: a unique name, the order they are tried in, an on/off switch."""

    name = models.CharField(max_length=64, unique=True)
    order = models.PositiveIntegerField(default=100)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class OutboundRule(BaseRule):
    """Which extensions may send to which destinations, through which configuration, from which number.

    Rules are tried by `order` (then id); the first enabled rule that matches decides.
    """

    class Sender(models.TextChoices):
        CONFIGURATION = "configuration", "The configuration's Sender ID"
        EXTENSION_DID = "extension_did", "The extension's own DID"
        TRUNK_DID = "trunk_did", "The trunk's DID"

    extensions = models.ManyToManyField(Extension, blank=True, related_name="outbound_rules",
                                        help_text="None chosen: every extension.")
    destination_prefix = models.CharField(max_length=16, blank=True, help_text="E.164 prefix, e.g. +1 or +1919.")
    destination_length = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Number of digits after the +, e.g. 11 for US numbers."
    )
    sms_configuration = models.ForeignKey(SmsConfiguration, on_delete=models.PROTECT, related_name="outbound_rules")
    sender = models.CharField(max_length=16, choices=Sender.choices, default=Sender.CONFIGURATION)


class InboundRule(BaseRule):
    """Which DID (or DID range) of a trunk goes to which extension(s), optionally only for some callers.

    The most specific matching rule wins; ties go by `order`.
    """

    trunk = models.ForeignKey(Trunk, on_delete=models.CASCADE, related_name="inbound_rules")
    did_start = models.CharField("DID (or first of range)", max_length=16)
    did_end = models.CharField("last DID of range", max_length=16)
    caller_mask = models.CharField(
        max_length=40, blank=True,
        help_text="Empty: any caller. One number, a range (+19195550100-+19195550199), or a wildcard (+1919*******).",
    )
    extensions = models.ManyToManyField(Extension, related_name="inbound_rules")
