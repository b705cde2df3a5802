"""The pre-scan in front of the normaliser: compiled kernel = Python twin, and skipping the lines
it passes never changes what the normaliser outputs (text and fix counts)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import unicodedata2
from hypothesis import given
from hypothesis import strategies as st
from strategies import SYLLABLES, any_text, mixed_text, vietnamese_text

from seedclean import NormalizeOptions, normalize_and_explain
from seedclean.fingerprint.kernels import HAVE_NUMBA
from seedclean.text.legacy import encode
from seedclean.text.normalize import _run, normalize_many
from seedclean.text.prescan import (
    FULL,
    LEGACY,
    MAX_SYLLABLE,
    PLAIN,
    TONES,
    _syllable_hash,
    _syllable_hashes,
    _syllable_index,
    canonical_syllables,
    canonical_syllables_reference,
    line_needs_work_reference,
    lines_needing_work,
    lines_needing_work_reference,
)
from seedclean.text.tones import STYLES, is_vietnamese, place_tone

HERE = Path(__file__).parent
SEEDS = HERE.parent / "seeds"
CASES = json.loads((HERE / "cases" / "normalize.json").read_text(encoding="utf-8"))
OPTION_SETS = [
    NormalizeOptions(),
    NormalizeOptions(tone_style="hoà"),
    NormalizeOptions(tone_style="keep"),
    NormalizeOptions(legacy=False, tones=False),
    NormalizeOptions(nfc=False, whitespace=False),
    NormalizeOptions(mojibake=False, legacy=False),
]


def full_path(text: str, options: NormalizeOptions) -> tuple[str, Counter[str]]:
    """The normaliser with every line sent through every step (the pre-scan bypassed)."""
    changes: Counter[str] = Counter()
    out = _run(text, options, changes, [(line, FULL) for line in range(text.count("\n") + 1)], {})
    return out, +changes


def assert_same_as_full_path(texts: list[str], options: NormalizeOptions) -> None:
    batch = normalize_many(texts, options)
    for i, text in enumerate(texts):
        expected, changes = full_path(text, options)
        assert batch.texts[i] == expected, text
        assert batch.changes_of(i) == changes, text
        single = normalize_and_explain(text, options)
        assert (single.text, single.changes) == (expected, changes), text


# Faults the normaliser repairs, spliced into otherwise clean Vietnamese text.
FAULTS = [
    "  ",
    " \n",
    "\u00a0",
    "\t",
    "\u200b",
    "\r\n",
    "hoá",
    "THUỶ",
    "Xin chào",  # Latin-1 letters only: a line legacy readings could apply to
    "Vie^.t Nam",
    "dda^y",
    "“xã”",
    "Ã“",
    "Viá»‡t",
    "khĂ´ng",
    "\u0065\u0302\u0301",  # ế decomposed
    "d\u0335",
    "ð",
    "café",
    "Ðích",
    "\ud800",
    "…",
    "“Hà Nội” – ‘Huế’",
]


@st.composite
def faulty_text(draw: st.DrawFn) -> str:
    """Vietnamese text with a few faults spliced in, some of it legacy-encoded (TCVN3 / VNI)."""
    pieces = draw(st.lists(st.one_of(vietnamese_text(8), st.sampled_from(FAULTS)), min_size=1, max_size=6))
    text = "".join(pieces)
    how = draw(st.sampled_from(["as is", "as is", "as is", "tcvn3", "vni", "nfd"]))
    if how == "nfd":
        return str(unicodedata2.normalize("NFD", text))
    if how != "as is":
        try:
            return encode(text, how).decode("cp1252", "replace")
        except (UnicodeError, ValueError):
            return text
    return text


@pytest.mark.skipif(not HAVE_NUMBA, reason="compares the compiled kernel with its twin")
@given(st.lists(st.one_of(faulty_text(), any_text, mixed_text), max_size=5), st.sampled_from([*STYLES, None]))
def test_kernel_equals_twin(texts: list[str], style: str | None) -> None:
    np.testing.assert_array_equal(lines_needing_work(texts, style), lines_needing_work_reference(texts, style))


@pytest.mark.skipif(not HAVE_NUMBA, reason="compares the compiled kernel with its twin")
def test_kernel_reads_code_points_outside_the_basic_plane_and_lone_surrogates() -> None:
    """The kernel reads UTF-32: a character past U+FFFF or a lone surrogate is one unit, never plain."""
    texts = ["Xin chào", "chào 😀", "x\ud800y\nHà Nội", "\U0001d400", "", "a\n\nb"]
    codes = lines_needing_work(texts, "hòa").tolist()
    assert codes == lines_needing_work_reference(texts, "hòa").tolist()
    assert codes == [4, 1, 1, 0, 1, 0, 0, 0, 0]  # "chào": Latin-1 letters only, a legacy reading applies


@given(faulty_text(), st.sampled_from(OPTION_SETS))
def test_skipping_plain_lines_changes_nothing(text: str, options: NormalizeOptions) -> None:
    assert_same_as_full_path([text], options)


@given(st.lists(st.one_of(mixed_text, any_text, faulty_text()), min_size=1, max_size=4))
def test_batch_equals_full_path_on_any_text(texts: list[str]) -> None:
    assert_same_as_full_path(texts, NormalizeOptions())


@pytest.mark.parametrize("options", OPTION_SETS, ids=str)
def test_case_file_and_seeds_agree_with_full_path(options: NormalizeOptions) -> None:
    texts = [c["input"] for section in CASES.values() for c in section]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert_same_as_full_path(texts, options)


@pytest.mark.parametrize(
    "line, style, expected",
    [
        ("Thủ tướng Phạm Minh Chính: “Hợp tác” – 1.000 tỷ đồng…", "hòa", PLAIN),
        ("Đây là iPhone 15, giá 20 USD.", "hòa", PLAIN),
        ("hòa bình Việt", "hòa", PLAIN),
        ("hòa bình Việt", "hoà", TONES),  # the other style's placement
        ("hòa bình", "hòa", LEGACY),  # only Latin-1 letters: a legacy reading might apply
        ("hoá bình", "hòa", LEGACY | TONES),
        ("Thêm…", "hòa", LEGACY),
        ("Thêm…  ", "hòa", FULL),
        ("hoá học", "hòa", TONES),
        ("hoá học", "keep", PLAIN),
        ("ngừơi Việt", "hòa", TONES),  # no style allows it
        ("ngừơi Việt", None, PLAIN),  # tones off: nothing else to do
        ("Nguyễn Văn A", "hòa", PLAIN),
        ("Xin chào", "hòa", LEGACY),
        ("Việt  Nam", "hòa", FULL),
        ("Việt Nam ", "hòa", FULL),
        ("Việt\u00a0Nam", "hòa", FULL),
        ("Vie^.t Nam", "hòa", FULL),
        ("ddi ve^`", "hòa", FULL),
        ("Ã“ là Việt", "hòa", FULL),  # mojibake of Ó
        ("Vi\u0065\u0323\u0302t", "hòa", FULL),
        ("Việt Nam\t", "hòa", FULL),
    ],
)
def test_rules_by_hand(line: str, style: str | None, expected: int) -> None:
    assert line_needs_work_reference(line, style) == expected
    if HAVE_NUMBA:
        assert lines_needing_work([line], style).tolist() == [expected]


@pytest.mark.parametrize("style", STYLES)
def test_canonical_syllables_are_left_alone_by_the_tone_step(style: str) -> None:
    known = canonical_syllables(style)
    assert all(is_vietnamese(w) and place_tone(w, style) == w and w == w.lower() for w in known)
    assert max(map(len, known)) <= MAX_SYLLABLE  # what the kernel's run buffer holds
    # the hand-written syllable tables of tests/strategies.py (independent of seedclean.tones)
    column = {"hòa": 0, "hoà": 1, "keep": 0}[style]
    written = {pair[column] for pair in SYLLABLES if not pair[column].isascii()}
    missing = written - known
    assert len(missing) <= len(written) // 100, sorted(missing)[:20]


@pytest.mark.parametrize("style", STYLES)
def test_canonical_syllables_equal_their_nfc_twin(style: str) -> None:
    # the fast build composes a toned vowel by table lookup; the twin calls NFC per candidate
    assert canonical_syllables(style) == canonical_syllables_reference(style)
    assert {"hòa", "hoà"} & canonical_syllables(style)  # not trivially equal: both hold syllables


@pytest.mark.parametrize("style", [*STYLES, None])
def test_syllable_index_finds_every_syllable_by_the_scalar_hash(style: str | None) -> None:
    slots, offsets, points, mask = _syllable_index(style)
    words = sorted(canonical_syllables(style)) if style else []
    assert _syllable_hashes(points, offsets).tolist() == [_syllable_hash([ord(c) for c in w]) for w in words]
    cap = int(mask[0])
    for k, word in enumerate(words):  # probed as the kernel probes
        slot = _syllable_hash([ord(c) for c in word]) & cap
        while slots[slot] != k + 1:
            assert slots[slot] != 0, word
            slot = (slot + 1) & cap
    assert int((slots > 0).sum()) == len(words)


_LINE_PIECES = st.one_of(
    vietnamese_text(6).map(lambda t: " ".join(t.split())),
    st.sampled_from(
        ["café", "Ngừơi", "hoá", "khoẻ", "thuỷ", "Xin chào", "abc", "x2", "“Hòa”", "…", "–", "ñ", "a\u0301"]
    ),
)


@given(st.lists(_LINE_PIECES, min_size=1, max_size=8).map(" ".join), st.sampled_from(STYLES))
def test_tones_placed_in_unsettled_runs_only_equal_the_tone_step(line: str, style: str) -> None:
    # what the normaliser does to a line the pre-scan passed but for tones: only the runs of
    # letters the kernel finds unsettled go through the tone step; the same text and count as
    # the step over every word (lines the pre-scan marks FULL take the step itself)
    from seedclean.text.prescan import place_tones_in_line
    from seedclean.text.tones import fix_tones_counted

    assert place_tones_in_line(line, style) == fix_tones_counted(line, style)


def test_tones_placed_in_unsettled_runs_by_hand() -> None:
    from seedclean.text.prescan import place_tones_in_line

    assert place_tones_in_line("Cộng hoà xã hội, thuỷ điện và khoẻ.", "hòa") == (
        "Cộng hòa xã hội, thủy điện và khỏe.",
        3,
    )
    assert place_tones_in_line("Cộng hòa xã hội", "hoà") == ("Cộng hoà xã hội", 1)
    assert place_tones_in_line("Cộng hoà", "keep") == ("Cộng hoà", 0)
    assert place_tones_in_line("café hoá", "hòa") == ("café hóa", 1)  # not a syllable: left, not counted


def test_normalize_many_checks_types() -> None:
    with pytest.raises(TypeError, match="list of str"):
        normalize_many("Việt Nam")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="found a int"):
        normalize_many(["Việt", 3])  # type: ignore[list-item]
