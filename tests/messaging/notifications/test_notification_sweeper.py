"""A notification whose task was lost is sent by the inbound sweeper, once; old messages are left alone."""

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from messaging import tasks
from messaging.models import Message

pytestmark = pytest.mark.django_db


def sweep(inbox, django_capture_on_commit_callbacks) -> list[int]:
    """Run the periodic task as beat does; the notification tasks it queued."""
    before = len(inbox.notify_tasks())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_inbound()
    connection.set_tenant(inbox.acme.tenant)
    return inbox.notify_tasks()[before:]


def arrived_minutes_ago(message: Message, minutes: int) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=minutes))


def test_the_sweeper_sends_a_lost_notification_once(inbox, django_capture_on_commit_callbacks):
    lost = inbox.receive()  # its task never ran: the commit hook never fired in this test
    fresh = inbox.receive(carrier_id="inbound-2")
    arrived_minutes_ago(lost, 5)

    assert sweep(inbox, django_capture_on_commit_callbacks) == [lost.pk]  # the fresh one is left to its task
    tasks.notify_inbound(lost.pk)
    assert [m.to for m in mail.outbox] == [["carol@example.com"]]

    assert sweep(inbox, django_capture_on_commit_callbacks) == []
    assert len(mail.outbox) == 1
    assert fresh.pk not in inbox.notify_tasks()


def test_the_sweeper_leaves_old_messages_and_users_who_do_not_want_mail(inbox, django_capture_on_commit_callbacks):
    old = inbox.receive()
    arrived_minutes_ago(old, 45)
    assert sweep(inbox, django_capture_on_commit_callbacks) == []

    arrived_minutes_ago(old, 5)
    inbox.carol.email = ""
    inbox.carol.save(update_fields=["email"])
    assert sweep(inbox, django_capture_on_commit_callbacks) == []
