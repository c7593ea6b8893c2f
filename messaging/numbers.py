"""Phone numbers in E.164, parsed with libphonenumber (the `phonenumbers` package)."""

import re

import phonenumbers

DEFAULT_REGION = "US"
SHORT_CODE = re.compile(r"^\d{5,6}$")


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
