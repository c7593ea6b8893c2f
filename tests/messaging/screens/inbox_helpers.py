"""What the Inbox screen tests build: extension users, and messages stored through the real threading
service (messaging.services.conversations.threads.join_conversation), as inbound processing and
queue_message store them."""

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from messaging.models import ExtensionAssignment, Message
from messaging.services.conversations.threads import join_conversation
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.factories import DID

INBOX = "/t/acme/inbox/"
TOKEN = re.compile(r'<input type="hidden" name="token" value="([0-9a-f]{32})"')


def thread_url(conversation) -> str:
    return f"{INBOX}{conversation.pk}/"


def token_of(page) -> str:
    return TOKEN.search(page.content.decode()).group(1)


def extension_user(tenant, username: str, *extensions) -> Client:
    """A signed-in client of a new extension user of `tenant` serving `extensions` (in the current schema)."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant, role=Membership.Role.EXTENSION)
    for extension in extensions:
        ExtensionAssignment.objects.create(user=user, extension=extension)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def inbound(*, sender: str, text: str = "Hi", to=(DID,), extensions=(), minutes_ago: float = 0) -> Message:
    message = Message.objects.create(direction="in", status="received", from_number=sender, to_numbers=list(to),
                                     text=text)
    _age(message, minutes_ago)
    join_conversation(message, extensions=extensions, received_on=to[0])
    return message


def outbound(*, extension, to, text: str = "Hello", sender: str = DID, status: str = "sent",
             minutes_ago: float = 0, **fields) -> Message:
    message = Message.objects.create(direction="out", status=status, extension=extension, from_number=sender,
                                     to_numbers=list(to), text=text, segments=1, **fields)
    _age(message, minutes_ago)
    join_conversation(message, extensions=[extension])
    return message


def _age(message: Message, minutes_ago: float) -> None:
    if minutes_ago:
        message.created_at = timezone.now() - timedelta(minutes=minutes_ago)
        Message.objects.filter(pk=message.pk).update(created_at=message.created_at)
