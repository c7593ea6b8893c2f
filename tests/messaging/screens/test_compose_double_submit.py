"""The Compose form carries a one-time token: submitted twice (a reload, a double click, two requests at the same
moment) it makes one message and one send, and the second submit lands on the first message's page saying so."""

import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from messaging.models import IdempotentRequest, Message, OptOut
from tests.messaging.factories import DID, RECIPIENT, handed_to_tasks, in_acme

LIST, COMPOSE = "/t/acme/messages/", "/t/acme/messages/compose/"
TOKEN = re.compile(r'<input type="hidden" name="token" value="([0-9a-f]{32})"')


def token_of(page) -> str:
    return TOKEN.search(page.content.decode()).group(1)


def form(acme, client, **changes) -> dict:
    return {"from_extension": acme.ext.sales.pk, "to": RECIPIENT, "text": "Hello", "token": token_of(
        client.get(COMPOSE))} | changes


@pytest.mark.django_db
def test_each_rendering_of_the_form_has_a_new_token(acme, client_a):
    assert token_of(client_a.get(COMPOSE)) != token_of(client_a.get(COMPOSE))


@pytest.mark.django_db
def test_the_same_form_posted_twice_makes_one_message_and_says_it_was_already_sent(
        acme, client_a, django_capture_on_commit_callbacks):
    data = form(acme, client_a)
    with django_capture_on_commit_callbacks() as callbacks:
        first = client_a.post(COMPOSE, data, follow=True)
        second = client_a.post(COMPOSE, data, follow=True)
    message = in_acme(acme, lambda: Message.objects.get())
    assert first.redirect_chain == [(f"{LIST}{message.pk}/", 302)] and "Message queued" in first.content.decode()
    assert second.redirect_chain == [(f"{LIST}{message.pk}/", 302)]
    page = second.content.decode()
    assert "already sent" in page and "Message queued" not in page
    assert len(handed_to_tasks(callbacks)) == 1


@pytest.mark.django_db
def test_the_form_edited_and_posted_again_under_its_old_token_sends_only_when_asked_again(acme, client_a):
    data = form(acme, client_a)
    client_a.post(COMPOSE, data)
    edited = client_a.post(COMPOSE, data | {"text": "Hello, corrected"})
    assert edited.status_code == 200
    assert "already sent with other content" in edited.content.decode()
    fresh = token_of(edited)
    assert fresh != data["token"] and in_acme(acme, lambda: Message.objects.count()) == 1
    # The form shown again carries a new token: pressing Send sends the edited text as a new message.
    client_a.post(COMPOSE, data | {"text": "Hello, corrected", "token": fresh})
    assert in_acme(acme, lambda: list(Message.objects.order_by("pk").values_list("text", flat=True))) == [
        "Hello", "Hello, corrected"]


@pytest.mark.django_db
def test_a_refused_form_keeps_its_token_for_the_corrected_send(acme, client_a):
    OptOut.objects.create(number=DID, remote_number=RECIPIENT, keyword="STOP")
    data = form(acme, client_a)
    refused = client_a.post(COMPOSE, data)
    assert refused.status_code == 200 and token_of(refused) == data["token"]
    OptOut.objects.all().delete()
    assert client_a.post(COMPOSE, data).status_code == 302
    assert in_acme(acme, lambda: Message.objects.count()) == 1


@pytest.mark.django_db
def test_tokens_are_per_user(acme, client_a, sysadmin):
    data = form(acme, client_a)
    client_a.post(COMPOSE, data)
    other = Client()
    other.force_login(sysadmin)
    other.post(COMPOSE, data)
    assert in_acme(acme, lambda: Message.objects.count()) == 2


def test_two_posts_of_the_form_at_the_same_moment_make_one_message_and_one_send(committed_acme, published):
    user = get_user_model().objects.get(username="admin_a")
    clients = [Client() for _ in range(2)]
    for client in clients:
        client.force_login(user)
    data = form(committed_acme, clients[0])
    connection.set_schema_to_public()
    start, answers = threading.Barrier(2), []

    def submit(client):
        try:
            start.wait()
            answers.append(client.post(COMPOSE, data))
        except BaseException as exc:  # kept for the test: an exception in a thread cannot fail it
            answers.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    with tenant_context(committed_acme.tenant):
        message = Message.objects.get()
        assert IdempotentRequest.objects.get().message == message
    assert [answer.status_code for answer in answers] == [302, 302], answers
    assert {answer["Location"] for answer in answers} == {f"{LIST}{message.pk}/"}
    assert published == [("messaging.deliver_message", (message.pk,), {})]
