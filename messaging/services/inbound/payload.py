"""What processing reads from a stored callback, checked and clamped to what the tables hold.

The webhook stores any JSON Bandwidth sends as long as its identity is sound (webhook.parse_callbacks), so
every other field may be of any type or size: a number where a list is expected, a segment count over
the column's range, an error code of twelve digits. Processing reads the payload only through here, so a
strange shape becomes an empty or clamped value, never an exception in the worker.
"""

from __future__ import annotations

from dataclasses import dataclass

NUMBER_LENGTH = 16  # Message.from_number, to_numbers, OptOut numbers: E.164 is at most 15 digits and "+"
ADDRESS_LENGTH = 32  # routing reads no more of a number than WebhookEvent.recipient holds
MAX_RECIPIENTS = 50
MAX_MEDIA = 50
URL_LENGTH = 500
SMALLINT_MAX = 32767  # PositiveSmallIntegerField
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # IntegerField
DESCRIPTION_LENGTH = 500


@dataclass(frozen=True)
class CallbackMessage:
    """The `message` object of a callback, typed."""

    carrier_id: str
    to: list[str]
    sender: str
    text: str
    media: list[str]
    segments: int | None
    tag: str


@dataclass(frozen=True)
class CallbackError:
    """`errorCode` and `description` of a message-failed callback, typed; `raw_code` keeps a code that
    is not an integer the database holds, so the note can show what Bandwidth sent."""

    code: int | None
    raw_code: str
    description: str


def read_message(event: dict) -> CallbackMessage:
    message = event.get("message")
    message = message if isinstance(message, dict) else {}
    segments = message.get("segmentCount")
    return CallbackMessage(
        carrier_id=_text(message.get("id"), 64),
        to=[_text(n, ADDRESS_LENGTH) for n in _list(message.get("to"))[:MAX_RECIPIENTS] if isinstance(n, str)],
        sender=_text(message.get("from"), ADDRESS_LENGTH),
        text=message.get("text") if isinstance(message.get("text"), str) else "",
        media=[url[:URL_LENGTH] for url in _list(message.get("media"))[:MAX_MEDIA] if isinstance(url, str) and url],
        segments=segments if _is_int(segments) and 0 <= segments <= SMALLINT_MAX else None,
        tag=_text(message.get("tag"), 100),
    )


def read_error(event: dict) -> CallbackError:
    raw = event.get("errorCode")
    code = None
    if _is_int(raw):
        code = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().lstrip("-").isdigit() and len(raw) < 20:
        code = int(raw.strip())
    if code is not None and not INT_MIN <= code <= INT_MAX:
        code = None
    raw_text = "" if raw is None or code is not None else _text(_shown(raw), 40)
    return CallbackError(code=code, raw_code=raw_text, description=_text(_shown(event.get("description")),
                                                                           DESCRIPTION_LENGTH))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _shown(value) -> str:
    """A scalar as text (Bandwidth documents strings; a number is shown, not dropped)."""
    if isinstance(value, str):
        return value
    if _is_int(value) and abs(value) < 10**30 or isinstance(value, float):
        return str(value)
    return ""
