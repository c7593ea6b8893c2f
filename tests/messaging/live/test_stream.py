"""The live channel end to end: a real ASGI web process, events published by the services, read as a
browser's EventSource reads them."""

import time

import pytest
from django_tenants.utils import tenant_context

from messaging import live
from messaging.services.conversations import read_state, threads
from messaging.services.outbound import status
from tests.messaging.factories import make_message
from tests.messaging.live.conftest import LIVE_PATH
from tests.messaging.live.sse import EventStream


def stored(people, extension, to="+19195550199"):
    """A message stored and threaded the way queue_message does it, committed."""
    acme = people.acme
    with tenant_context(acme.tenant):
        message = make_message(acme, extension=extension, to_numbers=[to])
        conversation = threads.join_conversation(message, extensions=[extension])
    return message, conversation


@pytest.fixture
def open_stream(portal):
    opened = []

    def connect(session, last_event_id=""):
        stream = EventStream(portal, LIVE_PATH, session=session, last_event_id=last_event_id)
        opened.append(stream)
        return stream

    yield connect
    for stream in opened:
        stream.close()


def test_new_message_reaches_an_open_stream_within_2_seconds(people, open_stream):
    stream = open_stream(people.sessions["admin"])
    assert stream.status == 200 and stream.content_type.startswith("text/event-stream")
    time.sleep(0.3)  # the stream is subscribed once its first bytes are out; this only avoids racing them

    started = time.monotonic()
    message, conversation = stored(people, people.acme.ext.sales)
    event = stream.next_event(within=2)

    assert time.monotonic() - started < 2
    assert event.type == "message"
    assert event.data == {"conversation": conversation.pk, "message": message.pk, "status": "queued",
                          "direction": "out"}
    assert event.id


def test_status_change_is_an_event(people, open_stream):
    message, conversation = stored(people, people.acme.ext.sales)
    stream = open_stream(people.sessions["carol"])
    time.sleep(0.3)
    with tenant_context(people.acme.tenant):
        status.advance(message.pk, "sent")
    event = stream.next_event(within=2)
    assert (event.type, event.data["message"], event.data["status"]) == ("message", message.pk, "sent")


def test_extension_user_gets_only_the_conversations_of_their_extensions(people, open_stream):
    dave = open_stream(people.sessions["dave"])  # serves 104, not 101
    time.sleep(0.3)
    stored(people, people.acme.ext.sales, to="+19195550111")
    mine, conversation = stored(people, people.acme.ext.bare, to="+19195550122")

    event = dave.next_event(within=3)  # the 101 conversation's event came first and was not sent to him
    assert (event.data["conversation"], event.data["message"]) == (conversation.pk, mine.pk)


def test_read_event_goes_to_that_user_only(people, open_stream):
    _, conversation = stored(people, people.acme.ext.sales)
    carol = open_stream(people.sessions["carol"])
    admin = open_stream(people.sessions["admin"])
    time.sleep(0.3)

    with tenant_context(people.acme.tenant):
        read_state.mark_read(conversation=conversation, user_id=people.admin.pk)
    later, _ = stored(people, people.acme.ext.sales)

    assert admin.next_event(within=2).type == "read"
    assert admin.next_event(within=2).data["message"] == later.pk
    assert carol.next_event(within=2).data["message"] == later.pk  # the admin's read was not hers


def test_reconnect_with_last_event_id_replays_what_was_missed(people, open_stream):
    stream = open_stream(people.sessions["carol"])
    time.sleep(0.3)
    stored(people, people.acme.ext.sales)
    seen = stream.next_event(within=2)
    stream.close()

    missed = [stored(people, people.acme.ext.sales)[0].pk for _ in range(2)]
    stored(people, people.acme.ext.bare, to="+19195550133")  # not hers: not replayed either

    again = open_stream(people.sessions["carol"], last_event_id=seen.id)
    replayed = [again.next_event(within=2) for _ in range(2)]
    assert [event.data["message"] for event in replayed] == missed
    live_after, _ = stored(people, people.acme.ext.sales)
    assert again.next_event(within=2).data["message"] == live_after.pk  # and then live, nothing twice


@pytest.mark.parametrize("last_event_id", ["1-0", "not-an-id"])
def test_id_the_log_no_longer_holds_gets_reset(people, open_stream, last_event_id):
    stored(people, people.acme.ext.sales)
    stream = open_stream(people.sessions["admin"], last_event_id=last_event_id)
    event = stream.next_event(within=2)
    assert event.type == "reset"


def test_connected_users_while_a_stream_is_open_and_not_after(people, open_stream):
    carol, dave = people.carol.pk, people.dave.pk

    def connected():
        with tenant_context(people.acme.tenant):
            return live.connected_users([carol, dave])

    stream = open_stream(people.sessions["carol"])
    assert wait_for(lambda: connected() == {carol}, within=5)
    stream.close()
    assert wait_for(lambda: connected() == set(), within=10)  # the presence TTL here is 1.5 s


def wait_for(condition, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
