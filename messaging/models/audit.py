from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """A change inside the tenant: who, when, what, and which fields (secrets redacted)."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        ACTION = "action", "Action"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint: a foreign key from each tenant schema to auth_user adds triggers on
    # auth_user per tenant, which made creating tenants and updating users slower with every tenant
    # (docs/scaling.md). Users are deactivated, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, null=True, on_delete=models.SET_NULL,
                             related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} “{self.object_repr}”"
