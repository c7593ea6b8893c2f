"""E-mail notifications of new inbound messages, for users who asked for them (InboxPreference).

A user is mailed about an inbound message when they serve one of the extensions it was routed to
(ExtensionAssignment), want the mail, have an address, are active, and have no Inbox or thread open
(messaging.live.connected_users). The decision is taken once per message and user: a NotificationSent row,
claimed in the transaction that sends the mail, so a second run of the task, a duplicated callback or the
sweeper sends nothing more; a mail the server refuses rolls its claim back and is tried again.

The message text goes into the mail and nowhere else: it is never logged.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from messaging import dispatch, live
from messaging.exceptions import NotificationFailed
from messaging.models import ExtensionAssignment, InboxPreference, Message, NotificationSent
from portal.urls_helpers import absolute_url
from tenants.models import Tenant

logger = logging.getLogger(__name__)

TEXT_LIMIT = 500
# The sweeper leaves a message this long to the task queued on commit before it queues another.
SWEEP_AFTER_SECONDS = 60
SWEEP_BATCH = 500


# --- the preference -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxSettings:
    """What the settings screen and API show: the choice, where mails go, and for which extensions."""

    email_on_inbound: bool
    email: str
    extensions: list[str]

    @property
    def can_send(self) -> bool:
        return bool(self.email)


def get_inbox_settings(*, user) -> InboxSettings:
    """The user's notification choice in the current tenant (off until they turn it on)."""
    wants = InboxPreference.objects.filter(user_id=user.pk).values_list("email_on_inbound", flat=True).first()
    numbers = (ExtensionAssignment.objects.filter(user_id=user.pk).order_by("extension__number")
               .values_list("extension__number", flat=True))
    return InboxSettings(email_on_inbound=bool(wants), email=user.email or "", extensions=list(numbers))


def set_inbox_settings(*, user, email_on_inbound: bool) -> InboxSettings:
    """Turn the e-mail on or off for this user in the current tenant. Allowed without an address (nothing
    is sent until there is one; the screen says so)."""
    InboxPreference.objects.update_or_create(user_id=user.pk, defaults={"email_on_inbound": email_on_inbound})
    return get_inbox_settings(user=user)


# --- sending --------------------------------------------------------------------------------------------

def notify_inbound(*, message_id: int) -> int:
    """E-mail the users owed a notification of this inbound message; return how many mails were sent.

    At most one mail per message and user, whatever the number of runs, even concurrent ones (the second
    waits on the claimed row, then finds it). A user connected now is recorded as such and never mailed
    about this message. Raises NotificationFailed, after trying every user, when the mail server did not
    take some mails: only those are tried again.
    """
    message = (Message.objects.select_related("conversation")
               .filter(pk=message_id, direction=Message.Direction.INBOUND).first())
    if message is None:
        return 0
    users = owed_users(message)
    if not users:
        return 0
    connected = live.connected_users([user.pk for user in users])
    subject, body = notification_text(message)
    mail_server = get_connection()
    sent, failed = 0, []
    for user in users:
        outcome = NotificationSent.Outcome.CONNECTED if user.pk in connected else NotificationSent.Outcome.SENT
        try:
            with transaction.atomic():
                if not _claim(message, user, outcome):
                    continue  # another run took this one
                if outcome == NotificationSent.Outcome.SENT:
                    EmailMessage(subject=subject, body=body, to=[user.email], connection=mail_server).send()
                    sent += 1
        except (smtplib.SMTPException, OSError) as exc:
            # The class only: the server's answer may quote the recipient or the message.
            logger.warning("could not e-mail user %s about message %s (%s); tried again later",
                           user.pk, message.pk, exc.__class__.__name__)
            failed.append(user.pk)
    if sent:
        logger.info("e-mailed %s user(s) about inbound message %s", sent, message.pk)
    if failed:
        raise NotificationFailed(f"{len(failed)} notification mail(s) of message {message.pk} not sent",
                                 user_ids=failed)
    return sent


def owed_users(message: Message) -> list:
    """The users who want a mail about `message` and have no decision recorded for it yet."""
    return list(_owed(message).order_by("pk"))


def anyone_owed(message: Message) -> bool:
    """Whether some user wants a mail about `message`: one query, so that inbound processing queues the
    task only then, not for every message."""
    return _owed(message).exists()


def _owed(message: Message):
    return (
        get_user_model().objects.filter(
            pk__in=ExtensionAssignment.objects.filter(extension__received_messages=message).values("user_id"),
            is_active=True,
        )
        .filter(pk__in=InboxPreference.objects.filter(email_on_inbound=True).values("user_id"))
        .exclude(email="")
        .exclude(pk__in=NotificationSent.objects.filter(message=message).values("user_id"))
    )


def _claim(message: Message, user, outcome: str) -> bool:
    """Insert the (message, user) row; False when it exists. A concurrent run's uncommitted row makes this
    wait for that run's commit (then False) or rollback (then True)."""
    table = NotificationSent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (message_id, user_id, outcome, created_at) VALUES (%s, %s, %s, now())
                ON CONFLICT (message_id, user_id) DO NOTHING RETURNING id""",
            [message.pk, user.pk, outcome],
        )
        return cursor.fetchone() is not None


def notification_text(message: Message) -> tuple[str, str]:
    """(subject, body) of the mail about one inbound message: who wrote to which of our numbers, the text
    (first TEXT_LIMIT characters), how many attachments, and the link to the conversation."""
    our_number = message.conversation.our_number if message.conversation_id else (message.to_numbers or [""])[0]
    subject = " ".join(f"New message from {message.from_number} to {our_number}".split())
    text = message.text if len(message.text) <= TEXT_LIMIT else message.text[:TEXT_LIMIT] + "…"
    attachments = message.media.count()
    lines = [f"New message from {message.from_number} to {our_number}:", "", text or "(no text)", ""]
    if attachments:
        lines += [f"{attachments} attachment{'s' if attachments != 1 else ''} (open the conversation to see "
                  f"{'them' if attachments != 1 else 'it'}).", ""]
    slug = current_tenant_slug()
    lines += [
        f"Open the conversation: {conversation_url(slug, message.conversation_id)}",
        "",
        "You get this e-mail because you asked for one for each new message while you are not connected.",
        f"Turn it off: {absolute_url(tenant_path(slug, 'messaging:inbox-settings'))}",
    ]
    return subject, "\n".join(lines)


def conversation_url(slug: str, conversation_id: int | None) -> str:
    """The absolute address of a conversation's thread (the Inbox when it has none)."""
    path = f"/t/{slug}/inbox/{conversation_id}/" if conversation_id else f"/t/{slug}/inbox/"
    return absolute_url(path)


def tenant_path(slug: str, name: str) -> str:
    # Outside a request tenant URLs do not reverse with their prefix (DESIGN.md §6).
    return f"/t/{slug}" + reverse(name, urlconf=settings.ROOT_URLCONF)


def current_tenant_slug() -> str:
    slug = getattr(connection.tenant, "slug", None)
    if slug:
        return slug
    return Tenant.objects.filter(schema_name=connection.schema_name).values_list("slug", flat=True).get()


# --- the sweeper ----------------------------------------------------------------------------------------

def queue_missing_notifications() -> int:
    """Queue the notification task again, in the current tenant, for inbound messages of the last
    NOTIFY_SWEEP_MINUTES that a user still wants a mail about (their task was lost, or the mail server
    failed); return how many. Older messages are left: a mail hours late helps nobody."""
    now = timezone.now()
    owed = (
        ExtensionAssignment.objects.filter(
            extension__received_messages=OuterRef("pk"), user__is_active=True,
            user_id__in=InboxPreference.objects.filter(email_on_inbound=True).values("user_id"),
        )
        .exclude(user__email="")
        .exclude(Exists(NotificationSent.objects.filter(message_id=OuterRef(OuterRef("pk")),
                                                        user_id=OuterRef("user_id"))))
    )
    ids = list(
        Message.objects.filter(
            direction=Message.Direction.INBOUND, unrouted=False,
            created_at__gte=now - timezone.timedelta(minutes=settings.NOTIFY_SWEEP_MINUTES),
            created_at__lt=now - timezone.timedelta(seconds=SWEEP_AFTER_SECONDS),
        )
        .filter(Exists(owed)).order_by("id").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    dispatch.on_commit_each("messaging.notify_inbound", ids)
    return len(ids)
