from django.conf import settings
from django.db import models

from messaging.models.message import Message
from messaging.models.sms_configuration import SmsConfiguration


class ConnectionTest(models.Model):
    """A **Send test message** of an SMS configuration: which message it sent, and (once seen) the inbound
    message that came back. The steps are read from the message, its callbacks and the inbound message
    (messaging/services/configuration/test_messages.py); `finished_at` is set once they are all settled."""

    configuration = models.ForeignKey(SmsConfiguration, on_delete=models.CASCADE, related_name="connection_tests")
    # The test message is an ordinary outbound message: it is in Messages and its conversation like any other.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    from_number = models.CharField(max_length=16)
    to = models.CharField(max_length=16)
    # No database constraint, like AuditEntry.user: users are deactivated, never deleted (docs/scaling.md).
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    inbound_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["configuration", "-started_at"], name="connection_test_recent")]

    def __str__(self) -> str:
        return f"Test message {self.from_number} → {self.to}"
