from django.db import models

from messaging.models.message import Message

Status = Message.Status


class MessageRecipient(models.Model):
    """How far an outbound message got to one of its recipients.

    Bandwidth sends one delivery receipt per recipient of a group message, so each recipient has its own
    status, moving forward only (Message.STATUS_RANK); the message's own status is derived from these
    (messaging.services.outbound.status). `unknown` has no recipient counterpart: its recipients stay at
    `sending` until Bandwidth's records or receipts say more.
    """

    STATUSES = (Status.QUEUED, Status.SENDING, Status.SENT, Status.DELIVERED, Status.FAILED)
    FINAL = (Status.DELIVERED, Status.FAILED)

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    number = models.CharField(max_length=16)
    status = models.CharField(max_length=10, choices=[(s.value, s.label) for s in STATUSES], default=Status.QUEUED)
    error_code = models.IntegerField(null=True, blank=True)
    error_description = models.TextField(blank=True, help_text="Why it was not delivered, in plain words.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["message_id", "id"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="message_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.number}: {self.get_status_display()}"

    @classmethod
    def status_for(cls, message_status: str) -> str:
        """A recipient's status while it simply follows its message's."""
        return Status.SENDING if message_status == Status.UNKNOWN else message_status

    @property
    def final(self) -> bool:
        return self.status in self.FINAL
