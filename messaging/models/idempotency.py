from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from messaging.models.message import Message


class IdempotentRequest(models.Model):
    """A send made under an `Idempotency-Key` (API) or a Compose form's one-time token: asked again with the
    same key, the portal answers what it answered the first time instead of sending again.

    The row is claimed first and completed with its Message in the same transaction, so a committed key
    always has its message and answer (`message` and `response_status` are empty only inside that
    transaction). The unique (user, key) makes a concurrent second request wait for the first and then find
    its row. Keys live 24 hours (services/outbound/idempotency.py; the outbound sweeper deletes older ones).
    """

    # No database constraint: a foreign key from each tenant schema to auth_user adds triggers on
    # auth_user per tenant, which made creating tenants and updating users slower with every tenant
    # (docs/scaling.md). Users are deactivated, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of what was asked to be sent.")
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    message = models.ForeignKey(Message, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key")]

    def __str__(self) -> str:
        return f"{self.key} → message {self.message_id}"
