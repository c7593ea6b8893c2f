"""Acme with an inbound rule (+19195550100 -> extension 101) and two extension users who asked for e-mails:
carol serves 101, dave serves 102. The test body runs in Acme's schema."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from messaging.models import ExtensionAssignment, InboundRule, InboxPreference, Message
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.factories import callback, receive_callbacks

CALLER = "+19195550142"


def extension_user(tenant, username: str, *, extension, email: str = "", wants: bool = True):
    user = get_user_model().objects.create_user(username=username, email=email, password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant, role=Membership.Role.EXTENSION)
    if extension is not None:
        ExtensionAssignment.objects.create(user=user, extension=extension)
    InboxPreference.objects.create(user=user, email_on_inbound=wants)
    return user


@pytest.fixture
def inbox(acme, published):
    """Tasks are recorded (the `published` fixture), not run: a test runs the one it means to."""
    rule = InboundRule.objects.create(name="Main DID", trunk=acme.trunk, did_start=acme.did.number,
                                      did_end=acme.did.number)
    rule.extensions.add(acme.ext.sales)
    carol = extension_user(acme.tenant, "carol", extension=acme.ext.sales, email="carol@example.com")
    dave = extension_user(acme.tenant, "dave", extension=acme.ext.blocked, email="dave@example.com")

    def receive(text: str = "Hi", *, media: list[str] | None = None, carrier_id: str = "inbound-1") -> Message:
        changes = {"message__text": text, "message__id": carrier_id}
        if media is not None:
            changes["message__media"] = media
        receive_callbacks(acme.configuration, callback("message-received", **changes))
        return Message.objects.get(provider_message_id=carrier_id, direction="in")

    def notify_tasks() -> list[int]:
        return [args[0] for name, args, _ in published if name == "messaging.notify_inbound"]

    return SimpleNamespace(acme=acme, carol=carol, dave=dave, receive=receive, notify_tasks=notify_tasks)
