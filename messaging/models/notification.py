from django.conf import settings
from django.db import models

from messaging.models.message import Message


class NotificationSent(models.Model):
    """The e-mail decision for one inbound message and one user, taken once.

    The row is claimed in the transaction that sends the mail (messaging.services.conversations.notifications):
    a second run of the task, or the sweeper, finds it and sends nothing. A user who was connected when the
    message arrived gets a row too (outcome `connected`): they saw it live, and a later sweep must not mail it.
    """

    class Outcome(models.TextChoices):
        SENT = "sent", "E-mailed"
        CONNECTED = "connected", "Not e-mailed: the user was connected"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notifications")
    # No database constraint: a foreign key from each tenant schema to auth_user adds triggers on
    # auth_user per tenant, which made creating tenants and updating users slower with every tenant
    # (docs/scaling.md). Users are deactivated, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="notification_sent_message_user_unique"),
        ]

    def __str__(self) -> str:
        return f"message {self.message_id} to user {self.user_id}: {self.outcome}"
