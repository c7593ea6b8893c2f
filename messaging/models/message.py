import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

from messaging.models.compliance import KeywordKind
from messaging.models.extension import Extension
from messaging.models.sms_configuration import SmsConfiguration


class Message(models.Model):
    """One SMS/MMS, outbound or inbound. For outbound messages the row is the record of work to do."""

    class Direction(models.TextChoices):
        OUTBOUND = "out", "Outbound"
        INBOUND = "in", "Inbound"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        UNKNOWN = "unknown", "Checking with Bandwidth"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        RECEIVED = "received", "Received"

    # Statuses only move forward: a late or repeated event never lowers the rank.
    STATUS_RANK = {"queued": 0, "sending": 1, "unknown": 1, "sent": 2, "delivered": 3, "failed": 3, "received": 3}

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Sent to Bandwidth as `tag`.")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    extension = models.ForeignKey(
        Extension, null=True, blank=True, on_delete=models.SET_NULL, related_name="sent_messages",
        help_text="Outbound: the sending extension.",
    )
    routed_to = models.ManyToManyField(Extension, blank=True, related_name="received_messages",
                                       help_text="Inbound: the extensions the rules chose; none = unrouted.")
    unrouted = models.BooleanField(default=False, db_index=True)
    sms_configuration = models.ForeignKey(SmsConfiguration, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="messages")
    conversation = models.ForeignKey(
        "messaging.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages",
        help_text="Set when the message is stored (messaging.services.conversations.threads).",
    )
    from_number = models.CharField(max_length=16, db_index=True)
    to_numbers = ArrayField(models.CharField(max_length=16))
    text = models.TextField(blank=True)
    segments = models.PositiveSmallIntegerField(default=0)
    provider_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_description = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    keyword = models.CharField(max_length=12, blank=True, help_text="Inbound opt-out keyword, if any.")
    keyword_reply = models.CharField(
        max_length=8, blank=True, choices=KeywordKind.choices, default="",
        db_default="",  # rows inserted by hand-written SQL (bulk loads, benches) name no such column
        help_text="Outbound: an automatic reply to this kind of keyword; the only send an opt-out lets through.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            GinIndex(fields=["to_numbers"], name="message_to_numbers_gin"),
            models.Index(fields=["status", "updated_at"], name="message_status_updated"),
            models.Index(fields=["direction", "-created_at"], name="message_direction_created"),
            # A thread's page and a conversation's unread count (inbound after the last read id).
            models.Index(fields=["conversation", "direction", "id"], name="message_conversation"),
            # The Unrouted box and its count, newest first, whatever the size of the log.
            models.Index(fields=["-created_at", "-id"], name="message_unrouted_newest",
                         condition=models.Q(direction="in", unrouted=True)),
            # The Inbox's search in message text (icontains is UPPER(text) LIKE); needs pg_trgm (migration 0016).
            GinIndex(OpClass(Upper("text"), name="gin_trgm_ops"), name="message_text_trgm"),
            # The tenant home's "no callbacks" alarm: messages Bandwidth took and no receipt has settled yet
            # (selectors/callback_silence.py). Few rows at any time, whatever the size of the log.
            models.Index(fields=["sms_configuration", "-sent_at"], name="message_awaiting_receipt",
                         condition=models.Q(status="sent")),
        ]
        constraints = [
            # A group message reaches each of our numbers as its own event: one carrier message, one row,
            # however the events are interleaved (inbound.process.receive_message relies on it).
            models.UniqueConstraint(
                fields=["provider_message_id"], name="message_inbound_carrier_id_unique",
                condition=models.Q(direction="in") & ~models.Q(provider_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.from_number} → {', '.join(self.to_numbers)}"


class MessageMedia(models.Model):
    """An MMS attachment: downloaded from Bandwidth (inbound) or uploaded to it (outbound)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        STORED = "stored", "Stored"
        UPLOADED = "uploaded", "Uploaded to Bandwidth"
        FAILED = "failed", "Failed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField(default=0)
    source_url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="mms/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["message_id", "position"]

    def __str__(self) -> str:
        return self.source_url or self.file.name


class OptOut(models.Model):
    """A remote number that may not be sent to from one of the tenant's numbers: it replied STOP, or an
    administrator added it (by hand, a CSV import or the API). Sends to it are refused."""

    class Source(models.TextChoices):
        KEYWORD = "keyword", "Keyword"
        MANUAL = "manual", "Added on the screen"
        IMPORT = "import", "CSV import"
        API = "api", "API"

    number = models.CharField(max_length=16, help_text="The tenant's number that received STOP.")
    remote_number = models.CharField(max_length=16)
    keyword = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who and how: a STOP has no user; the default keeps the inbound path (which does not name a source) right.
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.KEYWORD)
    # No database constraint, like AuditEntry.user: users are deactivated, never deleted (docs/scaling.md).
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["number", "remote_number"], name="optout_unique_pair")]

    def __str__(self) -> str:
        return f"{self.remote_number} opted out of {self.number}"
