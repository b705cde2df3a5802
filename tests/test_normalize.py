"""The normaliser: a case file, seed examples and hypothesis properties."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
import unicodedata2
from hypothesis import given
from hypothesis import strategies as st
from strategies import any_text, mixed_text, vietnamese_text

import seedclean
from seedclean import NormalizeOptions, normalize, normalize_and_explain
from seedclean.text.legacy import CONTROL_LETTERS

HERE = Path(__file__).parent
SEEDS = HERE.parent / "seeds"
CASES = json.loads((HERE / "cases" / "normalize.json").read_text(encoding="utf-8"))


def _params(section: str, **marks: object) -> list[object]:
    return [pytest.param(c["input"], c["output"], c.get("options", {}), id=c["label"], **marks) for c in CASES[section]]


@pytest.mark.parametrize(
    "text, expected, options",
    _params("in_the_wild")
    + _params("synthetic")
    + _params("negative")
    + _params("known_failures", marks=pytest.mark.xfail(strict=True)),
)
def test_case_file(text: str, expected: str, options: dict[str, object]) -> None:
    assert normalize(text, **options) == expected


def test_negative_cases_really_are_unchanged() -> None:
    for case in CASES["negative"]:
        if case["label"] != "code":  # the code case loses its indentation run, on purpose
            assert case["input"] == case["output"], case["label"]


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(prefix + "_*.txt")
    return path.read_text(encoding="utf-8")


def test_seed_002_first_line_becomes_nfc() -> None:
    first = _seed("002").split("\n")[0]
    assert not unicodedata.is_normalized("NFC", first)
    out = normalize(first)
    assert out == unicodedata2.normalize("NFC", first)
    assert out.startswith("Thủ tướng Phạm Minh Chính")


def test_seed_003_no_break_space_becomes_space() -> None:
    text = _seed("003")
    assert "\u00a0" in text
    out = normalize(text)
    assert "\u00a0" not in out
    assert out.count(" ") >= text.count(" ") + 1 - text.count("  ")


def test_seed_001_hoa_style() -> None:
    def count(word: str, s: str) -> int:
        return len(re.findall(rf"\b{word}\b", s))

    text = _seed("001")
    assert count("hoá", text) == 17  # once in each of the 17 copies
    out = normalize(text)
    assert count("hoá", out) == 0
    assert count("hóa", out) == count("hóa", text) + 17
    assert count("hoá", normalize(text, tone_style="hoà")) == count("hóa", out)


def test_explain_counts_each_kind() -> None:
    result = normalize_and_explain("Tiáº¿ng\u00a0Viá»‡t hoá\u200b  ")
    assert result.text == "Tiếng Việt hóa"
    assert result.changes["mojibake"] == 1
    assert result.changes["spaces"] == 1
    assert result.changes["invisible"] == 1
    assert result.changes["tones"] == 1
    assert normalize_and_explain("sạch sẽ").changes == {}


def test_options_object_and_overrides() -> None:
    opts = NormalizeOptions(tone_style="hoà")
    assert normalize("hòa", opts) == "hoà"
    assert normalize("hòa", opts, tone_style="hòa") == "hòa"
    with pytest.raises(ValueError, match="tone_style"):
        NormalizeOptions(tone_style="old")
    with pytest.raises(TypeError):
        normalize(b"bytes")  # type: ignore[arg-type]


def test_public_api() -> None:
    assert seedclean.normalize is normalize
    assert isinstance(seedclean.__version__, str)


ZERO_WIDTH = set("\u200b\u200e\u200f\u2060\ufeff\u00ad\u180e")


@given(mixed_text)
def test_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(mixed_text)
def test_output_nfc_without_controls_or_zero_width(text: str) -> None:
    out = normalize(text)
    assert unicodedata2.normalize("NFC", out) == out
    for i, c in enumerate(out):
        if unicodedata.category(c) == "Cc" and c != "\n":
            # only a control character that a legacy encoding uses for a letter, inside a word
            # (issue 18: VN1 / VISCII / VPS letters are never deleted from an unconverted line)
            assert c in CONTROL_LETTERS
            near = out[max(0, i - 1) : i] + out[i + 1 : i + 2]
            assert any(n.isalpha() or n in CONTROL_LETTERS for n in near)
    assert not ZERO_WIDTH.difference("\u00ad").intersection(out)
    for i, c in enumerate(out):
        if c == "\u00ad":  # kept only as a letter of a word (TCVN3's ư on a line left as it was)
            # the run of letters and soft hyphens around it holds a letter ("A\xad\xad": Aưư)
            start, end = i, i + 1
            while start > 0 and (out[start - 1].isalpha() or out[start - 1] == "\u00ad"):
                start -= 1
            while end < len(out) and (out[end].isalpha() or out[end] == "\u00ad"):
                end += 1
            assert any(ch.isalpha() for ch in out[start:end]), repr(out)
        if c in "\u200c\u200d":  # joiners survive only between two non-Latin characters
            assert 0 < i < len(out) - 1 and out[i - 1] > "\u036f" and out[i + 1] > "\u036f"


@given(mixed_text)
def test_nfd_input_gives_same_output(text: str) -> None:
    assert normalize(unicodedata2.normalize("NFD", text)) == normalize(text)


@given(st.lists(st.sampled_from(["hòa", "khỏe", "thủy", "Hòa", "ủy", "lòe", "xòa"]), min_size=1))
def test_both_styles_meet(words: list[str]) -> None:
    hoa = " ".join(words)
    hoa_final = normalize(hoa, tone_style="hoà")
    assert hoa_final != hoa
    for style in ("hòa", "hoà"):
        assert normalize(hoa, tone_style=style) == normalize(hoa_final, tone_style=style)


@given(vietnamese_text())
def test_styles_meet_on_generated_text(text: str) -> None:
    other = normalize(text, tone_style="hoà")
    for style in ("hòa", "hoà"):
        assert normalize(text, tone_style=style) == normalize(other, tone_style=style)


PLAIN = st.text(
    st.sampled_from(
        [chr(c) for c in range(0x21, 0x7F)]
        + list("Москва Санкт-Петербург")
        + [chr(c) for c in range(0x4E00, 0x4E40)]
        + list("ประเทศเวียดนาม")
        + [" ", "\n"]
    )
)


@given(PLAIN)
def test_ascii_and_other_scripts_change_only_in_whitespace(text: str) -> None:
    assert normalize(text).split() == text.split()


@given(st.text(st.characters(exclude_categories=())))
def test_never_raises(text: str) -> None:
    assert isinstance(normalize(text), str)
    assert isinstance(normalize_and_explain(text).text, str)


@given(any_text)
def test_explain_agrees_with_normalize(text: str) -> None:
    assert normalize_and_explain(text).text == normalize(text)


_WORD_CHARS = "ab \u1ea3\u0301\u0309\u0323\u0302\t\x1c\x85\u00a0\u2003\u3000\u2028\ud800\u00e1\U0001f600xy"
_WORDY = st.text(alphabet=st.sampled_from(list(_WORD_CHARS)), max_size=14)


# what the composing kernel reads itself (no character past its table, no lone surrogate)
_IN_TABLE = st.text(alphabet=st.sampled_from([c for c in _WORD_CHARS if c < "\u2100"]), max_size=14)


@given(st.lists((_WORDY | _IN_TABLE).map(lambda t: t.replace("\n", " ")), max_size=6))
def test_changed_words_counts_as_the_word_by_word_comparison(befores: list[str]) -> None:
    """The count of words NFC changed, made by the composing kernel (white space as ``str.split``
    sees it, marks after a space, lone surrogates, characters past the kernel's table) equals
    the Python comparison, for a whole batch at once."""
    from seedclean.text.nfc import changed_words_reference, nfc_many_counted, nfc_many_reference

    afters, counts = nfc_many_counted(befores)
    assert afters == nfc_many_reference(befores)
    assert counts == changed_words_reference(befores, afters)


def test_changed_words_on_decomposed_vietnamese() -> None:
    from seedclean.text.nfc import nfc_many_counted

    before = unicodedata2.normalize("NFD", "Hội  nghị\u2003bàn về kinh tế số")
    # Hội nghị bàn về tế số; a mark after a space belongs to the next word; "x" is left alone
    assert nfc_many_counted([before, "a \u0301\u0323b c", "x"])[1] == [6, 1, 0]
    assert nfc_many_counted([before + "\u3000"])[1] == [6]  # past the kernel's table: counted in Python
