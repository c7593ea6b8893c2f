"""Fault injection: every random decision comes from one seeded RNG, so a run with --seed repeats exactly
(for the same order of requests)."""

from __future__ import annotations

import random
import threading
import time

from devtools.simulator.config import SimulatorConfig

# Bandwidth's `description` on message-failed events (short machine-ish words, as Bandwidth sends them).
FAILURE_DESCRIPTIONS = {
    4001: "service-not-allowed",
    4301: "malformed-message-encoding",
    4350: "malformed-invalid-from-number",
    4352: "malformed-invalid-to-number",
    4405: "rejected-unallocated-from-number",
    4406: "rejected-unsupported-destination",
    4432: "rejected-unsupported-destination",
    4470: "rejected-spam-detected",
    4476: "rejected-unregistered-10dlc-campaign",
    4481: "rejected-from-number-not-registered",
    4700: "invalid-service-type",
    4720: "rejected-carrier-blocked",
    4750: "rejected-carrier-rejected",
    4775: "rejected-destination-opted-out",
    5106: "carrier-unavailable",
    5620: "carrier-timeout",
    9902: "delivery-receipt-expired",
}


def failure_description(code: int) -> str:
    return FAILURE_DESCRIPTIONS.get(code, "message-failed")


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
