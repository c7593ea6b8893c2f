"""Handing stored callbacks to the worker: the one place the webhook's hot path meets Celery.

Called once the events are committed. Today: the stored ids go to messaging.process_callbacks in batches
of HANDOFF_BATCH. The sweeper (services/inbound/sweep.py) finds whatever a lost hand-off left pending.
"""

from messaging import dispatch

HANDOFF_BATCH = 100


def callbacks_stored(*, schema_name: str, event_ids: list[int]) -> None:
    """Wake processing for `event_ids`, stored and committed in tenant `schema_name`'s inbox."""
    # One publish per HANDOFF_BATCH events, not one per event: 1,000 publishes took Bandwidth's whole
    # patience (~10 s); batches of a hundred still spread a big callback over several workers.
    for start in range(0, len(event_ids), HANDOFF_BATCH):
        dispatch.publish("messaging.process_callbacks", (event_ids[start:start + HANDOFF_BATCH],), {},
                         countdown=None, schema_name=schema_name)
