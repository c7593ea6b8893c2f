"""The formats SMS rules accept: DIDs and DID ranges, caller masks, destination prefixes and lengths."""

import pytest

from messaging.exceptions import ConfigurationInvalid
from messaging.services.configuration.rule_formats import (
    check_destination_length,
    format_did,
    normalise_caller_mask,
    normalise_destination_prefix,
    parse_did,
)


def refusal(call, value) -> ConfigurationInvalid:
    with pytest.raises(ConfigurationInvalid) as refused:
        call(value)
    return refused.value


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("+19195550100", ("+19195550100", "+19195550100")),
        (" (919) 555-0100 ", ("+19195550100", "+19195550100")),
        ("+19195550100-+19195550199", ("+19195550100", "+19195550199")),
        ("+1 919 555 0100 - +1 919 555 0199", ("+19195550100", "+19195550199")),
        ("+19195550100–+19195550199", ("+19195550100", "+19195550199")),
        ("919-555-0100-919-555-0199", ("+19195550100", "+19195550199")),
        ("19195550100-19195550199", ("+19195550100", "+19195550199")),
        ("+19195550100-+19195550100", ("+19195550100", "+19195550100")),
        ("+442071838700-+442071838799", ("+442071838700", "+442071838799")),
    ],
)
def test_did_or_range_is_read_in_any_format_and_stored_in_e164(text, parsed):
    assert parse_did(text) == parsed


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Enter a DID"),
        ("sales", "neither a phone number nor a range"),
        ("12345", "neither a phone number nor a range"),
        ("+19195550199-+19195550100", "A range goes upwards: write +19195550100-+19195550199"),
        ("+19195550100-+442071838750", "same number of digits"),
        ("+19195550100-+1919", "The last number of the range"),
        ("+1919-+19195550199", "The first number of the range"),
        ("+19195550100-+19195550101-+19195550102", "one DID or one range"),
    ],
)
def test_bad_did_or_range_is_refused_saying_why(text, fragment):
    error = refusal(parse_did, text)
    assert error.field == "did" and fragment in error.message, error.message


def test_a_single_did_is_shown_as_one_number_and_a_range_with_a_hyphen():
    assert format_did("+19195550100", "+19195550100") == "+19195550100"
    assert format_did("+19195550100", "+19195550199") == "+19195550100-+19195550199"


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("", ""),
        ("   ", ""),
        ("(919) 555-0142", "+19195550142"),
        ("24273", "24273"),
        ("+19195550100 - +19195550199", "+19195550100-+19195550199"),
        ("+1919*******", "+1919*******"),
        ("+1 (919) ***-****", "+1919*******"),
        ("+***********", "+***********"),
        ("+44*", "+44*"),
    ],
)
def test_caller_mask_is_stored_normalised(text, stored):
    assert normalise_caller_mask(text) == stored


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1919*******", "not a wildcard mask"),
        ("+1919***a***", "not a wildcard mask"),
        ("+1234567890123456*", "not a wildcard mask"),
        ("+1919%", "neither a phone number nor a range"),
        ("+19195550199-+19195550100", "A range goes upwards"),
        ("+19195550100-+442071838750", "same number of digits"),
        ("anyone", "neither a phone number nor a range"),
    ],
)
def test_bad_caller_mask_is_refused_saying_why(text, fragment):
    error = refusal(normalise_caller_mask, text)
    assert error.field == "caller_mask" and fragment in error.message, error.message


@pytest.mark.parametrize(("text", "stored"), [("", ""), ("+1", "+1"), (" +1 919 ", "+1919"), ("+44(20)", "+4420")])
def test_destination_prefix_is_plus_and_digits_or_empty(text, stored):
    assert normalise_destination_prefix(text) == stored


@pytest.mark.parametrize("text", ["1", "+", "+1a", "+1234567890123456", "*", "+1*"])
def test_bad_destination_prefix_is_refused(text):
    error = refusal(normalise_destination_prefix, text)
    assert error.field == "destination_prefix" and "+ and 1 to 15 digits" in error.message


@pytest.mark.parametrize("length", [None, 8, 11, 15])
def test_destination_length_is_empty_or_8_to_15(length):
    assert check_destination_length(length) == length


@pytest.mark.parametrize("length", [0, 7, 16, -11])
def test_destination_length_outside_8_to_15_is_refused(length):
    assert refusal(check_destination_length, length).field == "destination_length"
