"""The simulator's settings: where it listens, how it misbehaves, how it calls back.

Everything under RUNTIME_FIELDS can be changed while it runs (`PUT /simulator/config`, JSON in camelCase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

# JSON name (camelCase, as the admin API speaks) -> attribute, for the settings adjustable at runtime.
RUNTIME_FIELDS = {
    "latencyMs": "latency_ms",
    "failureRate": "failure_rate",
    "rateLimitRate": "rate_limit_rate",
    "retryAfter": "retry_after",
    "dropRate": "drop_rate",
    "duplicateCallbackRate": "duplicate_callback_rate",
    "reorderCallbacks": "reorder_callbacks",
    "deliveryFailureRate": "delivery_failure_rate",
    "failCodes": "fail_codes",
    "failNumbers": "fail_numbers",
    "callbackDelayMs": "callback_delay_ms",
    "callbackRetries": "callback_retries",
    "callbackRetryDelayMs": "callback_retry_delay_ms",
    "callbackTimeout": "callback_timeout",
    "tokenLifetime": "token_lifetime",
    "loopback": "loopback",
    "seed": "seed",
}
RATES = {"failure_rate", "rate_limit_rate", "drop_rate", "duplicate_callback_rate", "delivery_failure_rate"}
NON_NEGATIVE = {"latency_ms", "retry_after", "callback_delay_ms", "callback_retries",
                "callback_retry_delay_ms", "callback_timeout", "token_lifetime"}
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")


@dataclass
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 9050
    # Base of the media URLs it hands out; defaults to http://host:port (what the portal must be told).
    public_url: str = ""
    state_file: str | None = None
    latency_ms: float = 0.0
    failure_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    drop_rate: float = 0.0
    duplicate_callback_rate: float = 0.0
    reorder_callbacks: bool = False
    delivery_failure_rate: float = 0.0
    fail_codes: list[int] = field(default_factory=lambda: [4773])
    fail_numbers: dict[str, int] = field(default_factory=dict)
    callback_delay_ms: float = 0.0
    callback_retries: int = 3
    callback_retry_delay_ms: float = 200.0
    callback_timeout: float = 10.0
    callback_workers: int = 16
    token_lifetime: int = 3600
    # A message sent to a number of one of the simulator's applications also arrives there as inbound.
    loopback: bool = True
    seed: int | None = None
    history: int = 100_000

    def __post_init__(self) -> None:
        for name in RATES | NON_NEGATIVE | {"fail_codes", "fail_numbers", "reorder_callbacks", "loopback"}:
            setattr(self, name, clean_value(name, getattr(self, name)))

    def runtime_json(self) -> dict[str, Any]:
        """The runtime-adjustable settings as the admin API shows them."""
        return {key: _jsonable(getattr(self, attr)) for key, attr in RUNTIME_FIELDS.items()}

    def update(self, data: dict[str, Any]) -> None:
        """Apply a partial camelCase update; all or nothing. Raises ValueError naming the bad key."""
        if not isinstance(data, dict):
            raise ValueError("send a JSON object")
        unknown = sorted(set(data) - set(RUNTIME_FIELDS))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(RUNTIME_FIELDS)}")
        cleaned = {RUNTIME_FIELDS[key]: clean_value(RUNTIME_FIELDS[key], value, key) for key, value in data.items()}
        for attr, value in cleaned.items():
            setattr(self, attr, value)

    def copy(self) -> SimulatorConfig:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["fail_codes"] = list(self.fail_codes)
        values["fail_numbers"] = dict(self.fail_numbers)
        return SimulatorConfig(**values)


def clean_value(attr: str, value: Any, label: str | None = None) -> Any:
    """Check and normalise one setting (`label`: its name in messages). Raises ValueError with the reason."""
    label = label or attr
    if attr in RATES:
        rate = _number(label, value)
        if not 0 <= rate <= 1:
            raise ValueError(f"{label} must be between 0 and 1")
        return rate
    if attr in NON_NEGATIVE:
        number = _number(label, value)
        if number < 0:
            raise ValueError(f"{label} must not be negative")
        return int(number) if attr in {"retry_after", "callback_retries", "token_lifetime"} else number
    if attr in ("reorder_callbacks", "loopback"):
        if not isinstance(value, bool):
            raise ValueError(f"{label} must be true or false")
        return value
    if attr == "fail_codes":
        codes = [_code(code) for code in (value or [])]
        if not codes:
            raise ValueError("failCodes needs at least one code")
        return codes
    if attr == "fail_numbers":
        if not isinstance(value, dict):
            raise ValueError('failNumbers must be an object {"+1...": errorCode}')
        for number in value:
            if not E164_RE.match(str(number)):
                raise ValueError(f"failNumbers: {number!r} is not an E.164 number")
        return {str(number): _code(code) for number, code in value.items()}
    if attr == "seed":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("seed must be an integer or null")
        return value
    raise ValueError(f"unknown setting {attr}")


def _number(attr: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{attr} must be a number")
    return float(value)


def _code(value: Any) -> int:
    try:
        code = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"error code {value!r} is not a number") from None
    if not 1000 <= code <= 9999:
        raise ValueError(f"error code {code} is not a 4-digit Bandwidth code")
    return code


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
