"""Segment counting: GSM-7 and UCS-2 limits, extension characters, surrogate pairs."""

import pytest

from messaging.bandwidth import SegmentInfo, count_segments


def test_empty_text_is_no_segment():
    assert count_segments("") == SegmentInfo("GSM-7", 0, 0, 160, 160)


def test_160_gsm_characters_fit_one_segment():
    assert count_segments("a" * 160) == SegmentInfo("GSM-7", 160, 1, 160, 0)


def test_161_gsm_characters_take_two_segments():
    assert count_segments("a" * 161) == SegmentInfo("GSM-7", 161, 2, 153, 145)


@pytest.mark.parametrize("char", list("^{}\\[~]|€\f"))
def test_extension_character_counts_double_at_the_boundary(char):
    assert count_segments("a" * 158 + char).segments == 1
    info = count_segments("a" * 159 + char)
    assert (info.encoding, info.units, info.segments) == ("GSM-7", 161, 2)


def test_gsm_accents_and_greek_stay_gsm7_but_other_accents_do_not():
    assert count_segments("Ü ñ à é Δ Ω £ ¥ § ¿ ¡").encoding == "GSM-7"
    assert count_segments("naïve").encoding == "UCS-2"


def test_escape_pair_is_not_split_across_segments():
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3


def test_306_and_307_gsm_characters():
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3


def test_one_emoji_switches_the_message_to_ucs2():
    info = count_segments("Hello 😀")
    assert (info.encoding, info.units, info.segments, info.remaining) == ("UCS-2", 8, 1, 62)


def test_70_ucs2_units_fit_one_segment_and_71_take_two():
    assert count_segments("ж" * 70) == SegmentInfo("UCS-2", 70, 1, 70, 0)
    assert count_segments("ж" * 71) == SegmentInfo("UCS-2", 71, 2, 67, 63)


def test_emoji_count_two_units():
    assert count_segments("😀" * 35).segments == 1
    # 33 emoji fill 66 units of the first segment; the 34th does not fit and starts the second.
    assert count_segments("😀" * 36) == SegmentInfo("UCS-2", 72, 2, 67, 61)


def test_surrogate_pair_is_not_split_across_segments():
    info = count_segments("ж" * 66 + "😀" + "ж" * 10)
    assert (info.units, info.segments, info.remaining) == (78, 2, 55)


def test_non_gsm_latin_letter_switches_to_ucs2():
    assert count_segments("ç").encoding == "UCS-2"
    assert count_segments("Ç").encoding == "GSM-7"
