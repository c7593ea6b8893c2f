"""What the portal adds to Celery's brokers: Redis (a fix to its transport) and RabbitMQ (whole-second delays).

Redis: the worker keeps consuming after an acknowledgement fails.

kombu's Redis QoS.ack removes the message from Redis's unacked index first and forgets it locally only
afterwards; when Redis does not answer (it hangs, or restarts at that moment) the removal raises, Celery
logs "Couldn't ack" and goes on, and the message stays counted as delivered for good. Once as many such
messages pile up as the prefetch count (concurrency x CELERY_WORKER_PREFETCH_MULTIPLIER), the channel
never asks Redis for a message again: the worker stays alive, answers `inspect ping`, and does nothing.
bench/faults.py met it after a 20 s Redis hang (two failed acknowledgements, concurrency 2: hundreds of
tasks waiting until the worker was restarted). kombu 5.6 does so (pinned below 5.7: pyproject.toml).

Here the message is forgotten locally whatever Redis answered. If the removal did not reach Redis, the
message stays in the unacked index and Redis hands it out again after the visibility timeout: a second
run of a task, which every task here tolerates (they act on database rows that say what is done).
"""

import math

from celery.utils.quorum_queues import detect_quorum_queues
from celery.utils.time import maybe_make_aware
from dateutil.parser import isoparse
from kombu.transport import redis as kombu_redis
from kombu.transport.virtual import base as virtual


def _ack(self, delivery_tag):
    try:
        self._remove_from_indices(delivery_tag).execute()
    finally:
        virtual.QoS.ack(self, delivery_tag)


def _reject(self, delivery_tag, requeue=False):
    try:
        if requeue:
            self.restore_by_tag(delivery_tag, leftmost=True)
        else:
            self._remove_from_indices(delivery_tag).execute()
    finally:
        virtual.QoS.ack(self, delivery_tag)


def forget_acknowledged_messages_locally() -> None:
    """Install the fix (called where the Celery app is made, so every worker, started however, has it)."""
    kombu_redis.QoS.ack = _ack
    kombu_redis.QoS.reject = _reject


class WholeSecondDelays:
    """Celery app mixin: on RabbitMQ with quorum queues, a countdown or ETA is rounded up to whole seconds.

    There Celery sends a delayed task through RabbitMQ's native delayed delivery, whose routing key counts
    whole seconds: Celery truncates the delay, so a task came up to a second early (the worker then holds
    it unacknowledged until its time, in a prefetch slot that quorum queues do not let it give back), and
    a delay under one second raised ValueError("countdown must be a positive number") at publish: the
    sender's rate-limit waits, usually a fraction of a second, all failed and were left to the sweeper.
    Rounded up, a delayed task arrives on time or up to a second late, and never makes the worker hold it.
    On Redis nothing changes (the worker holds delayed tasks itself, to the millisecond).
    """

    def send_task(self, name, args=None, kwargs=None, countdown=None, eta=None, **options):
        if (countdown or eta) and self._native_delayed_delivery():
            if eta is not None:
                eta = isoparse(eta) if isinstance(eta, str) else eta
                countdown = (maybe_make_aware(eta) - self.now()).total_seconds()
                eta = None
            countdown = max(1, math.ceil(countdown)) if countdown > 0 else None
        return super().send_task(name, args, kwargs, countdown=countdown, eta=eta, **options)

    def _native_delayed_delivery(self) -> bool:
        """Celery's own test for sending a delayed task through the broker (celery/app/base.py)."""
        driver_type = self.producer_pool.connections.connection.transport.driver_type
        return detect_quorum_queues(self, driver_type)[0]
