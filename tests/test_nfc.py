"""The compiled NFC composer (seedclean.text.nfc) against unicodedata2, its twin."""

from __future__ import annotations

from pathlib import Path

import unicodedata2 as ud
from hypothesis import given
from hypothesis import strategies as st
from strategies import vietnamese_text

from seedclean.text.nfc import TABLE_SIZE, composition_tables, nfc_many, nfc_many_reference

SEEDS = Path(__file__).parent.parent / "seeds"

# what composes in interesting ways: Vietnamese bases and marks (both orders), marks of other
# classes, letters NFC replaces on its own, starters that compose with the one before them,
# Hangul, characters past the table, a lone surrogate
_PIECES = [
    *"aAeEiIoOuUyYdDăâêôơưĂÂÊÔƠƯnNcC=<> \t.,",
    *"\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323\u0308\u0338\u0345\u0342\u0327\u0335",
    *"\u1dc0\u20d0\u0340\u0341\u0344\u212b\u2126\u0958\u0915\u093c\u0b47\u0b3e\u0b57",
    *"\u1100\u1161\u11a8\uac00\u3131\ufb1d\U0001d15e\ud800ệếởẫ",
    *"αωηΑ\u1f00\u1fb6ИиЙ",
]


def lines_of(text: str) -> list[str]:
    return text.split("\n")


@given(st.lists(st.text().map(lambda t: t.replace("\n", " ")), max_size=12))
def test_equals_unicodedata_on_any_text(lines: list[str]) -> None:
    assert nfc_many(lines) == nfc_many_reference(lines)


@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=24).map("".join), min_size=1, max_size=12))
def test_equals_unicodedata_on_mark_soup(lines: list[str]) -> None:
    assert nfc_many(lines) == nfc_many_reference(lines)


@given(st.lists(vietnamese_text(20), min_size=1, max_size=8), st.sampled_from(["NFD", "NFC"]))
def test_composes_decomposed_vietnamese(lines: list[str], form: str) -> None:
    lines = [line.replace("\n", " ") for line in lines]
    given_lines = [ud.normalize(form, line) for line in lines]
    assert nfc_many(given_lines) == [ud.normalize("NFC", line) for line in lines]


def test_every_letter_of_the_table_with_every_mark() -> None:
    # exhaustive over (character, mark) and (Vietnamese letter, mark, mark) in both mark orders
    marks = [chr(cp) for cp in range(0x300, 0x370)] + [*"\u1dc0\u20d0\u0591\u093c\u094d\u09bc\u09cd\u0b3c\u0bcd"]
    starters = [chr(cp) for cp in range(0x20, TABLE_SIZE) if not 0xD800 <= cp <= 0xDFFF]
    pairs = [s + m for s in starters for m in marks]
    assert nfc_many(pairs) == nfc_many_reference(pairs)
    viet = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    tones = "\u0300\u0301\u0303\u0309\u0323"
    quality = "\u0302\u0306\u031b"
    triples = [b + x + y for b in viet for x in tones + quality for y in tones + quality]
    assert nfc_many(triples) == nfc_many_reference(triples)


def test_seeds_decomposed_come_back_composed() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        lines = lines_of(ud.normalize("NFC", path.read_text(encoding="utf-8")))
        assert nfc_many([ud.normalize("NFD", line) for line in lines]) == lines


def test_tables_are_those_of_unicodedata2() -> None:
    ccc, unsafe, offsets, points, _keys, _values = composition_tables()
    for cp in (0x41, 0x300, 0x323, 0x1EC7, 0x1F71, 0x340, 0x1161, 0x0B3E, 0x00C5):
        ch = chr(cp)
        assert ccc[cp] == ud.combining(ch)
        full = ud.normalize("NFD", ch)
        stored = "".join(map(chr, points[offsets[cp] : offsets[cp + 1]]))
        assert stored == (full if len(full) > 1 else "")
    # NFC replaces these on its own, or they compose with the character before them
    assert all(unsafe[cp] for cp in (0x1F71, 0x340, 0x344, 0x1161, 0x0B3E, 0x0958))
    assert not any(unsafe[ord(c)] for c in "aệĐ\u0300\u0323 “”…")
