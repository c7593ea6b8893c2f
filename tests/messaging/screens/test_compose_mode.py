"""Compose with several recipients: one group message (the default, at most 10 recipients, Bandwidth's limit,
refused past that on the To field with nothing stored) or individual messages (one per recipient, each its
own conversation). Another tenant's administrator and an extension user get 404 and send nothing."""

import re

import pytest

from messaging.models import Conversation, Message
from tests.messaging.factories import in_acme
from tests.messaging.screens.inbox_helpers import extension_user

LIST, COMPOSE = "/t/acme/messages/", "/t/acme/messages/compose/"
NUMBERS = [f"+1919555{n:04d}" for n in range(150, 162)]  # fictitious NANP numbers Acme's rule sends to


def compose(client, acme, to, **fields):
    return client.post(COMPOSE, {"from_extension": acme.ext.sales.pk, "to": "\n".join(to), "text": "Team lunch",
                                 **fields}, follow=True)


def test_the_form_offers_group_or_individual_with_group_chosen(acme, client_a):
    page = client_a.get(COMPOSE).content.decode()
    radios = dict(re.findall(r'<input type="radio" name="mode" value="(\w+)"[^>]*?( checked)?>', page))
    assert radios == {"group": " checked", "individual": ""}
    assert "at most 10 recipients (Bandwidth's limit)" in page


@pytest.mark.parametrize("mode", [{}, {"mode": "group"}], ids=["default", "group"])
def test_ten_recipients_make_one_group_message(acme, client_a, mode):
    response = compose(client_a, acme, NUMBERS[:10], **mode)
    message = in_acme(acme, lambda: Message.objects.get())
    assert response.redirect_chain[-1][0] == f"{LIST}{message.pk}/"
    assert message.to_numbers == NUMBERS[:10]
    page = response.content.decode()
    assert all(number in page for number in NUMBERS[:10])  # each recipient's status is listed


def test_eleven_recipients_in_a_group_are_refused_on_the_to_field_and_nothing_is_stored(acme, client_a):
    response = compose(client_a, acme, NUMBERS[:11], mode="group")
    assert response.status_code == 200 and not response.redirect_chain
    errors = " ".join(response.context["form"].errors["to"])
    assert "at most 10 recipients (Bandwidth's limit); this one has 11" in errors
    assert not in_acme(acme, lambda: Message.objects.exists())


def test_individual_messages_go_one_per_recipient_each_in_its_own_conversation(acme, client_a):
    response = compose(client_a, acme, NUMBERS[:11], mode="individual")
    assert response.redirect_chain[-1][0] == LIST
    messages = in_acme(acme, lambda: list(Message.objects.order_by("id")))
    assert [m.to_numbers for m in messages] == [[number] for number in NUMBERS[:11]]
    assert in_acme(acme, lambda: Conversation.objects.count()) == 11
    assert "11 individual messages queued" in response.content.decode()


def test_admin_of_other_tenant_and_an_extension_user_get_404_and_send_nothing(acme, tenant_a, client_b):
    assert compose(client_b, acme, NUMBERS[:3], mode="individual").status_code == 404
    ann = extension_user(tenant_a, "ann", acme.ext.sales)
    assert compose(ann, acme, NUMBERS[:3], mode="individual").status_code == 404
    assert not in_acme(acme, lambda: Message.objects.exists())
