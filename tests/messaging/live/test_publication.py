"""Publication: an event leaves only after the transaction commits, and a Redis outage never fails the
service that changed the message."""

import pytest
import redis
from django.conf import settings
from django.db import transaction

from messaging import live
from messaging.live import publication
from messaging.services.conversations import threads
from tests.messaging.factories import make_message


@pytest.fixture
def log(acme):
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = publication.log_key(acme.tenant.schema_name)
    client.delete(key)
    yield lambda: [publication_entry(fields) for _, fields in client.xrange(key)]
    client.delete(key)
    client.close()


def publication_entry(fields) -> dict:
    import json

    return json.loads(fields[b"e"])


def test_message_event_is_published_after_commit_with_who_may_see_it(acme, log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = make_message(acme)
        conversation = threads.join_conversation(message, extensions=[acme.ext.sales])
        assert log() == []  # not before the commit

    assert log() == [{"type": "message", "user": None, "extensions": [acme.ext.sales.pk],
                      "data": {"conversation": conversation.pk, "message": message.pk, "status": "queued",
                               "direction": "out"}}]


def test_rolled_back_change_publishes_nothing(acme, log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            threads.join_conversation(make_message(acme), extensions=[acme.ext.sales])
            raise RuntimeError("the sender's transaction fails")
    assert log() == []


def test_read_event_names_its_user(acme, log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        live.conversation_read(conversation_id=7, user_id=42)
    assert log() == [{"type": "read", "data": {"conversation": 7}, "extensions": None, "user": 42}]


def test_redis_outage_is_logged_not_raised(acme, monkeypatch, caplog, django_capture_on_commit_callbacks):
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(publication, "_client", dead)
    monkeypatch.setattr(publication, "_script", dead.register_script(publication.PUBLISH_SCRIPT))
    monkeypatch.setattr(publication, "_paused_until", 0.0)

    with django_capture_on_commit_callbacks(execute=True):
        message = make_message(acme)
        threads.join_conversation(message, extensions=[acme.ext.sales])  # does not raise

    assert "not published (Redis unavailable)" in caplog.text
    assert live.connected_users([1, 2]) == set()


def test_two_portals_on_one_redis_use_different_names(settings):
    settings.LIVE_NAMESPACE = "portal-one"
    one = publication.channel("t_acme"), publication.log_key("t_acme")
    settings.LIVE_NAMESPACE = "portal-two"
    assert not {*one} & {publication.channel("t_acme"), publication.log_key("t_acme")}
