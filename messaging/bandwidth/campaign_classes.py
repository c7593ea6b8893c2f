"""Sending speed of a 10DLC campaign from its AT&T message class (data: campaign_classes.json, source named there).

AT&T publishes the strictest per-class figure, in messages per minute, either for the whole campaign (shared by
all its numbers) or per number. Our limiter paces each number, so a campaign-wide figure is split evenly among
the campaign's numbers: conservative, since a number that sends little leaves its share unused.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("campaign_classes.json")


@cache
def load_table() -> dict:
    with TABLE_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


def normalise_class(message_class: str) -> str:
    """Bandwidth writes the class as `Campaign-E` or `E`: the letter, upper case ("" when none)."""
    value = (message_class or "").strip()
    if value.lower().startswith("campaign-"):
        value = value[len("campaign-"):]
    return value.strip().upper()


def rate_per_number(message_class: str, *, numbers_in_campaign: int) -> float | None:
    """Messages per second one number of the campaign may send, or None when the class is not in the table."""
    entry = load_table()["classes"].get(normalise_class(message_class))
    if entry is None:
        return None
    per_second = entry["messages_per_minute"] / 60
    if entry["per"] == "campaign":
        per_second /= max(1, numbers_in_campaign)
    return per_second
