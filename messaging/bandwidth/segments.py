"""Estimate how many SMS segments a text takes (Bandwidth reports the real `segmentCount` after sending).

Rules (mirrored in JavaScript for the compose screen's live counter; keep both in step):
1. Encoding: GSM-7 when every character is in the GSM 03.38 basic set or its extension table, otherwise
   UCS-2 for the whole message.
2. Units: GSM-7 counts one septet per basic character and two per extension character
   (form feed and ^ { } \\ [ ~ ] | €, sent as ESC + char). UCS-2 counts UTF-16 code units:
   characters above U+FFFF (most emoji) take two.
3. One segment holds 160 GSM-7 units or 70 UCS-2 units. Longer texts are split into segments of
   153 GSM-7 or 67 UCS-2 units (the rest of each segment is the concatenation header).
4. A two-unit character (escape pair, surrogate pair) is never split across segments: when it does not
   fit in the current segment it starts the next one, leaving a unit unused.
5. The empty text is 0 segments. `remaining` is how many units still fit in the last segment
   before another segment is needed (160 or 70 for the empty text).
A literal ESC character is not treated as GSM-7 (it would start an escape sequence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    units: int
    segments: int
    per_segment: int
    remaining: int


def is_gsm7(text: str) -> bool:
    """True when every character of `text` can be sent in GSM-7."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentInfo:
    """Count encoding, units and segments of `text` by the rules in this module's docstring. Never raises."""
    if is_gsm7(text):
        encoding: Encoding = "GSM-7"
        single, multi = GSM7_SINGLE, GSM7_MULTI
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    else:
        encoding = "UCS-2"
        single, multi = UCS2_SINGLE, UCS2_MULTI
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    units = sum(costs)
    if units <= single:
        return SegmentInfo(encoding, units, 1 if units else 0, single, single - units)
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return SegmentInfo(encoding, units, segments, multi, multi - used)
