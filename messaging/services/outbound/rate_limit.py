"""Per-sender-number sending rate, shared by every worker process through Redis.

GCRA with reservations: each number has one Redis key holding its "theoretical arrival time" (TAT),
the earliest moment the next message may go. `reserve` atomically takes the slot at max(TAT, now) and
moves TAT one interval (1/rate seconds) on, so slots are spaced exactly one interval apart however
many workers ask at once. A slot more than `max_ahead` seconds away is not reserved (the caller comes
back later instead of holding a far-future slot). Times are on the Redis server's clock (TIME), so
workers on different hosts agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

MICRO = 1_000_000

# KEYS[1]: the number's key. ARGV: interval (µs), max_ahead (µs), hold_until offset (µs, 0 = reserve).
_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local max_ahead = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if hold > 0 then
  if now + hold > tat then tat = now + hold end
  redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
  return {1, tat - now, tat, now}
end
local wait = tat - now
if wait > max_ahead then return {0, wait, tat, now} end
local nxt = tat + interval
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return {1, wait, tat, now}
"""


@dataclass(frozen=True)
class Slot:
    """`wait`: seconds until the slot. `at`: the reserved slot on the Redis clock, None when none was
    reserved (the next free one is more than max_ahead away; ask again after `wait`)."""

    wait: float
    at: float | None

    @property
    def now(self) -> bool:
        return self.at is not None and self.wait <= 0


@cache
def _client() -> redis.Redis:
    # redis-py re-creates its pool after a fork, so one client per process is safe for prefork workers.
    url = getattr(settings, "SMS_RATE_LIMIT_REDIS_URL", None) or settings.REDIS_URL
    # Asked only by the worker, before a send: more patience than a request's REDIS_TIMEOUT, but a hung
    # Redis holds a worker slot for a few seconds, not 5 s x redis-py's default three retries. The one
    # retry replaces a pooled connection that a Redis restart broke.
    timeout = 4 * settings.REDIS_TIMEOUT
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                retry=Retry(NoBackoff(), 1))


@cache
def _script():
    return _client().register_script(_SCRIPT)


def key_for(number: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "portal"
    return f"{prefix}:sms-rate:{number}"


def reserve(number: str, *, rate: float, max_ahead: float) -> Slot:
    """Reserve the next sending slot of `number` at `rate` messages per second.

    Raises redis.RedisError when Redis cannot be asked (the caller must not send then: the limit
    could not be kept).
    """
    interval = max(1, round(MICRO / max(rate, 0.001)))
    granted, wait, at, _now = _script()(keys=[key_for(number)], args=[interval, round(max_ahead * MICRO), 0])
    return Slot(wait=int(wait) / MICRO, at=int(at) / MICRO if granted else None)


def hold(number: str, *, seconds: float) -> None:
    """Give `number` no slot for `seconds` (Bandwidth answered 429 with Retry-After). Raises RedisError."""
    _script()(keys=[key_for(number)], args=[1, 0, max(1, round(seconds * MICRO))])


def clock() -> float:
    """Now on the Redis clock, in seconds (the clock slots are measured on). Raises RedisError."""
    seconds, micros = _client().time()
    return seconds + micros / MICRO


def reset(number: str) -> None:
    """Forget the number's schedule (tests, or after changing its rate)."""
    _client().delete(key_for(number))
