"""Phone numbers in E.164 (parsed with libphonenumber, the `phonenumbers` package), short codes and
sender IDs."""

import re

import phonenumbers

DEFAULT_REGION = "US"
SHORT_CODE = re.compile(r"^\d{5,6}$")
SENDER_ID_FORMS = "a number in E.164 or a 5–6 digit short code"

# Bandwidth's rule for an alphanumeric sender ID, from the `from` field of MessageRequest in bandwidth.yml
# (Bandwidth/python-sdk, commit ba8d157): up to 11 characters among A-Z, a-z, 0-9, space, - + _ &, at
# least one letter (which is also what tells it apart from a number or short code here).
ALPHANUMERIC_SENDER_ID = re.compile(r"^[A-Za-z0-9 +_&-]{1,11}$")
ALPHANUMERIC_SENDER_ID_RULE = (
    "an alphanumeric sender ID has at most 11 characters: letters A–Z or a–z, digits, spaces, and - + _ &, "
    "with at least one letter"
)
# Bandwidth (support article "Sender ID", bandwidth.com/support/en/articles/12823110): sender IDs are not
# supported in the US and Canada, and are one-way (nobody can reply to one). The US territories with +1
# numbers are counted as the US: same numbering plan, same US carriers.
ALPHANUMERIC_REFUSED_REGIONS = {
    "US": "the US", "CA": "Canada", "PR": "Puerto Rico (US)", "VI": "the US Virgin Islands",
    "GU": "Guam (US)", "AS": "American Samoa (US)", "MP": "the Northern Mariana Islands (US)",
}


class InvalidNumber(ValueError):
    """The text is not a valid phone number; str() says why in plain words."""


def to_e164(text: str, *, region: str = DEFAULT_REGION) -> str:
    """`(919) 555-0100`, `+1 919 555 0100` or `19195550100` → `+19195550100`.

    Raises InvalidNumber for anything that is not a possible, valid number.
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidNumber("Enter a phone number.")
    if raw.isdigit() and len(raw) == 11 and raw.startswith("1"):
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"“{text}” is not a phone number.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(f"“{text}” is not a valid phone number (use E.164, for example +19195550100).")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_short_code(text: str) -> bool:
    return bool(SHORT_CODE.match((text or "").strip()))


def is_alphanumeric_sender_id(text: str) -> bool:
    """Any letter makes a sender ID alphanumeric (no number or short code has one)."""
    return any(char.isalpha() for char in text or "")


def normalise_sender_id(text: str, *, alphanumeric: bool = False) -> str:
    """The one sender-ID rule: `(919) 555-0100` → `+19195550100`; a 5–6 digit short code stays as it is;
    with `alphanumeric`, a text with a letter is checked against Bandwidth's alphanumeric sender-ID rule
    and kept as typed (without surrounding spaces).

    Raises InvalidNumber, saying what a sender ID may be, for anything else (an empty text too).
    """
    forms = f"{SENDER_ID_FORMS}, or {ALPHANUMERIC_SENDER_ID_RULE}" if alphanumeric else SENDER_ID_FORMS
    raw = (text or "").strip()
    if not raw:
        raise InvalidNumber(f"Enter a sender ID: {forms}.")
    if is_short_code(raw):
        return raw
    if alphanumeric and is_alphanumeric_sender_id(raw):
        if not ALPHANUMERIC_SENDER_ID.match(raw):
            raise InvalidNumber(f"“{raw}” is not a sender ID Bandwidth accepts: use {forms}.")
        return raw
    try:
        return to_e164(raw)
    except InvalidNumber as exc:
        raise InvalidNumber(f"{exc} A sender ID is {forms}.") from exc


def alphanumeric_refused_region(number: str) -> str | None:
    """Where Bandwidth takes no alphanumeric sender ID, in words ("the US"), for an E.164 destination there;
    None elsewhere (and for a text that is not a number)."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return None
    return ALPHANUMERIC_REFUSED_REGIONS.get(region)
