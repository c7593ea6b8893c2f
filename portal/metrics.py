"""The portal's Prometheus metrics, and the one place code reports to them (each hook is one call here).

Where each kind of figure lives, so that `GET /metrics` on any web process shows all of them although
gunicorn runs several worker processes and Celery's workers are processes of their own:

- The webhook's requests and latency are counted in the web process itself, in prometheus-client's registry
  (nothing leaves the process on the webhook's hot path). The web process runs with PROMETHEUS_MULTIPROC_DIR
  (portal/processes.py sets one up), so every gunicorn worker writes its figures into files there and a
  scrape of any one of them adds up all of them (prometheus-client's multiprocess mode).
- Events (messages queued, sent, delivered, failed, received; Bandwidth's answers; sweeper re-queues;
  rate-limit waits; callbacks that failed for good) are counted in Redis hashes, by whichever process saw
  them: `count()` adds to a buffer in memory (changes of rows once their transaction commits: a rolled-back
  batch counts nothing), and `flush()` sends the buffer in one pipelined round trip after each task and each request
  (only when something was counted).
- Gauges read at scrape time: callbacks waiting over a minute, per tenant, as the inbound sweeper last
  found them (every minute), and callbacks failed, per tenant, as the tenant counts last found them (every
  5 minutes). Both are one Redis hash each: a scrape asks the database nothing, whatever the tenants.

Counters kept in Redis survive restarts of the processes; after a Redis restart without persistence
they start again from zero, which Prometheus's rate() and increase() take as a counter reset.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from functools import cache, wraps

import redis
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from redis.backoff import NoBackoff
from redis.retry import Retry

from portal.client_ip import client_ip

logger = logging.getLogger(__name__)

# --- in the web process --------------------------------------------------------------------------------

WEBHOOK_REQUESTS = Counter("portal_webhook_requests", "Bandwidth webhook requests answered, by HTTP status.",
                           ["status"])
WEBHOOK_SECONDS = Histogram(
    "portal_webhook_request_seconds", "Time the webhook took to answer Bandwidth (seconds).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def timed_webhook(view):
    """The webhook view, counted by answer and timed (in-process: no extra round trip per request)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        started = time.perf_counter()
        status = 500
        try:
            response = view(request, *args, **kwargs)
            status = response.status_code
            return response
        finally:
            WEBHOOK_SECONDS.observe(time.perf_counter() - started)
            WEBHOOK_REQUESTS.labels(str(status)).inc()

    return wrapper


# --- events, counted in Redis --------------------------------------------------------------------------

# name: (help, label names). Counts are whole numbers, except those of names ending in _seconds.
EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "portal_messages": ("Messages by tenant, direction, the status they reached (queued, sent, delivered, failed, "
                        "received) and, for failures, the error category.",
                        ("tenant", "direction", "status", "category")),
    "portal_bandwidth_responses": ("Answers of Bandwidth's messaging API to the portal, by operation and HTTP "
                                   "status (`connection` when none came).", ("operation", "status")),
    "portal_sweeper_requeued": ("Rows a sweeper queued again (lost tasks), by kind.", ("kind",)),
    "portal_rate_limit_waits": ("Sends that waited for their sender number's rate-limit slot, by how.",
                                ("reason",)),
    "portal_rate_limit_wait_seconds": ("Seconds sends waited for their sender number's rate-limit slot.", ()),
    "portal_callbacks_failed": ("Stored callbacks that ended failed (processing crashed WEBHOOK_MAX_ATTEMPTS "
                                "times), by tenant.", ("tenant",)),
}
GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "portal_callbacks_pending": ("Callbacks of enabled configurations waiting over a minute to be processed, by "
                                 "tenant (the inbound sweeper's last look, every minute; at most 1000).",
                                 ("tenant",)),
    "portal_callbacks_failed_now": ("Callbacks in the failed state (waiting for Retry), by tenant (refreshed "
                                    "with the tenant counts, every 5 minutes).", ("tenant",)),
    "portal_callback_silence_alarms": ("SMS configurations sending without callbacks (the tenant home's alarm: "
                                       "CALLBACK_SILENCE_ALARM_MINUTES), by tenant (refreshed with the tenant "
                                       "counts, every 5 minutes).", ("tenant",)),
}

_buffer: dict[tuple[str, tuple[str, ...]], float] = defaultdict(float)
_gauges: dict[tuple[str, tuple[str, ...]], float] = {}
_lock = threading.Lock()
# After Redis failed to take the figures, this process keeps them and does not try again for a few seconds: a
# hung Redis costs one REDIS_TIMEOUT now and then, not one per request or task. Past MAX_KEPT series, figures
# of new series are dropped rather than memory grown.
PAUSE_AFTER_FAILURE = 5.0
MAX_KEPT = 10_000
_paused_until = 0.0


def count(name: str, amount: float = 1, *, after_commit: bool = False, **labels: str | None) -> None:
    """Add `amount` to the event counter `name` with these labels; with `after_commit`, only once the current
    transaction commits (a change of a row: a rolled-back batch counts nothing). Without it at once (something
    that happened whatever the transaction does: Bandwidth's answer, a wait)."""
    _help, names = EVENTS[name]
    key = (name, tuple(str(labels.get(label) or "") for label in names))
    if after_commit:
        transaction.on_commit(lambda: _add(key, amount))
    else:
        _add(key, amount)


def gauge(name: str, value: float, **labels: str | None) -> None:
    """Set the gauge `name` for these labels (stored at the next flush; the last value set wins)."""
    _help, names = GAUGES[name]
    with _lock:
        _gauges[(name, tuple(str(labels.get(label) or "") for label in names))] = value


def _add(key: tuple[str, tuple[str, ...]], amount: float) -> None:
    with _lock:
        _buffer[key] += amount


def flush(**_signal_kwargs) -> None:
    """Send the counted events and gauges to Redis (one round trip; nothing when nothing was counted). Never
    raises: while Redis cannot be reached the figures wait in this process (see PAUSE_AFTER_FAILURE), and the
    work goes on; metrics are not worth a failed task or request."""
    global _paused_until
    if (not _buffer and not _gauges) or time.monotonic() < _paused_until:
        return
    with _lock:
        pending, gauges = dict(_buffer), dict(_gauges)
        _buffer.clear()
        _gauges.clear()
    try:
        # MULTI/EXEC: applied whole or not at all, so figures kept after a failure are not counted twice.
        pipe = _client().pipeline(transaction=True)
        for (name, values), amount in pending.items():
            if name.endswith("_seconds"):
                pipe.hincrbyfloat(_key(name), json.dumps(values), amount)
            else:
                pipe.hincrby(_key(name), json.dumps(values), round(amount))
        for (name, values), value in gauges.items():
            pipe.hset(_key(name), json.dumps(values), value)
        pipe.execute()
    except redis.RedisError as exc:
        logger.warning("metrics not stored yet (Redis: %s); kept for the next try", exc.__class__.__name__)
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        with _lock:
            for key, amount in pending.items():
                if key in _buffer or len(_buffer) < MAX_KEPT:
                    _buffer[key] += amount
            for key, value in gauges.items():
                _gauges.setdefault(key, value)


def _key(name: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "portal"
    return f"{prefix}:metrics:{name}"


@cache
def _client() -> redis.Redis:
    # One retry at once replaces a pooled connection a Redis restart broke; redis-py's default (three, with
    # backoff of seconds) would hold a request or a task that long while Redis is away.
    timeout = settings.REDIS_TIMEOUT
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout,
                                retry=Retry(NoBackoff(), 1))


def reset() -> None:
    """Forget every stored event and gauge (tests)."""
    global _paused_until
    _paused_until = 0.0
    with _lock:
        _buffer.clear()
        _gauges.clear()
    _client().delete(*(_key(name) for name in (*EVENTS, *GAUGES)))


class RedisCollector:
    """The events and gauges kept in Redis, read with one pipelined round trip per scrape."""

    def collect(self) -> Iterable:
        pipe = _client().pipeline(transaction=False)
        names = [*EVENTS, *GAUGES]
        for name in names:
            pipe.hgetall(_key(name))
        try:
            stored = pipe.execute()
        except redis.RedisError as exc:
            logger.warning("metrics kept in Redis not read (%s)", exc.__class__.__name__)
            return
        for name, fields in zip(names, stored, strict=True):
            kind = "counter" if name in EVENTS else "gauge"
            help_text, labels = (EVENTS if kind == "counter" else GAUGES)[name]
            family = (CounterMetricFamily if kind == "counter" else GaugeMetricFamily)(name, help_text, labels=labels)
            for field, value in sorted(fields.items()):
                family.add_metric(json.loads(field), float(value))
            yield family


def render() -> bytes:
    """Every metric in Prometheus's text format: this web process's (or, in multiprocess mode, all of the
    web's processes'), and those kept in Redis."""
    flush()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    combined = CollectorRegistry()
    combined.register(_Both(registry))
    return generate_latest(combined)


class _Both:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry

    def collect(self) -> Iterable:
        yield from self.registry.collect()
        yield from RedisCollector().collect()


# --- GET /metrics --------------------------------------------------------------------------------------

def may_read(request) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>` (when the token is set), or a request from the loopback
    address as the portal determines the client's (portal/client_ip.py, TRUSTED_PROXY_COUNT). A request a
    proxy forwarded (X-Forwarded-For) while no proxy is trusted is not taken for a local one: a TLS proxy on
    the same host would otherwise make every client look local."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
        return True
    forwarded = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META
    if forwarded and settings.TRUSTED_PROXY_COUNT == 0:
        return False
    address = client_ip(request)
    return address is not None and ipaddress.ip_address(address).is_loopback


def metrics_view(request):
    """Prometheus's text format; 404 to anyone else (as for a page that does not exist: nothing says the
    endpoint is there)."""
    if request.method not in ("GET", "HEAD") or not may_read(request):
        raise Http404
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
