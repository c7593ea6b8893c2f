"""The per-number sending rate: slots from one Redis schedule, shared by processes; delivery waits for one."""

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
import redis
from django.utils import timezone

from messaging import tasks
from messaging.exceptions import SendThrottled
from messaging.models import Message, PhoneNumber
from messaging.services.outbound import rate_limit
from messaging.services.outbound.deliver import deliver_message
from tests.messaging.factories import DID, SEND_URL, accepted, make_message

WORKER = textwrap.dedent("""
    import json, os, sys, time
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from messaging.services.outbound import rate_limit
    number, rate = sys.argv[1], float(sys.argv[2])
    print("ready", flush=True)
    until = float(sys.stdin.readline())  # the window starts when every process is ready, however slow the start
    sent = []
    while rate_limit.clock() < until:
        slot = rate_limit.reserve(number, rate=rate, max_ahead=0.5)
        if slot.at is None:
            time.sleep(min(slot.wait, 0.05))
            continue
        time.sleep(slot.wait)
        sent.append([slot.at, rate_limit.clock()])
    print(json.dumps(sent))
""")


def fresh_number() -> str:
    return "+1555" + uuid.uuid4().hex[:7]


def test_slots_are_one_interval_apart():
    number = fresh_number()
    slots = [rate_limit.reserve(number, rate=10, max_ahead=5) for _ in range(5)]
    gaps = [b.at - a.at for a, b in zip(slots, slots[1:], strict=False)]
    assert all(abs(gap - 0.1) < 1e-6 for gap in gaps)
    assert slots[0].wait < 0.01 and 0.35 < slots[4].wait <= 0.41


def test_a_slot_beyond_max_ahead_is_not_reserved():
    number = fresh_number()
    rate_limit.reserve(number, rate=1, max_ahead=10)
    too_far = rate_limit.reserve(number, rate=1, max_ahead=0.5)
    assert too_far.at is None and 0.9 < too_far.wait <= 1.0
    # Nothing was taken: the next caller still gets the slot one second ahead.
    assert 0.9 < rate_limit.reserve(number, rate=1, max_ahead=10).wait <= 1.0


def test_hold_pauses_the_number():
    number = fresh_number()
    rate_limit.hold(number, seconds=30)
    assert 29 < rate_limit.reserve(number, rate=100, max_ahead=60).wait <= 30


def test_two_processes_share_one_rate():
    number, rate, seconds = fresh_number(), 20.0, 2.0
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings")
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, number, str(rate)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, env=env, text=True)
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready"
    until = rate_limit.clock() + seconds  # both start sending at the same moment
    for worker in workers:
        worker.stdin.write(f"{until}\n")
        worker.stdin.flush()
    results = [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]
    assert all(results), "both processes sent"
    slots = sorted(at for result in results for at, _sent in result)
    sends = sorted(sent for result in results for _at, sent in result)
    # The schedule: slots exactly 1/rate apart, whichever process took them.
    assert min(b - a for a, b in zip(slots, slots[1:], strict=False)) >= 1 / rate - 1e-6
    # What actually went out: never more than rate x window (+1 for the window's edge).
    for start in sends:
        in_window = [t for t in sends if start <= t < start + 1.0]
        assert len(in_window) <= rate + 1
    # Both kept sending (a loaded machine may start them late; bench/rate_limit.py measures the rate itself).
    assert len(sends) >= rate * seconds * 0.25


def test_delivery_without_a_slot_stays_queued_and_comes_back_for_its_slot(acme, bandwidth):
    PhoneNumber.objects.filter(number=DID).update(rate_per_second=1)
    bandwidth.post(SEND_URL, status=202, json=accepted())
    first, second = make_message(acme), make_message(acme)
    deliver_message(message_id=first.pk)
    with pytest.raises(SendThrottled) as throttled:
        deliver_message(message_id=second.pk)
    assert 0.5 < throttled.value.wait <= 1.0 and throttled.value.slot_at is not None
    second.refresh_from_db()
    assert (second.status, second.attempts) == ("queued", 0)
    assert second.next_attempt_at > timezone.now()

    time.sleep(throttled.value.wait)
    deliver_message(message_id=second.pk, slot_at=throttled.value.slot_at)
    assert Message.objects.get(pk=second.pk).status == "sent"
    sends = [c for c in bandwidth.calls if c.request.url == SEND_URL]
    assert len(sends) == 2


def test_the_task_requeues_a_throttled_message_instead_of_failing_it(acme, bandwidth, eager):
    PhoneNumber.objects.filter(number=DID).update(rate_per_second=1)
    bandwidth.post(SEND_URL, status=202, json=accepted())
    first, second = make_message(acme), make_message(acme)
    started = time.monotonic()
    tasks.deliver_message.apply(args=[first.pk])
    tasks.deliver_message.apply(args=[second.pk])
    assert time.monotonic() - started >= 0.9  # the second waited for its slot
    assert set(Message.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"sent"}


def test_redis_unreachable_means_wait_not_send(acme, bandwidth, monkeypatch):
    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(rate_limit, "reserve", unreachable)
    message = make_message(acme)
    with pytest.raises(SendThrottled) as throttled:
        deliver_message(message_id=message.pk)
    assert throttled.value.wait == 5.0
    assert Message.objects.get(pk=message.pk).status == "queued"
    assert len(bandwidth.calls) == 0
