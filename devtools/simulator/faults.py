"""Fault injection: every random decision comes from one seeded RNG, so a run with --seed repeats exactly
(for the same order of requests)."""

from __future__ import annotations

import random
import threading
import time

from devtools.simulator.config import SimulatorConfig
from messaging.bandwidth.codes import load_table


# Bandwidth's `description` on message-failed events: the code's name in Bandwidth's own table, which the portal
# explains from (messaging/bandwidth/error_codes.json).
def failure_description(code: int) -> str:
    return load_table()["codes"].get(str(code), {}).get("name") or "message-failed"


class Faults:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._rng = random.Random(config.seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self._rng = random.Random(seed)

    def _chance(self, rate: float) -> bool:
        if rate <= 0:
            return False
        if rate >= 1:
            return True
        with self._lock:
            return self._rng.random() < rate

    def delay(self) -> None:
        """Sleep the configured latency (every Bandwidth API call, not the admin API)."""
        if self.config.latency_ms > 0:
            time.sleep(self.config.latency_ms / 1000)

    def rate_limited(self) -> bool:
        return self._chance(self.config.rate_limit_rate)

    def server_error(self) -> int | None:
        """500 or 503 when this send should fail on Bandwidth's side, else None."""
        if not self._chance(self.config.failure_rate):
            return None
        with self._lock:
            return self._rng.choice((500, 503))

    def drop(self) -> bool:
        return self._chance(self.config.drop_rate)

    def duplicate(self) -> bool:
        return self._chance(self.config.duplicate_callback_rate)

    def delivery_error(self, recipient: str) -> int | None:
        """The errorCode this recipient's delivery fails with, or None when it is delivered."""
        fixed = self.config.fail_numbers.get(recipient)
        if fixed:
            return fixed
        if not self._chance(self.config.delivery_failure_rate):
            return None
        with self._lock:
            return self._rng.choice(self.config.fail_codes)
