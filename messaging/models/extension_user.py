from django.conf import settings
from django.db import models

from messaging.models.extension import Extension


class ExtensionAssignment(models.Model):
    """An extension user serves this extension: its messages are theirs to read and answer.

    The user lives in the public schema (with its Membership, role `extension`); which extensions it
    serves is the tenant's business, so it lives here. An extension may have several users, a user several
    extensions.
    """

    # No database constraint: a foreign key from each tenant schema to auth_user adds triggers on
    # auth_user per tenant, which made creating tenants and updating users slower with every tenant
    # (docs/scaling.md). Users are deactivated, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "extension"], name="extension_assignment_user_extension_unique")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} serves extension {self.extension_id}"
