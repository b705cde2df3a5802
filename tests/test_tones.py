"""Tone placement against the hand-written syllable tables in strategies.py."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import SYLLABLES, mixed_text, vietnamese_text

from seedclean.text.tones import STYLES, fix_tones, place_tone

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
VOWELS = set("aăâeêioôơuưy")


def _strip_tone(word: str) -> tuple[str, str]:
    nfd = unicodedata.normalize("NFD", word)
    tone = "".join(c for c in nfd if c in TONE_MARKS)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONE_MARKS)), tone


def _misplacements(word: str) -> list[str]:
    """The word with its tone mark moved onto each vowel in turn (canonical or not)."""
    base, tone = _strip_tone(word)
    if not tone:
        return [word]
    out = []
    for i, ch in enumerate(base):
        if ch in VOWELS:
            out.append(unicodedata.normalize("NFC", base[: i + 1] + tone + base[i + 1 :]))
    return out


def test_table_is_large_enough() -> None:
    assert len(SYLLABLES) > 20_000


@pytest.mark.parametrize("style, index", [("hòa", 0), ("hoà", 1)])
def test_every_syllable_every_misplacement(style: str, index: int) -> None:
    wrong = []
    for pair in SYLLABLES:
        expected = pair[index]
        for variant in _misplacements(pair[0]):
            for case in (str, str.upper, str.title):
                got = place_tone(case(variant), style)
                if got != case(expected):
                    wrong.append((case(variant), got, case(expected)))
    assert not wrong[:20], f"{len(wrong)} wrong, first: {wrong[:20]}"


def test_keep_style_keeps_both_valid_placements() -> None:
    for hoa, hoa2 in SYLLABLES:
        assert place_tone(hoa, "keep") == hoa
        assert place_tone(hoa2, "keep") == hoa2


@pytest.mark.parametrize(
    "word, expected",
    [
        ("ngừơi", "người"),
        ("gìa", "già"),
        ("qủa", "quả"),
        ("gì", "gì"),
        ("gìn", "gìn"),
        ("quý", "quý"),
        ("qúy", "quý"),
        ("hoàng", "hoàng"),
        ("hoàn", "hoàn"),
        ("huýt", "huýt"),
        ("giữa", "giữa"),
        ("gịưa", "giựa"),
        ("e\u0301\u0302", "ế"),  # marks typed in the wrong order
        ("ho\u0300a", "hòa"),
        ("hoa\u0300", "hòa"),  # combining mark after the other vowel
        ("ðà", "đà"),
        ("Ðồng", "Đồng"),
        ("THUỶ", "THỦY"),
        ("Khoẻ", "Khỏe"),
    ],
)
def test_known_words_hoa_style(word: str, expected: str) -> None:
    assert place_tone(word) == expected


@pytest.mark.parametrize(
    "word",
    [
        "café",
        "résumé",
        "naïve",
        "où",
        "Ñu",
        "með",
        "Ørsted",
        "ñandú",
        "Zürich",
        "façade",
        "fière",
        "ảí",
    ],
)
def test_non_vietnamese_words_unchanged(word: str) -> None:
    assert place_tone(word) == word
    assert place_tone(word, "hoà") == word


def test_stop_final_refuses_other_tones() -> None:
    # c / ch / p / t take only sắc or nặng: "hòc" is not a syllable, so nothing moves.
    assert place_tone("hòac") == "hòac"
    assert place_tone("hoạc") == "hoạc"


def test_unknown_style_raises() -> None:
    with pytest.raises(ValueError, match="tone style"):
        place_tone("hòa", "new")


def test_styles_agree_on_text() -> None:
    text = "Cộng hòa, khỏe mạnh, thủy điện, Hoàng và toàn quốc"
    assert fix_tones(text, "hoà") == "Cộng hoà, khoẻ mạnh, thuỷ điện, Hoàng và toàn quốc"
    assert fix_tones(fix_tones(text, "hoà"), "hòa") == text


_D = str.maketrans("đĐðÐ", "dDdD")  # eth in a Vietnamese word is đ on purpose


def _letters(text: str) -> str:
    nfd = unicodedata.normalize("NFD", text)
    return "".join(c for c in nfd if not unicodedata.combining(c)).translate(_D)


def _marks(text: str) -> list[int]:
    nfd = unicodedata.normalize("NFD", text)
    return [nfd.count(m) for m in TONE_MARKS + "\u0302\u0306\u031b"] + [nfd.count("đ") + nfd.count("Đ")]


@given(mixed_text)
def test_tone_placement_loses_no_letters(text: str) -> None:
    out = fix_tones(text)
    assert _letters(out) == _letters(text)


@given(vietnamese_text())
def test_tone_placement_keeps_mark_counts(text: str) -> None:
    for style in ("hòa", "hoà", "keep"):
        assert _marks(fix_tones(text, style)) == _marks(text)


_TOKENS = ["hoà", "hòa", "Thuỷ", "thủy", "khoẻ,", "(hoá)", "quý", "gì", "café", "x", "Hoà-bình", "HOÀ", "1.000", "ĐOÀN"]


@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=12), st.sampled_from(STYLES))
def test_single_spaced_text_is_rebuilt_from_its_tokens_as_any_text_is(tokens: list[str], style: str) -> None:
    """The tone step's fast rebuild (a text of tokens joined by single spaces) gives what its
    general path gives the same tokens between other white space."""
    from seedclean.text.tones import fix_tones_counted

    fast, n_fast = fix_tones_counted(" ".join(tokens), style)
    slow, n_slow = fix_tones_counted("\t".join(tokens), style)
    assert fast.split(" ") == slow.split("\t") and n_fast == n_slow
    assert fast.split(" ") == [place_tone(t, style) if t.isalpha() else fix_tones(t, style) for t in tokens]
