"""The worker keeps consuming after an acknowledgement fails: a fix to kombu's Redis transport.

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
