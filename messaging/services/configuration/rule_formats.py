"""Formats of SMS rule fields: DIDs and ranges, caller masks, destination prefixes and lengths.

Each function returns the normalised value or raises ConfigurationInvalid naming the field.
"""

import re

from messaging.exceptions import ConfigurationInvalid
from messaging.numbers import InvalidNumber, is_short_code, to_e164

DESTINATION_LENGTHS = range(8, 16)
PREFIX = re.compile(r"^\+\d{1,15}$")
WILDCARD = re.compile(r"^\+[\d*]{1,15}$")
# "+19195550100-+19195550199": the hyphen before a "+" separates the two ends of a range.
RANGE_SEPARATOR = re.compile(r"\s*-\s*(?=\+)")
GROUPING = re.compile(r"[\s().-]")
RANGE_EXAMPLE = "+19195550100-+19195550199"


def parse_did(text: str) -> tuple[str, str]:
    """`+19195550100` → (`+19195550100`, `+19195550100`); `+19195550100-+19195550199` → both ends.

    Any format to_e164 reads is accepted for each end. Raises ConfigurationInvalid (field "did") for
    anything else, a descending range or ends of different lengths.
    """
    if not (text or "").strip():
        raise ConfigurationInvalid(
            f"Enter a DID such as +19195550100, or a range such as {RANGE_EXAMPLE}.", field="did", code="required"
        )
    return number_or_range(text, field="did", noun="DID")


def format_did(start: str, end: str) -> str:
    """The DID field as screens and the API show it: one number, or `first-last`."""
    return start if start == end else f"{start}-{end}"


def normalise_caller_mask(text: str) -> str:
    """Empty (any caller); one number or short code; a range `a-b`; a wildcard `+1919*******`.

    Numbers become E.164; in a wildcard each `*` stands for exactly one digit. Raises
    ConfigurationInvalid (field "caller_mask") for anything else.
    """
    raw = (text or "").strip()
    if not raw:
        return ""
    if "*" in raw:
        mask = GROUPING.sub("", raw)
        if not WILDCARD.match(mask):
            raise ConfigurationInvalid(
                f"“{raw}” is not a wildcard mask: write + and the digits, with one * for each digit that may be "
                "anything, at most 15 in all (for example +1919*******).",
                field="caller_mask",
            )
        return mask
    if is_short_code(raw):
        return raw
    return format_did(*number_or_range(raw, field="caller_mask", noun="caller number"))


def normalise_destination_prefix(text: str) -> str:
    """`+1 919` → `+1919`; empty means any destination. Raises ConfigurationInvalid otherwise."""
    raw = (text or "").strip()
    prefix = GROUPING.sub("", raw)
    if prefix and not PREFIX.match(prefix):
        raise ConfigurationInvalid(
            f"“{raw}” is not a destination prefix: write + and 1 to 15 digits, for example +1 or +1919, or leave "
            "it empty for any destination.",
            field="destination_prefix",
        )
    return prefix


def check_destination_length(value: int | None) -> int | None:
    """None (any length) or 8–15 digits after the +. Raises ConfigurationInvalid otherwise."""
    if value is not None and value not in DESTINATION_LENGTHS:
        raise ConfigurationInvalid(
            "Enter a length from 8 to 15 (the digits after the +, 11 for US numbers), or leave it empty for any "
            "length.",
            field="destination_length",
        )
    return value


def number_or_range(text: str, *, field: str, noun: str) -> tuple[str, str]:
    raw = text.strip().replace("–", "-").replace("—", "-")
    parts = RANGE_SEPARATOR.split(raw)
    if len(parts) > 2:
        raise ConfigurationInvalid(f"“{text.strip()}”: give one {noun} or one range of two numbers.", field=field)
    if len(parts) == 2:
        start = _end_of_range(parts[0], "first", field)
        end = _end_of_range(parts[1], "last", field)
    else:
        try:
            number = to_e164(raw)
        except InvalidNumber:
            pair = _split_anywhere(raw)
            if pair is None:
                raise ConfigurationInvalid(
                    f"“{text.strip()}” is neither a phone number nor a range such as {RANGE_EXAMPLE}.", field=field
                ) from None
            start, end = pair
        else:
            return number, number
    if len(start) != len(end):
        raise ConfigurationInvalid(
            f"Both ends of a range need the same number of digits: {start} and {end} differ.", field=field
        )
    if int(start[1:]) > int(end[1:]):
        raise ConfigurationInvalid(
            f"A range goes upwards: write {end}-{start} instead of {start}-{end}.", field=field
        )
    return start, end


def _end_of_range(text: str, which: str, field: str) -> str:
    try:
        return to_e164(text)
    except InvalidNumber as exc:
        raise ConfigurationInvalid(f"The {which} number of the range: {exc}", field=field) from exc


def _split_anywhere(text: str) -> tuple[str, str] | None:
    """`919-555-0100-919-555-0199`: the first hyphen with a valid number on either side."""
    for match in re.finditer("-", text):
        try:
            return to_e164(text[: match.start()]), to_e164(text[match.end():])
        except InvalidNumber:
            continue
    return None
