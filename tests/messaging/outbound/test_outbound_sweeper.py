"""The outbound sweeper re-queues work whose task was lost, and never blindly re-sends a possibly sent one."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from messaging import tasks
from messaging.models import Message
from messaging.services.outbound.sweep import sweep_messages
from tests.messaging.factories import SEARCH_URL, SEND_URL, accepted, make_message

pytestmark = pytest.mark.django_db


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def posts(bandwidth) -> int:
    return sum(1 for call in bandwidth.calls if call.request.method == "POST" and call.request.url == SEND_URL)


def test_a_queued_message_whose_task_was_lost_is_sent(acme, bandwidth, eager, django_capture_on_commit_callbacks):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    lost = make_message(acme, next_attempt_at=ago(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_messages() == {"queued": 1, "stuck": 0, "unknown": 0}
    lost.refresh_from_db()
    assert lost.status == "sent" and posts(bandwidth) == 1


def test_fresh_or_not_yet_due_messages_are_left_alone(acme, django_capture_on_commit_callbacks):
    make_message(acme)  # just queued: its task is on the way
    make_message(acme, next_attempt_at=timezone.now() + timedelta(minutes=5))  # waiting for a retry
    make_message(acme, status="sending", claimed_at=ago(seconds=30))  # being sent right now
    make_message(acme, status="sent", next_attempt_at=ago(hours=1))
    with django_capture_on_commit_callbacks() as callbacks:
        assert sweep_messages() == {"queued": 0, "stuck": 0, "unknown": 0}
    assert callbacks == []


def test_a_swept_message_is_not_queued_again_by_the_next_sweep(acme, django_capture_on_commit_callbacks):
    make_message(acme, next_attempt_at=ago(minutes=2))
    with django_capture_on_commit_callbacks() as callbacks:
        sweep_messages()
        sweep_messages()
    assert len(callbacks) == 1


def test_stuck_in_sending_is_reconciled_not_resent(acme, bandwidth, django_capture_on_commit_callbacks, settings):
    settings.SMS_STUCK_AFTER_SECONDS = 300
    bandwidth.get(SEARCH_URL, json={"totalCount": 1, "pageInfo": {}, "messages": [
        {"messageId": "bw-posted-before-the-crash", "messageDirection": "OUTBOUND", "messageStatus": "SENT",
         "receiveTime": ago(minutes=6).isoformat()}]})
    stuck = make_message(acme, status="sending", attempts=1, claimed_at=ago(minutes=6))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep_messages()["stuck"] == 1
    assert len(callbacks) == 1
    stuck.refresh_from_db()
    # The reconcile task (eager off: captured) is what runs next; run it as the worker would.
    assert stuck.status == "unknown" and "worker stopped while sending" in stuck.error_description
    from messaging.services.outbound.reconcile import reconcile_message

    reconcile_message(message_id=stuck.pk)
    stuck.refresh_from_db()
    assert (stuck.status, stuck.provider_message_id) == ("sent", "bw-posted-before-the-crash")
    assert posts(bandwidth) == 0


def test_unknown_messages_due_for_a_check_are_reconciled_again(acme, django_capture_on_commit_callbacks):
    make_message(acme, status="unknown", claimed_at=ago(minutes=10), next_attempt_at=ago(minutes=1))
    make_message(acme, status="unknown", claimed_at=ago(minutes=10), next_attempt_at=timezone.now() + timedelta(1))
    with django_capture_on_commit_callbacks() as callbacks:
        assert sweep_messages()["unknown"] == 1
    assert len(callbacks) == 1


def test_the_periodic_task_sweeps_every_tenant_and_queues_in_the_right_one(
    acme, bandwidth, eager, django_capture_on_commit_callbacks
):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    lost = make_message(acme, next_attempt_at=ago(minutes=2))
    connection.set_schema_to_public()
    with django_capture_on_commit_callbacks() as callbacks:
        totals = tasks.sweep_outbound()
    assert totals["tenants"] >= 2 and totals["queued"] == 1
    # The callback fires here, in the public schema, yet the task runs in Acme's.
    for callback in callbacks:
        callback()
    connection.set_tenant(acme.tenant)
    assert Message.objects.get(pk=lost.pk).status == "sent"
