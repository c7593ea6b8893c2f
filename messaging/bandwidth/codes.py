"""Plain-words explanations of Bandwidth's messaging error codes (`errorCode` of `message-failed`).

The table is data (error_codes.json) so it can be corrected without touching code. It holds every code of
Bandwidth's public "Messaging Errors" tables, and names that page in its "source"; codes not in it fall
back to their thousand group (4xxx client or destination, 5xxx carrier side and may succeed later,
9xxx unknown) and to the description Bandwidth sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CATEGORIES = frozenset({
    "10dlc", "spam", "invalid_destination", "landline", "opt_out",
    "carrier", "client", "temporary", "unknown",
})
TABLE_PATH = Path(__file__).with_name("error_codes.json")


@dataclass(frozen=True)
class ErrorExplanation:
    code: int | None
    meaning: str
    category: str
    retryable: bool
    bandwidth_description: str


def describe_error(code: int | None, description: str = "") -> ErrorExplanation:
    """Explain an error code in plain words; never raises for an unknown or missing code.

    `retryable` is True only when sending the same message again later may succeed (5xxx).
    """
    description = (description or "").strip()
    table = load_table()
    entry = table["codes"].get(str(code)) if code is not None else None
    if entry is None:
        group = table["groups"].get(str(code)[0]) if code is not None and 1000 <= code <= 9999 else None
        base = group or table["fallback"]
        meaning = f"Bandwidth reported: {description}. {base['meaning']}" if description else base["meaning"]
        entry = {**base, "meaning": meaning}
    return ErrorExplanation(
        code=code,
        meaning=entry["meaning"],
        category=entry["category"],
        retryable=bool(entry["retryable"]),
        bandwidth_description=description,
    )


@cache
def load_table() -> dict[str, Any]:
    """The parsed error_codes.json, checked once: it names its source, each entry has a known category,
    meaning and retryable, and each code is a four-digit number (the form Bandwidth sends)."""
    table = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    if not table.get("source", {}).get("url") or not table["source"].get("read"):
        raise ValueError("error_codes.json: the source (url and date read) is missing")
    if any(not (code.isdigit() and len(code) == 4) for code in table["codes"]):
        raise ValueError("error_codes.json: a code is not a four-digit number")
    entries = [*table["codes"].items(), *table["groups"].items(), ("fallback", table["fallback"])]
    for key, entry in entries:
        if entry.get("category") not in CATEGORIES or not entry.get("meaning") or "retryable" not in entry:
            raise ValueError(f"error_codes.json: bad entry {key!r}")
    return table
