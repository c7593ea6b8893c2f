"""Two runs of the notification task at the same moment, on two connections, send one mail: the second waits
on the first's claimed row and finds it. Both are held until each has found the user still owed a mail, so
every trial takes the path the claim guards.

The data is committed (two real transactions race)."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.models import ExtensionAssignment, InboundRule, Message, NotificationSent
from messaging.services.conversations import notifications
from tenants.models import Membership
from tests.messaging.factories import callback, receive_callbacks
from tests.messaging.notifications.conftest import extension_user

TRIALS = 3


@pytest.fixture
def committed_inbox(committed_acme, published):
    acme = committed_acme
    with tenant_context(acme.tenant):
        rule = InboundRule.objects.create(name="Main DID", trunk=acme.trunk, did_start=acme.did.number,
                                          did_end=acme.did.number)
        rule.extensions.add(acme.ext.sales)
        carol = extension_user(acme.tenant, "carol", extension=acme.ext.sales, email="carol@example.com")
    yield acme
    with tenant_context(acme.tenant):
        InboundRule.objects.all().delete()
        Message.objects.all().delete()
        ExtensionAssignment.objects.filter(user=carol).delete()
        Membership.objects.filter(user=carol).delete()
        # Users are global: remove carol with her tenant rows, from Acme's schema where they live.
        get_user_model().objects.filter(pk=carol.pk).delete()


def run_together(acme, message_id: int, monkeypatch) -> list[BaseException]:
    both_looked = threading.Barrier(2, timeout=10)
    claim = notifications._claim

    def claim_when_both_looked(*args, **kwargs):
        both_looked.wait()
        return claim(*args, **kwargs)

    monkeypatch.setattr(notifications, "_claim", claim_when_both_looked)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with tenant_context(acme.tenant):
                notifications.notify_inbound(message_id=message_id)
        except BaseException as exc:  # reported below: an exception in a thread cannot fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_runs_at_the_same_moment_send_one_mail(committed_inbox, monkeypatch):
    for trial in range(TRIALS):
        with tenant_context(committed_inbox.tenant):
            receive_callbacks(committed_inbox.configuration,
                              callback("message-received", message__id=f"race-{trial}", message__media=[]))
            message_id = Message.objects.get(provider_message_id=f"race-{trial}").pk
        mail.outbox.clear()
        assert run_together(committed_inbox, message_id, monkeypatch) == []
        assert len(mail.outbox) == 1
        with tenant_context(committed_inbox.tenant):
            assert NotificationSent.objects.filter(message_id=message_id).count() == 1
