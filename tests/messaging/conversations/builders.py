"""What the conversation tests build: inbound rules, inbound messages through the real webhook processing,
and extension users serving some of Acme's extensions."""

import itertools

from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from messaging.models import ExtensionAssignment, InboundRule, Message
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.factories import DID, callback, receive_callbacks

CUSTOMER = "+19195550142"
_carrier_ids = itertools.count(1)


def route_did(acme, did: str, *extensions) -> InboundRule:
    """An inbound rule sending everything that reaches `did` to `extensions`."""
    rule = InboundRule.objects.create(name=f"Line {did}", trunk=acme.trunk, did_start=did, did_end=did)
    rule.extensions.set(extensions)
    return rule


def receive(acme, *, sender: str = CUSTOMER, to: list[str] | None = None, on: str = DID, text: str = "Hi",
            carrier_id: str | None = None) -> Message:
    """An inbound SMS from `sender` reaching our number `on`, stored and processed as the webhook would."""
    carrier_id = carrier_id or f"in-{next(_carrier_ids)}"
    events = callback("message-received", to=on, message__id=carrier_id, message__from=sender,
                      message__to=to or [on], message__text=text, message__media=[])
    receive_callbacks(acme.configuration, events)
    return Message.objects.get(provider_message_id=carrier_id, direction="in")


def extension_user(acme, username: str, *extensions):
    """A user with the extension role in Acme, serving `extensions`."""
    schema = connection.schema_name
    with schema_context("public"):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        Membership.objects.create(user=user, tenant=acme.tenant, role=Membership.Role.EXTENSION)
    with schema_context(schema):
        for extension in extensions:
            ExtensionAssignment.objects.create(user=user, extension=extension)
    return user
