"""queue_message_once: one message per (user, key) for a day, whatever the timing of the repeats; another
request under a used key is refused; refusals keep no key; the outbound sweep forgets old keys."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging.exceptions import IdempotencyKeyInUse, IdempotencyKeyInvalid, IdempotencyKeyReused, SendRefused
from messaging.models import IdempotentRequest, Message, OptOut
from messaging.services.outbound import idempotency
from messaging.services.outbound.idempotency import queue_message_once
from messaging.services.outbound.sweep import sweep_messages
from tests.messaging.factories import DID, RECIPIENT, handed_to_tasks

pytestmark = pytest.mark.usefixtures("media_in_tmp_path")


def send(acme, user, key, *, text="Hello", to=(RECIPIENT,), media=()):
    return queue_message_once(user=user, key=key, extension=acme.ext.sales, to=list(to), text=text, media=media,
                              answer=lambda message: {"id": message.pk, "text": message.text})


@pytest.mark.django_db
def test_the_same_key_twice_stores_one_message_and_answers_the_first_answer_again(
        acme, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = send(acme, admin_a, "order-1")
        again = send(acme, admin_a, "order-1")
    assert not first.replayed and again.replayed
    assert again.message == first.message and (again.status, again.body) == (202, first.body)
    assert first.body == {"id": first.message.pk, "text": "Hello"}
    assert Message.objects.count() == 1 and len(handed_to_tasks(callbacks)) == 1
    stored = IdempotentRequest.objects.get()
    assert (stored.user, stored.key, stored.message, stored.response_status) == (admin_a, "order-1", first.message, 202)


@pytest.mark.django_db
def test_the_same_key_with_another_message_is_refused_and_sends_nothing(
        acme, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        send(acme, admin_a, "order-1")
        with pytest.raises(IdempotencyKeyReused) as refused:
            send(acme, admin_a, "order-1", text="Hello again")
    assert refused.value.http_status == 422 and refused.value.code == "idempotency_key_reused"
    assert Message.objects.count() == 1 and len(handed_to_tasks(callbacks)) == 1


@pytest.mark.django_db
def test_two_users_keys_never_meet(acme, admin_a, sysadmin):
    send(acme, admin_a, "same-key")
    other = send(acme, sysadmin, "same-key", text="Something else")
    assert not other.replayed and Message.objects.count() == 2


@pytest.mark.django_db
def test_attachments_count_by_content(acme, admin_a):
    def photo(content: bytes):
        return SimpleUploadedFile("cat.png", content, content_type="image/png")

    first = send(acme, admin_a, "with-photo", media=[photo(b"\x89PNG one")])
    assert send(acme, admin_a, "with-photo", media=[photo(b"\x89PNG one")]).message == first.message
    with pytest.raises(IdempotencyKeyReused):
        send(acme, admin_a, "with-photo", media=[photo(b"\x89PNG two")])
    assert first.message.media.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "line\nbreak", "nul\x00", "tab\tkey"])
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_refused(acme, admin_a, key):
    with pytest.raises(IdempotencyKeyInvalid) as refused:
        send(acme, admin_a, key)
    assert refused.value.http_status == 400 and refused.value.code == "invalid_idempotency_key"
    assert not Message.objects.exists() and not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_the_longest_key_and_punctuation_are_accepted(acme, admin_a):
    key = "~ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}" + "k" * 222
    assert len(key) == 255 and not send(acme, admin_a, key).replayed


@pytest.mark.django_db
def test_without_a_key_every_call_sends(acme, admin_a):
    send(acme, admin_a, None)
    send(acme, admin_a, None)
    assert Message.objects.count() == 2 and not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_refused_send_keeps_no_key_so_the_corrected_request_can_use_it(acme, admin_a):
    OptOut.objects.create(number=DID, remote_number=RECIPIENT, keyword="STOP")
    with pytest.raises(SendRefused):
        send(acme, admin_a, "order-1")
    assert not IdempotentRequest.objects.exists()
    OptOut.objects.all().delete()
    assert not send(acme, admin_a, "order-1").replayed and Message.objects.count() == 1


@pytest.mark.django_db
def test_a_key_lives_a_day(acme, admin_a):
    first = send(acme, admin_a, "order-1")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    later = send(acme, admin_a, "order-1", text="A day later, another message")
    assert not later.replayed and later.message != first.message
    assert IdempotentRequest.objects.get().message == later.message


@pytest.mark.django_db
def test_the_outbound_sweep_deletes_keys_older_than_a_day(acme, admin_a, django_capture_on_commit_callbacks):
    old, recent = send(acme, admin_a, "old"), send(acme, admin_a, "recent")
    IdempotentRequest.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    with django_capture_on_commit_callbacks():
        assert sweep_messages() == {"queued": 0, "stuck": 0, "unknown": 0}
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["recent"]
    assert Message.objects.filter(pk__in=[old.message.pk, recent.message.pk]).count() == 2  # messages stay


@pytest.mark.django_db
def test_the_short_lock_timeout_does_not_outlive_the_claim(acme, admin_a):
    def lock_timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            return cursor.fetchone()[0]

    before = lock_timeout()
    with transaction.atomic():
        send(acme, admin_a, "order-1")
        assert lock_timeout() == before


# --- at the same time: committed data, one connection per thread


def admin():
    return get_user_model().objects.get(username="admin_a")


def in_thread(acme, outcomes: list, **send_options) -> threading.Thread:
    def run():
        try:
            with tenant_context(acme.tenant):
                outcomes.append(send(acme, admin(), "at-once", **send_options))
        except BaseException as exc:  # kept for the test: an exception in a thread cannot fail it
            outcomes.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_request_waits_for_the_first_and_gets_its_answer(committed_acme, published):
    outcomes = []
    with tenant_context(committed_acme.tenant):
        with transaction.atomic():
            first = send(committed_acme, admin(), "at-once")
            second = in_thread(committed_acme, outcomes)
            time.sleep(0.5)
            assert second.is_alive()  # held by the unique index until the first commits
        second.join(5)
        assert [outcome.message for outcome in outcomes] == [first.message] and outcomes[0].replayed
        assert Message.objects.count() == 1
    assert [name for name, _, _ in published] == ["messaging.deliver_message"]


def test_when_the_first_request_rolls_back_the_waiting_one_sends(committed_acme, published):
    outcomes = []
    with tenant_context(committed_acme.tenant):
        with pytest.raises(RuntimeError), transaction.atomic():
            send(committed_acme, admin(), "at-once")
            second = in_thread(committed_acme, outcomes)
            time.sleep(0.3)
            raise RuntimeError("the first request failed after storing")
        second.join(5)
        assert len(outcomes) == 1 and not outcomes[0].replayed
        assert list(Message.objects.values_list("pk", flat=True)) == [outcomes[0].message.pk]
    assert [name for name, _, _ in published] == ["messaging.deliver_message"]


def test_a_first_request_that_runs_too_long_makes_the_second_answer_in_use(committed_acme, published, monkeypatch):
    monkeypatch.setattr(idempotency, "WAIT_FOR_FIRST", "200ms")
    outcomes = []
    with tenant_context(committed_acme.tenant):
        with transaction.atomic():
            send(committed_acme, admin(), "at-once")
            second = in_thread(committed_acme, outcomes)
            second.join(5)
        assert len(outcomes) == 1 and isinstance(outcomes[0], IdempotencyKeyInUse)
        assert (outcomes[0].http_status, outcomes[0].code) == (409, "idempotency_key_in_use")
        assert Message.objects.count() == 1
    assert len(published) == 1


def test_two_requests_started_together_send_once(committed_acme, published):
    outcomes = []
    threads = [in_thread(committed_acme, outcomes) for _ in range(2)]
    for thread in threads:
        thread.join(10)
    assert not any(isinstance(outcome, BaseException) for outcome in outcomes), outcomes
    assert len({outcome.message.pk for outcome in outcomes}) == 1
    assert sorted(outcome.replayed for outcome in outcomes) == [False, True]
    with tenant_context(committed_acme.tenant):
        assert Message.objects.count() == 1
    assert len(published) == 1
