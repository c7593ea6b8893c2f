"""Typed reads of the environment for settings.py.

A bad value stops start-up with ImproperlyConfigured naming the variable and the value it had
("SMS_RATE_PER_NUMBER must be a number, got 'fast'"), instead of a bare ValueError from deep inside
Django or, worse, a silent default. A variable set to an empty string counts as not set.
Secrets never go through a helper that quotes the value back.
"""

import math
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _bad(name: str, expected: str, value: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {expected}, got {value!r}")


def _converted(name: str, value: str, convert, expected: str):
    try:
        return convert(value)
    except ValueError:
        raise _bad(name, expected, value) from None


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise _bad(name, "on or off (1/0, true/false, yes/no, on/off)", value)


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    number = _converted(name, value, int, "a whole number")
    if minimum is not None and number < minimum:
        raise _bad(name, f"a whole number of at least {minimum}", value)
    return number


def env_float(name: str, default: float, *, above: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    number = _converted(name, value, float, "a number")
    if not math.isfinite(number):
        raise _bad(name, "a finite number", value)
    if above is not None and number <= above:
        raise _bad(name, f"a number greater than {above:g}", value)
    return number


def env_date(name: str, default: date) -> date:
    value = _raw(name)
    if value is None:
        return default
    return _converted(name, value, date.fromisoformat, "a date as YYYY-MM-DD")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name)
    return [item.strip() for item in (default if value is None else value).split(",") if item.strip()]


def env_subset(name: str, default: Iterable[str], *, choices: Iterable[str] | None = None,
               choices_are: str) -> list[str]:
    """A comma-separated list drawn from `choices` (compared without regard to case, returned lower-case);
    unset means `default` (itself drawn from `choices`, which are `default` when not given). An item outside
    them is named; `choices_are` says what they are."""
    default = [item.lower() for item in default]
    allowed = default if choices is None else [choice.lower() for choice in choices]
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip().lower() for item in value.split(",") if item.strip()]
    outside = [item for item in items if item not in allowed]
    if outside or not items:
        raise _bad(name, f"a comma-separated list of {choices_are}", ", ".join(outside) or value)
    return list(dict.fromkeys(items))


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    """One of `choices`, compared without regard to case; returned as spelled in `choices`."""
    value = _raw(name)
    if value is None:
        return default
    by_upper = {choice.upper(): choice for choice in choices}
    if value.upper() not in by_upper:
        raise _bad(name, "one of " + ", ".join(by_upper.values()), value)
    return by_upper[value.upper()]


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return default if value is None else Path(value)


def required(name: str, *, dev_default: str | None = None) -> str:
    """The variable's value; with DEBUG on, `dev_default` stands in for a missing one. Never quoted
    back in an error, since most required values are secrets."""
    value = _raw(name)
    if value is not None:
        return value
    if dev_default is not None and env_bool("DEBUG", False):
        return dev_default
    raise ImproperlyConfigured(
        f"The environment variable {name} is required when DEBUG is off. See README.md, section Configuration."
    )


RATE_PERIODS = ("second", "minute", "hour", "day")


def env_rate(name: str, default: str) -> str:
    """A request rate as Django REST framework's throttles read it: "<count>/<second|minute|hour|day>"."""
    value = _raw(name)
    if value is None:
        return default
    count, _, period = value.partition("/")
    if not (count.strip().isdigit() and int(count) > 0 and period.strip().lower() in RATE_PERIODS):
        raise _bad(name, "a rate such as 10/minute (per second, minute, hour or day)", value)
    return f"{int(count)}/{period.strip().lower()}"
