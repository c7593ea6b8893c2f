"""Counted events wait in the process while Redis cannot take them: nothing raises, the work goes on, and the
figures arrive with the next flush once Redis is back (after a short pause, not a timeout per request)."""

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from redis.backoff import NoBackoff
from redis.retry import Retry

from portal import metrics


@pytest.fixture(autouse=True)
def stored_metrics():
    metrics.reset()
    yield
    metrics.reset()


def sweeper_sends() -> float:
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == "portal_sweeper_requeued_total" and sample.labels == {"kind": "send"}:
                return sample.value
    return 0


def test_figures_wait_for_redis_and_are_counted_once(monkeypatch):
    working = metrics._client()
    down = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2,
                       retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(metrics, "_client", lambda: down)
    metrics.count("portal_sweeper_requeued", 3, kind="send")
    metrics.flush()  # fails: kept, and a pause starts
    metrics.count("portal_sweeper_requeued", 2, kind="send")
    metrics.flush()  # paused: Redis is not even asked

    monkeypatch.setattr(metrics, "_client", lambda: working)
    monkeypatch.setattr(metrics, "_paused_until", 0.0)
    assert sweeper_sends() == 5
    assert sweeper_sends() == 5
