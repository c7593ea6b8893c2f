"""Threading: every stored message joins the conversation of our number and its other participants, both
ways, whatever order a payload lists them in; a shared number keeps one conversation for all its extensions;
processing a callback twice stores one message in one conversation; migration 0010 threads the messages
stored before conversations existed."""

import importlib

from django.apps import apps

from messaging.models import Conversation, Message
from messaging.services.inbound import process
from messaging.services.outbound.compose import queue_message
from tests.messaging.conversations.builders import CUSTOMER, receive, route_did
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT, callback, make_message, receive_callbacks

FRIEND = "+19195550143"
thread_existing = importlib.import_module("messaging.migrations.0010_thread_existing_messages").thread_messages


def linked(conversation: Conversation) -> list[str]:
    return sorted(conversation.extensions.values_list("number", flat=True))


def test_a_group_message_is_one_conversation_in_both_directions_whatever_the_order(acme):
    route_did(acme, DID, acme.ext.sales)
    first = receive(acme, sender=CUSTOMER, to=[DID, FRIEND, RECIPIENT], text="Party at 8")
    second = receive(acme, sender=FRIEND, to=[RECIPIENT, CUSTOMER, DID], text="I'll bring cake")
    reply = queue_message(extension=acme.ext.sales, to=[RECIPIENT, FRIEND, CUSTOMER], text="See you there")
    assert first.conversation_id == second.conversation_id == reply.conversation_id
    conversation = Conversation.objects.get()
    assert conversation.our_number == DID
    assert conversation.participants == sorted([CUSTOMER, FRIEND, RECIPIENT])
    assert conversation.last_message_id == reply.pk


def test_the_same_people_without_one_of_them_are_another_conversation(acme):
    group = queue_message(extension=acme.ext.sales, to=[CUSTOMER, FRIEND], text="Both of you")
    single = queue_message(extension=acme.ext.sales, to=[CUSTOMER], text="Only you")
    assert group.conversation_id != single.conversation_id


def test_a_shared_number_keeps_one_conversation_with_both_extensions(acme):
    route_did(acme, DID, acme.ext.sales, acme.ext.bare)
    inbound = receive(acme, sender=CUSTOMER, text="Anyone there?")
    answer = queue_message(extension=acme.ext.bare, to=[CUSTOMER], text="Yes, 104 here")
    assert answer.from_number == DID and answer.conversation_id == inbound.conversation_id
    conversation = Conversation.objects.get()
    assert linked(conversation) == ["101", "104"]


def test_a_reply_from_another_extension_links_it_to_the_conversation(acme):
    route_did(acme, DID, acme.ext.sales)
    inbound = receive(acme, sender=CUSTOMER)
    queue_message(extension=acme.ext.bare, to=[CUSTOMER], text="104 takes over", from_number=DID)
    assert linked(Conversation.objects.get(pk=inbound.conversation_id)) == ["101", "104"]


def test_a_message_to_a_number_we_do_not_own_and_its_answer_are_one_conversation(acme):
    route_did(acme, DID, acme.ext.sales)
    sent = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Your order shipped")
    answered = receive(acme, sender=RECIPIENT, text="Thanks!")
    assert sent.conversation_id == answered.conversation_id
    conversation = Conversation.objects.get()
    assert (conversation.our_number, conversation.participants) == (DID, [RECIPIENT])
    assert conversation.last_message_id == answered.pk and linked(conversation) == ["101"]


def test_each_of_our_numbers_has_its_own_conversation_with_the_same_customer(acme):
    route_did(acme, DID, acme.ext.sales)
    route_did(acme, OTHER_DID, acme.ext.chooser)
    on_main = receive(acme, sender=CUSTOMER, on=DID)
    on_other = receive(acme, sender=CUSTOMER, on=OTHER_DID)
    assert on_main.conversation_id != on_other.conversation_id
    assert linked(on_main.conversation) == ["101"] and linked(on_other.conversation) == ["103"]


def test_an_unrouted_message_has_a_conversation_no_extension_is_linked_to(acme):
    unrouted = receive(acme, sender=CUSTOMER, text="Hello?")
    assert unrouted.unrouted and unrouted.conversation_id is not None
    assert linked(unrouted.conversation) == []


def test_the_same_callback_twice_is_one_message_in_one_conversation(acme):
    route_did(acme, DID, acme.ext.sales)
    events = callback("message-received", message__id="dup-1", message__media=[])
    stored = receive_callbacks(acme.configuration, events)
    receive_callbacks(acme.configuration, events)
    process.process_callback(event_id=stored[0].pk)
    message = Message.objects.get(direction="in")
    conversation = Conversation.objects.get()
    assert message.conversation_id == conversation.pk and conversation.last_message_id == message.pk
    assert linked(conversation) == ["101"]


def test_the_migration_threads_messages_stored_before_conversations(acme):
    sent = make_message(acme, to_numbers=[CUSTOMER], text="Before")
    group = make_message(acme, to_numbers=[FRIEND, CUSTOMER], text="Group")
    answer = Message.objects.create(direction="in", status="received", from_number=CUSTOMER, to_numbers=[DID],
                                    text="Old answer", sms_configuration=acme.configuration)
    answer.routed_to.add(acme.ext.bare)
    group_answer = Message.objects.create(direction="in", status="received", from_number=FRIEND,
                                          to_numbers=[CUSTOMER, DID], text="Group answer")
    Message.objects.update(conversation=None)
    Conversation.objects.all().delete()

    thread_existing(apps, None)
    thread_existing(apps, None)  # run again (a retried deploy): nothing changes

    by_text = {m.text: m for m in Message.objects.select_related("conversation")}
    single, grouped = by_text["Before"].conversation, by_text["Group"].conversation
    assert by_text["Old answer"].conversation == single and by_text["Group answer"].conversation == grouped
    assert Conversation.objects.count() == 2
    assert (single.our_number, single.participants) == (DID, [CUSTOMER])
    assert (grouped.our_number, grouped.participants) == (DID, sorted([CUSTOMER, FRIEND]))
    assert linked(single) == ["101", "104"] and linked(grouped) == ["101"]
    assert single.last_message_id == answer.pk and grouped.last_message_id == group_answer.pk
    assert {sent.pk, group.pk} <= set(Message.objects.filter(conversation__isnull=False).values_list("pk", flat=True))


def test_a_group_message_reaching_two_of_our_numbers_stays_in_one_conversation_both_lines_see(acme):
    route_did(acme, DID, acme.ext.sales)
    route_did(acme, OTHER_DID, acme.ext.chooser)
    first = receive(acme, sender=CUSTOMER, to=[DID, OTHER_DID], on=DID, carrier_id="group-1", text="To you both")
    again = receive(acme, sender=CUSTOMER, to=[DID, OTHER_DID], on=OTHER_DID, carrier_id="group-1")
    assert again.pk == first.pk and again.conversation_id == first.conversation_id
    conversation = Conversation.objects.get()
    assert conversation.last_message_id == first.pk
    assert linked(conversation) == ["101", "103"]
