"""Error codes in plain words, from the data table, with group fallbacks for unknown codes."""

import pytest

from messaging.bandwidth import describe_error
from messaging.bandwidth.codes import CATEGORIES, load_table

LISTED = {
    4001: "client", 4301: "client", 4350: "client", 4352: "invalid_destination", 4405: "client",
    4406: "landline", 4432: "invalid_destination", 4470: "spam", 4476: "10dlc", 4481: "10dlc",
    4700: "carrier", 4720: "opt_out", 4750: "carrier", 4775: "opt_out", 5106: "temporary",
    5620: "temporary", 9902: "unknown",
}


@pytest.mark.parametrize(("code", "category"), LISTED.items())
def test_every_listed_code_has_a_meaning_and_category(code, category):
    explanation = describe_error(code, "carrier text")
    assert explanation.category == category
    assert explanation.meaning and "carrier text" not in explanation.meaning
    assert explanation.bandwidth_description == "carrier text"
    assert explanation.retryable is (code in (5106, 5620))


@pytest.mark.parametrize("code", [4476, 4481])
def test_10dlc_codes_say_what_to_register(code):
    meaning = describe_error(code).meaning
    assert "registered 10DLC campaign" in meaning
    assert "register the brand and campaign at bandwidth" in meaning.lower()


def test_stop_reply_is_explained_as_opt_out():
    assert "STOP" in describe_error(4775).meaning


@pytest.mark.parametrize(("code", "category", "retryable"), [
    (4999, "client", False),
    (5999, "temporary", True),
    (9999, "unknown", False),
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


def test_table_is_consistent():
    table = load_table()
    for entry in [*table["codes"].values(), *table["groups"].values(), table["fallback"]]:
        assert entry["category"] in CATEGORIES
