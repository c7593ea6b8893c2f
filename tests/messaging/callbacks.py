"""Bandwidth-shaped callback payloads from tests/fixtures/bandwidth/, adjustable per test."""

import copy
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bandwidth"


def callback(name: str, **changes) -> list[dict]:
    """A fixture's event list; `changes` set event fields, `message__x` set message fields."""
    events = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))
    for key, value in changes.items():
        if key.startswith("message__"):
            events[0]["message"][key.removeprefix("message__")] = value
        else:
            events[0][key] = value
    return events
