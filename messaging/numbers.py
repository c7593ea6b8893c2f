"""Phone numbers in E.164 (parsed with libphonenumber, the `phonenumbers` package), short codes and
sender IDs."""

import re

import phonenumbers

DEFAULT_REGION = "US"
SHORT_CODE = re.compile(r"^\d{5,6}$")
SENDER_ID_FORMS = "a number in E.164 or a 5–6 digit short code"


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


def normalise_sender_id(text: str) -> str:
    """The one sender-ID rule: `(919) 555-0100` → `+19195550100`; a 5–6 digit short code stays as it is.

    Raises InvalidNumber, saying what a sender ID may be, for anything else (an empty text too).
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidNumber(f"Enter a sender ID: {SENDER_ID_FORMS}.")
    if is_short_code(raw):
        return raw
    try:
        return to_e164(raw)
    except InvalidNumber as exc:
        raise InvalidNumber(f"{exc} A sender ID is {SENDER_ID_FORMS}.") from exc
