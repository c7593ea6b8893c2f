from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from messaging.models.extension import Extension


class Conversation(models.Model):
    """One of our numbers and the set of other participants: every message between them, both ways.

    A group message is one conversation (all its other participants). `participants` is kept sorted, so
    the pair (our_number, participants) names the conversation whatever order a payload lists them in.
    `extensions` are the extensions that sent in it or had messages routed to them: their users see it.
    """

    our_number = models.CharField(max_length=16)
    participants = ArrayField(models.CharField(max_length=16))
    extensions = models.ManyToManyField(Extension, blank=True, related_name="conversations")
    last_message = models.ForeignKey("messaging.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["our_number", "participants"], name="conversation_number_participants"),
        ]
        indexes = [
            models.Index(fields=["-last_message_at", "-id"], name="conversation_newest"),
            # Unread counts compare each conversation's last message with the reader's mark in one merge.
            models.Index(fields=["id"], include=["last_message"], name="conversation_last_message"),
        ]

    def __str__(self) -> str:
        return f"{self.our_number} ↔ {', '.join(self.participants)}"

    @property
    def other_party(self) -> str:
        return ", ".join(self.participants)


class ConversationRead(models.Model):
    """How far a user has read a conversation: inbound messages after `last_read_message_id` are unread.

    Per user, so two users of a shared extension each have their own unread count.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    # No database constraint: a foreign key from each tenant schema to auth_user adds triggers on
    # auth_user per tenant, which made creating tenants and updating users slower with every tenant
    # (docs/scaling.md). Users are deactivated, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="conversation_read_unique"),
        ]
        # One reader's marks in conversation order, without visiting the table (unread counts).
        indexes = [models.Index(fields=["user", "conversation"], include=["last_read_message_id"],
                                name="conversation_read_user")]

    def __str__(self) -> str:
        return f"user {self.user_id} read {self.conversation_id} up to {self.last_read_message_id}"


class InboxPreference(models.Model):
    """A user's choices for their Inbox in this tenant."""

    # No database constraint: a foreign key from each tenant schema to auth_user adds triggers on
    # auth_user per tenant, which made creating tenants and updating users slower with every tenant
    # (docs/scaling.md). Users are deactivated, never deleted.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE,
                                related_name="+")
    email_on_inbound = models.BooleanField(
        "E-mail me each new message while I am not connected", default=False,
    )

    def __str__(self) -> str:
        return f"inbox preferences of user {self.user_id}"
