"""Error codes in plain words, from the data table (every code of Bandwidth's public list, its source
named), with group fallbacks for unknown codes."""

from pathlib import Path

import pytest

from messaging.bandwidth import describe_error
from messaging.bandwidth.codes import CATEGORIES, load_table

# Bandwidth's own list, copied into a fixture so the test needs no network.
SOURCE_LIST = Path(__file__).parents[2] / "fixtures" / "bandwidth" / "messaging-error-codes.txt"


def source_codes() -> dict[str, str]:
    rows = [line.split(" | ", 1) for line in SOURCE_LIST.read_text().splitlines() if not line.startswith("#")]
    return {code: name for code, name in rows}


def test_table_has_exactly_the_codes_of_bandwidths_list_and_names_its_source():
    table = load_table()
    assert {code: entry["name"] for code, entry in table["codes"].items()} == source_codes()
    assert len(table["codes"]) == 76
    assert table["source"]["url"] == "https://dev.bandwidth.com/docs/messaging/errors"
    assert table["source"]["read"]


def test_every_entry_is_valid():
    table = load_table()
    for entry in [*table["codes"].values(), *table["groups"].values(), table["fallback"]]:
        assert entry["category"] in CATEGORIES
        assert isinstance(entry["retryable"], bool) and len(entry["meaning"]) > 20


@pytest.mark.parametrize(("code", "category", "words"), [
    (4406, "invalid_destination", "not assigned to any carrier"),
    (4432, "invalid_destination", "not enabled for messaging to this country"),
    (4435, "client", "at most 10 participants"),
    (4470, "spam", "blocked the message as spam"),
    (4720, "landline", "a landline"),
    (4773, "10dlc", "The Campaign Registry"),
    (4775, "opt_out", "replied STOP"),
    (4795, "client", "toll-free verification"),
    (9902, "unknown", "may or may not have been delivered"),
])
def test_codes_are_explained_as_bandwidths_list_says(code, category, words):
    explanation = describe_error(code, "carrier text")
    assert (explanation.category, explanation.retryable) == (category, False)
    assert words in explanation.meaning and "carrier text" not in explanation.meaning
    assert explanation.bandwidth_description == "carrier text"


def test_only_service_failures_and_volume_backoff_are_worth_sending_again():
    # Bandwidth: a 4xxx repeats the same result, a 5xxx may not; 4785 asks to retry after some time.
    retryable = {int(code) for code, entry in load_table()["codes"].items() if entry["retryable"]}
    assert retryable == {int(code) for code in source_codes() if code.startswith("5")} | {4785}


@pytest.mark.parametrize(("code", "category", "retryable"), [
    (4999, "client", False),
    (5998, "temporary", True),
    (9998, "unknown", False),
])
def test_unknown_code_falls_back_to_its_group_and_bandwidths_words(code, category, retryable):
    explanation = describe_error(code, "rejected-something-new")
    assert (explanation.code, explanation.category, explanation.retryable) == (code, category, retryable)
    assert "rejected-something-new" in explanation.meaning


@pytest.mark.parametrize("code", [None, 0, 123, 12345])
def test_missing_or_odd_code_is_unknown_and_not_retried(code):
    explanation = describe_error(code, "")
    assert (explanation.category, explanation.retryable) == ("unknown", False)
    assert explanation.meaning
