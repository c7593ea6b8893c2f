from django.db import models


class WebhookEvent(models.Model):
    """One callback event from Bandwidth, stored before we answer 200: the inbox.

    Its identity (type, carrier message id, recipient, event time) is unique, so a redelivered
    callback is stored once. The row is the record of work to do; `processed_at` says it is done with:
    processed, ignored, or failed (processing crashed WEBHOOK_MAX_ATTEMPTS times: `note` says why, and
    Retry makes it pending again). `attempts` is counted before each try, so a crash still counts.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    configuration_id = models.BigIntegerField()
    event_type = models.CharField(max_length=40)
    carrier_message_id = models.CharField(max_length=64)
    recipient = models.CharField(max_length=32)
    event_time = models.CharField(max_length=40)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when a drain claims the event (services/inbound/inbox.py): other drains leave it alone until the
    # claim is CLAIM_SECONDS old, so a worker that died mid-batch hands its events on, counted.
    claimed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="How it was handled, in plain words.")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_type", "carrier_message_id", "recipient", "event_time"], name="webhook_event_identity"
            )
        ]
        indexes = [
            # "Last callback" of a configuration is read from here rather than written on every callback.
            models.Index(fields=["configuration_id", "-received_at"], name="webhook_event_by_configuration"),
            models.Index(fields=["received_at"], name="webhook_event_unprocessed",
                         condition=models.Q(processed_at__isnull=True)),
            # The drain claims pending events oldest first: without it, ORDER BY id walks every processed row.
            models.Index(fields=["id"], name="webhook_event_pending",
                         condition=models.Q(processed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.carrier_message_id}"
