"""Several recipients: a group message takes at most Bandwidth's 10, refused past that with nothing stored;
`individual` mode queues one message per recipient, each in its own 1:1 conversation, all or none; an
Idempotency-Key covers the whole individual send."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.exceptions import IdempotencyKeyReused, MessageInvalid, SendRefused
from messaging.models import Conversation, Message, MessageRecipient, OptOut
from messaging.services.outbound.compose import MAX_GROUP_RECIPIENTS, queue_message, queue_messages
from messaging.services.outbound.idempotency import queue_messages_once
from tests.messaging.factories import DID, handed_to_tasks

pytestmark = pytest.mark.django_db

# Fictitious NANP numbers (555-0100 to 555-0199), all matched by Acme's outbound rule.
NUMBERS = [f"+1919555{n:04d}" for n in range(150, 162)]
TEN, ELEVEN = NUMBERS[:10], NUMBERS[:11]


def test_bandwidths_group_limit_is_ten_recipients():
    assert MAX_GROUP_RECIPIENTS == 10


def test_a_group_of_ten_is_one_message_with_ten_recipients_in_one_conversation(acme):
    message = queue_message(extension=acme.ext.sales, to=TEN, text="Team lunch")
    assert message.to_numbers == TEN
    assert MessageRecipient.objects.filter(message=message).count() == 10
    assert Conversation.objects.get().participants == sorted(TEN)


def test_a_group_of_eleven_is_refused_naming_the_limit_and_nothing_is_stored(
        acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(MessageInvalid) as refused:
        queue_message(extension=acme.ext.sales, to=ELEVEN, text="Team lunch")
    assert refused.value.field == "to" and refused.value.code == "too_many_recipients"
    assert "at most 10 recipients (Bandwidth's limit)" in refused.value.message and "has 11" in refused.value.message
    assert not Message.objects.exists() and not Conversation.objects.exists()
    assert handed_to_tasks(callbacks) == []


def test_a_number_written_twice_counts_once(acme):
    message = queue_message(extension=acme.ext.sales, to=[*TEN, "(919) 555-0150"], text="Team lunch")
    assert len(message.to_numbers) == 10


def test_group_mode_is_one_message(acme):
    (message,) = queue_messages(extension=acme.ext.sales, to=NUMBERS[:3], text="Hi", mode="group")
    assert message.to_numbers == NUMBERS[:3]


def test_individual_mode_queues_one_message_and_one_conversation_per_recipient(
        acme, media_in_tmp_path, django_capture_on_commit_callbacks):
    photo = SimpleUploadedFile("menu.png", b"\x89PNG....", content_type="image/png")
    with django_capture_on_commit_callbacks() as callbacks:
        messages = queue_messages(extension=acme.ext.sales, to=[*NUMBERS[:3], NUMBERS[0]], text="Menu attached",
                                  media=[photo], mode="individual")
    assert [message.to_numbers for message in messages] == [[number] for number in NUMBERS[:3]]
    assert {(m.from_number, m.text, m.status) for m in messages} == {(DID, "Menu attached", "queued")}
    for message in messages:
        stored = message.media.get()
        assert stored.content_type == "image/png" and stored.file.read() == b"\x89PNG...."
    assert sorted(tuple(c.participants) for c in Conversation.objects.all()) == [(n,) for n in NUMBERS[:3]]
    assert len(handed_to_tasks(callbacks)) == 3


def test_individual_mode_is_not_bound_by_the_group_limit(acme):
    assert len(queue_messages(extension=acme.ext.sales, to=ELEVEN, text="Hi", mode="individual")) == 11


def test_individual_mode_stores_nothing_when_one_recipient_is_refused(acme, django_capture_on_commit_callbacks):
    OptOut.objects.create(number=DID, remote_number=NUMBERS[2], keyword="STOP")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(SendRefused) as refused:
        queue_messages(extension=acme.ext.sales, to=NUMBERS[:4], text="Hi", mode="individual")
    assert refused.value.code == "opted_out" and NUMBERS[2] in refused.value.message
    assert not Message.objects.exists() and not Conversation.objects.exists()
    assert handed_to_tasks(callbacks) == []


def test_an_individual_send_under_a_key_happens_once_and_the_key_remembers_its_mode(acme, admin_a):
    def send(mode):
        return queue_messages_once(user=admin_a, key="k-1", extension=acme.ext.sales, to=NUMBERS[:3], text="Hi",
                                   mode=mode, answer=lambda messages: {"ids": [m.pk for m in messages]})

    first = send("individual")
    again = send("individual")
    assert len(first.messages) == 3 and again.replayed and again.body == first.body
    assert Message.objects.count() == 3
    with pytest.raises(IdempotencyKeyReused):
        send("group")
    assert Message.objects.count() == 3
