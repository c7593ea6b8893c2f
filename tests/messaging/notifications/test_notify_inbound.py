"""The e-mail about a new inbound message: to the users of the routed extensions who asked for it, are not
connected and have an address; once per message and user, however often the task runs."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from messaging import live, tasks
from messaging.exceptions import NotificationFailed
from messaging.models import InboundRule, InboxPreference, NotificationSent, WebhookEvent
from messaging.services.conversations import notifications
from messaging.services.inbound import process
from tests.messaging.notifications.conftest import CALLER, extension_user

pytestmark = pytest.mark.django_db
DID = "+19195550100"


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.com"


def test_a_user_who_asked_gets_one_mail_with_the_text_and_a_link_to_the_conversation(
        inbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = inbox.receive("Can you call me back before five?")
    assert inbox.notify_tasks() == [message.pk]  # queued after commit

    tasks.notify_inbound(message.pk)

    (sent,) = mail.outbox
    assert sent.to == ["carol@example.com"]
    assert sent.subject == f"New message from {CALLER} to {DID}"
    assert "Can you call me back before five?" in sent.body
    assert "1 attachment" in sent.body
    assert f"https://portal.example.com/t/acme/inbox/{message.conversation_id}/" in sent.body
    assert "https://portal.example.com/t/acme/inbox/settings/" in sent.body


def test_only_the_first_500_characters_of_the_text_are_mailed(inbox):
    message = inbox.receive("a" * 500 + "TAIL", media=[])
    tasks.notify_inbound(message.pk)
    (sent,) = mail.outbox
    assert "a" * 500 in sent.body and "TAIL" not in sent.body
    assert "attachment" not in sent.body


def test_the_text_is_never_logged(inbox, caplog):
    caplog.set_level(logging.DEBUG)
    message = inbox.receive("my PIN is 8812")
    tasks.notify_inbound(message.pk)
    assert len(mail.outbox) == 1
    assert "8812" not in caplog.text


def test_no_mail_while_the_user_is_connected_nor_later(inbox, monkeypatch):
    monkeypatch.setattr(live, "connected_users", lambda user_ids: {inbox.carol.pk} & set(user_ids))
    message = inbox.receive()
    tasks.notify_inbound(message.pk)
    assert mail.outbox == []
    # They saw it live: once they disconnect, another run must not mail it either.
    monkeypatch.setattr(live, "connected_users", lambda user_ids: set())
    tasks.notify_inbound(message.pk)
    assert mail.outbox == []
    assert NotificationSent.objects.get().outcome == "connected"


def test_no_mail_when_the_preference_is_off(inbox):
    InboxPreference.objects.filter(user=inbox.carol).update(email_on_inbound=False)
    tasks.notify_inbound(inbox.receive().pk)
    assert mail.outbox == []


def test_no_mail_without_an_address(inbox):
    inbox.carol.email = ""
    inbox.carol.save(update_fields=["email"])
    tasks.notify_inbound(inbox.receive().pk)
    assert mail.outbox == []


def test_users_of_other_extensions_and_unrouted_messages_get_nothing(inbox):
    # dave serves 102, which the rule does not route to; an unrouted message has nobody to tell.
    tasks.notify_inbound(inbox.receive().pk)
    assert [m.to for m in mail.outbox] == [["carol@example.com"]]
    InboundRule.objects.all().delete()
    mail.outbox.clear()
    unrouted = inbox.receive(carrier_id="inbound-2")
    assert unrouted.unrouted and unrouted.pk not in inbox.notify_tasks()
    tasks.notify_inbound(unrouted.pk)
    assert mail.outbox == []


def test_every_user_of_a_shared_extension_gets_their_own_mail(inbox):
    extension_user(inbox.acme.tenant, "erin", extension=inbox.acme.ext.sales, email="erin@example.com")
    tasks.notify_inbound(inbox.receive().pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["carol@example.com", "erin@example.com"]


def test_a_duplicated_callback_or_a_task_run_twice_mails_once(inbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = inbox.receive()
        inbox.receive()  # Bandwidth delivers the same callback again: stored once
        event = WebhookEvent.objects.get()
        WebhookEvent.objects.filter(pk=event.pk).update(processed_at=None)  # as if its task died before finishing
        process.process_callback(event_id=event.pk)
    assert inbox.notify_tasks() == [message.pk, message.pk]
    for message_id in inbox.notify_tasks() + [message.pk]:
        tasks.notify_inbound(message_id)
    assert len(mail.outbox) == 1


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_mail_the_server_did_not_take_is_sent_on_the_next_run(inbox, settings):
    message = inbox.receive()
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(NotificationFailed):
        notifications.notify_inbound(message_id=message.pk)
    assert not NotificationSent.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.notify_inbound(message.pk)
    tasks.notify_inbound(message.pk)
    assert len(mail.outbox) == 1


def test_no_task_is_queued_when_nobody_wants_a_mail(inbox, django_capture_on_commit_callbacks):
    InboxPreference.objects.filter(user=inbox.carol).update(email_on_inbound=False)
    with django_capture_on_commit_callbacks(execute=True):
        inbox.receive(carrier_id="nobody-wants-it")
    assert inbox.notify_tasks() == []
    InboxPreference.objects.filter(user=inbox.carol).update(email_on_inbound=True)
    with django_capture_on_commit_callbacks(execute=True):
        wanted = inbox.receive(carrier_id="carol-wants-it")
    assert inbox.notify_tasks() == [wanted.pk]
