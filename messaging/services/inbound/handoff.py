"""Handing stored callbacks to the worker: the one place the webhook's hot path meets Celery.

Called once the events are committed, outside any transaction. The ids are not sent anywhere: the inbox
rows are the work, and one drain of the tenant's inbox (messaging.drain_inbox, services/inbound/inbox.py)
takes every pending row in batches. So a request only has to make sure a drain will run after its commit:

- `SET inbox-wake:<namespace>:<schema> 1 NX PX WAKE_MILLISECONDS` in Redis; only the request that sets the
  key publishes a drain (to start WAKE_DELAY_SECONDS later). Under load that is one publish per drain, not
  one per request, and one drain per batch of requests.
- A drain deletes the key before its first claim (`drain_started`) and claims until it finds nothing. A
  commit after the delete sets the key again and queues another drain; a commit before it is seen by the
  drain's claims. Either way no wake is lost, not even for a moment.
- The key expires by itself, so a drain that was queued but lost (broker restart, killed worker) blocks
  wakes for WAKE_MILLISECONDS at most; the sweeper (sweep.py) remains the safety net for the rest.
- Redis failing is logged, never raised into the webhook: the drain is then published without coalescing
  (drains are safe to run side by side), and a broker outage is dispatch's to log and the sweeper's to mend.
"""

import logging
import time

import redis

from messaging import dispatch
from messaging.live import publication

logger = logging.getLogger(__name__)

WAKE_MILLISECONDS = 500
# The drain starts this long after the first wake: the requests of that moment share it (a bigger first
# batch; under load the batches grow by themselves). Far below what an SMS user notices.
WAKE_DELAY_SECONDS = 0.1
PAUSE_AFTER_FAILURE = 5.0
_paused_until = 0.0


def wake_key(schema_name: str) -> str:
    # Namespaced like the live events (publication.namespace): two portals may share one Redis.
    return f"inbox-wake:{publication.namespace()}:{schema_name}"


def callbacks_stored(*, schema_name: str, event_ids: list[int]) -> None:
    """Wake processing for `event_ids`, stored and committed in tenant `schema_name`'s inbox. Never raises."""
    if event_ids:
        wake_inbox(schema_name=schema_name)


def wake_inbox(*, schema_name: str) -> bool:
    """Make sure a drain of the tenant's inbox runs after this moment: publish one unless one is queued and
    has not started yet. True when this call published it."""
    global _paused_until
    key = wake_key(schema_name)
    first = True
    if time.monotonic() >= _paused_until:
        try:
            first = bool(publication.client().set(key, 1, nx=True, px=WAKE_MILLISECONDS))
        except redis.RedisError:
            _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            logger.warning("inbox wake-up not coalesced (Redis unavailable); publishing the drain", exc_info=True)
    if not first:
        return False
    if dispatch.publish("messaging.drain_inbox", (), {}, countdown=WAKE_DELAY_SECONDS, schema_name=schema_name):
        return True
    _forget(key)  # nothing was queued: the next request may try again (dispatch pauses after a failure)
    return False


def drain_started(*, schema_name: str) -> None:
    """A drain is about to claim: from now on a new commit must queue another drain."""
    _forget(wake_key(schema_name))


def _forget(key: str) -> None:
    if time.monotonic() < _paused_until:
        return
    try:
        publication.client().delete(key)
    except redis.RedisError:
        logger.warning("inbox wake-up key not cleared (Redis unavailable); it expires by itself", exc_info=True)
