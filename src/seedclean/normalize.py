"""The Vietnamese normaliser: repair the encoding, the Unicode form, the whitespace and the tones.

Steps run in this order, each switchable in :class:`NormalizeOptions`:

1. **NFC** (unicodedata2 tables) first, so that the later steps see one spelling of each
   character; a decomposed ``A`` + tilde must not turn into the mojibake lead ``Ã`` later.
   Then **legacy encodings** (TCVN3, VNI, VIQR, VISCII, CP1258 seen through cp1252), per line
   and only on a clear win (:mod:`seedclean.legacy`), before anything strips control
   characters, because VISCII puts letters at control-code positions and TCVN3 uses the soft
   hyphen for ư.
2. **Mojibake** (ftfy for cp1252 / latin-1, our own pass for cp1258) before any whitespace work,
   because a mis-decoded ``à`` ends in a no-break space that the whitespace step would eat.
3. **Whitespace and invisible characters**: space separators -> space, zero-width characters,
   soft hyphens, BOMs and control characters removed, line breaks -> ``\\n``, runs of spaces
   collapsed, trailing spaces stripped. Blank lines (paragraph breaks) survive.
4. **NFC again** when steps 2-3 changed the text, plus composition repairs that NFC does not
   do (``d`` + combining stroke -> ``đ``).
5. **Tone marks** placed canonically (see :mod:`seedclean.tones`); this also composes marks
   typed in the wrong order or after the wrong vowel.

Nothing else changes by default: no case folding, no punctuation rewriting.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import unicodedata2 as ud

from .legacy import CONTROL_LETTERS, fix_legacy, maybe_viqr
from .legacy import score_text as legacy_score
from .mojibake import SUSPECT_RE, fix_mojibake, fix_surrogates
from .tones import STYLES, fix_tones_counted

__all__ = [
    "NormalizeOptions",
    "NormalizeResult",
    "normalize",
    "normalize_and_explain",
    "CHANGE_KINDS",
]

CHANGE_KINDS = (
    "surrogates",
    "legacy_tcvn3",
    "legacy_vni",
    "legacy_viqr",
    "legacy_viscii",
    "legacy_cp1258",
    "mojibake",
    "nfc",
    "composition",
    "newlines",
    "spaces",
    "invisible",
    "control",
    "space_runs",
    "tones",
)


@dataclass(frozen=True)
class NormalizeOptions:
    """Which normalisation steps run. Build once, pass to :func:`normalize` many times.

    Attributes:
        legacy: detect and convert legacy encodings (TCVN3 incl. VN1, VNI, VIQR, VISCII, CP1258, VPS), line by line.
        mojibake: repair UTF-8 mis-decoded as cp1252, latin-1 or cp1258.
        whitespace: unify spaces and line breaks, drop zero-width and control characters.
        nfc: compose to Unicode NFC with current tables, with Vietnamese-specific repairs.
        tones: place tone marks canonically.
        tone_style: ``"hòa"`` (hòa, khỏe, thủy), ``"hoà"`` (hoà, khoẻ, thuỷ) or ``"keep"``
            (keep either, repair only placements no style allows).
    """

    legacy: bool = True
    mojibake: bool = True
    whitespace: bool = True
    nfc: bool = True
    tones: bool = True
    tone_style: str = "hòa"

    def __post_init__(self) -> None:
        if self.tone_style not in STYLES:
            raise ValueError(f"tone_style must be one of {STYLES}, not {self.tone_style!r}")


@dataclass
class NormalizeResult:
    """A normalised text and how many fixes of each kind went into it."""

    text: str
    changes: Counter[str] = field(default_factory=Counter)


DEFAULT_OPTIONS = NormalizeOptions()

_NEWLINE_RE = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_SPACE_RE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_RE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e\u061c]")
_SOFT_HYPHEN_WORD_RE = re.compile("\\S*\u00ad\\S*")
_JOINER_RE = re.compile("[\u200c\u200d]+")
_CONTROL_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_TRAILING_RE = re.compile("(?<! ) +(?=\n)|(?<! ) +$")  # from a run's start only: linear
_RUN_RE = re.compile(" {2,}")
_WS_SUSPECT = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]"
)
_STROKE_RE = re.compile("([dD])[\u0335\u0336]")


def _latin_or_space(ch: str) -> bool:
    """Latin letters (Latin Extended Additional included: ``ỹ`` is Latin), marks, or space."""
    return ch <= "\u036f" or "\u1e00" <= ch <= "\u1eff" or ch.isspace()


def _drop_joiner(m: re.Match[str]) -> str:
    """Keep ZWJ / ZWNJ only between two non-Latin characters (emoji sequences, Indic, Persian)."""
    s, i, j = m.string, m.start(), m.end()
    before = s[i - 1] if i > 0 else " "
    after = s[j] if j < len(s) else " "
    return "" if _latin_or_space(before) or _latin_or_space(after) else m.group()


def _no_soft_hyphens(m: re.Match[str]) -> str:
    return m.group().replace("\u00ad", "")


def _legacy_soft_hyphens(m: re.Match[str]) -> str:
    """Drop the soft hyphens of a word, unless they read as TCVN3's ``ư`` (byte 0xAD).

    A hyphenation point sits between two letters of a word that reads well without it
    (``infor\u00admation``, ``Việt\u00adNam``); after a letter at the end of a word
    (``nh\u00ad``, ``th\u00ad±``) or in a word that does not read without it (``ng\u00adêi``),
    it is a letter of a line no legacy reading won, and deleting it would lose that letter.
    """
    word = m.group()
    letters_around = [
        (i > 0 and word[i - 1].isalpha(), word[i + 1 : i + 2].isalpha()) for i, ch in enumerate(word) if ch == "\u00ad"
    ]
    if any(before and not after for before, after in letters_around):
        return word
    inside = any(before and after for before, after in letters_around)
    return word if inside and legacy_score(word.replace("\u00ad", " "))[1] else word.replace("\u00ad", "")


def _keep_legacy_letter(m: re.Match[str]) -> str:
    """Drop a control character, unless a legacy encoding uses it for a letter and it sits in a word.

    TCVN 5712 (VN1), VISCII and VPS put upper-case letters at control positions (``\x01`` is
    ``Ú`` in VN1): on a line no legacy reading won, deleting them would lose letters for good.
    """
    ch, s, i = m.group(), m.string, m.start()
    if ch not in CONTROL_LETTERS:
        return ""
    before = s[i - 1] if i > 0 else " "
    after = s[i + 1] if i + 1 < len(s) else " "
    return ch if before.isalpha() or after.isalpha() or before in CONTROL_LETTERS or after in CONTROL_LETTERS else ""


def _whitespace(text: str, changes: Counter[str], keep_legacy_letters: bool = False) -> str:
    if not (_WS_SUSPECT.search(text) or "  " in text or " \n" in text or text.endswith(" ")):
        return text  # the common case, at substring-search speed
    text, n = _NEWLINE_RE.subn("\n", text)
    changes["newlines"] += n
    text, n = _SPACE_RE.subn(" ", text)
    changes["spaces"] += n
    text, n = _INVISIBLE_RE.subn("", text)
    changes["invisible"] += n
    if "\u00ad" in text:
        before = len(text)
        text = _SOFT_HYPHEN_WORD_RE.sub(_legacy_soft_hyphens if keep_legacy_letters else _no_soft_hyphens, text)
        changes["invisible"] += before - len(text)
    if "\u200c" in text or "\u200d" in text:
        before = len(text)
        text = _JOINER_RE.sub(_drop_joiner, text)
        changes["invisible"] += before - len(text)
    if keep_legacy_letters:
        before = len(text)
        text = _CONTROL_RE.sub(_keep_legacy_letter, text)
        changes["control"] += before - len(text)
    else:
        text, n = _CONTROL_RE.subn("", text)
        changes["control"] += n
    text, n = _TRAILING_RE.subn("", text)
    text, m = _RUN_RE.subn(" ", text)
    changes["space_runs"] += n + m
    return text


def _nfc(text: str, changes: Counter[str]) -> str:
    if "\u0335" in text or "\u0336" in text:
        text, n = _STROKE_RE.subn(lambda m: "đ" if m.group(1) == "d" else "Đ", text)
        changes["composition"] += n
    out: str = ud.normalize("NFC", text)  # has its own quick check: near-free on NFC input
    if out == text:
        return text
    changes["nfc"] += sum(1 for a, b in zip(out.split(), text.split()) if a != b) or 1
    return out


# Per options: whitespace-separated tokens that no step would change or react to, learnt from
# outputs. A paragraph made only of such tokens, with plain spaces and newlines between them,
# is already normal: one split and one subset test instead of six passes.
_SETTLED: dict[NormalizeOptions, set[str]] = {}
_SETTLED_LIMIT = 2_000_000


def _settled(text: str, options: NormalizeOptions) -> bool:
    known = _SETTLED.get(options)
    if not known or not options.whitespace:
        return False
    tokens = text.split()
    if not known.issuperset(tokens):
        # printable ASCII tokens (numbers, dates, Latin words) are settled by nature
        if not all(t.isascii() and t.isprintable() for t in set(tokens).difference(known)):
            return False
    if _WS_SUSPECT.search(text) or "  " in text or " \n" in text or text.endswith(" ") or "\r" in text:
        return False
    return not (options.legacy and maybe_viqr(text))


def _learn(text: str, options: NormalizeOptions) -> None:
    known = _SETTLED.setdefault(options, set())
    if len(known) > _SETTLED_LIMIT:
        known.clear()
    for token in set(text.split()).difference(known):
        if not (SUSPECT_RE.search(token) or _WS_SUSPECT.search(token) or legacy_score(token)[1]):
            known.add(token)


_LINEBREAK = re.compile("(\r\n|[\n\r\u2028\u2029\x85\x0b\x0c])")
_ODD_BREAK = re.compile("[\r\u2028\u2029\x85\x0b\x0c]")


def _interleave(lines: list[str]) -> list[str]:
    """``_LINEBREAK.split`` output for text whose only line breaks are ``\\n``."""
    parts = ["\n"] * (2 * len(lines) - 1)
    parts[0::2] = lines
    return parts


def _run(text: str, options: NormalizeOptions, changes: Counter[str]) -> str:
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str, got {type(text).__name__}")
    # every step but legacy detection is line-local: work line by line, so that a settled line
    # costs one set test and only the other lines pay for the full pass
    parts = _LINEBREAK.split(text) if _ODD_BREAK.search(text) else _interleave(text.split("\n"))
    todo = [k for k in range(0, len(parts), 2) if not _settled(parts[k], options)]
    if todo and options.legacy:
        # the unsettled lines together: a document's dominant encoding helps its short lines
        block, n = fix_surrogates("\n".join(parts[k] for k in todo))
        changes["surrogates"] += n
        if options.nfc:
            block = _nfc(block, changes)
        block, found = fix_legacy(block)
        for enc, count in found.items():
            changes[f"legacy_{enc}"] += count
        for k, line in zip(todo, block.split("\n")):
            parts[k] = line
    for k in todo:
        line = _run_steps(parts[k], options, changes)
        if options.whitespace:
            _learn(line, options)
        parts[k] = line
    if len(parts) == 1:
        return parts[0]
    if options.whitespace:
        changes["newlines"] += sum(1 for sep in parts[1::2] if sep != "\n")
        return "\n".join(parts[0::2])
    return "".join(parts)


def _run_steps(text: str, options: NormalizeOptions, changes: Counter[str]) -> str:
    text, n = fix_surrogates(text)
    changes["surrogates"] += n
    if options.nfc:
        text = _nfc(text, changes)
    for _ in range(4):  # removing a character can join a mojibake pair or a legacy word: repeat
        before = text
        if options.legacy:  # before anything strips control characters: VISCII letters live there
            text, found = fix_legacy(text)
            for enc, k in found.items():
                changes[f"legacy_{enc}"] += k
        if options.mojibake:
            text, n = fix_mojibake(text)
            changes["mojibake"] += n
        if options.whitespace:
            text = _whitespace(text, changes, keep_legacy_letters=options.legacy)
        if options.nfc and text is not before:
            text = _nfc(text, changes)
        if text == before:
            break
    if options.tones:
        text, n = fix_tones_counted(text, options.tone_style)
        changes["tones"] += n
    return text


def _options(options: NormalizeOptions | None, overrides: dict[str, Any]) -> NormalizeOptions:
    base = DEFAULT_OPTIONS if options is None else options
    return replace(base, **overrides) if overrides else base


def normalize(text: str, options: NormalizeOptions | None = None, **overrides: Any) -> str:
    """Return ``text`` repaired and normalised; keyword arguments override ``options`` fields.

    Example:
        >>> normalize("Cộng hoà\\u00a0xã hội")
        'Cộng hòa xã hội'
    """
    opts = _options(options, overrides)
    return _run(text, opts, Counter())


def normalize_and_explain(text: str, options: NormalizeOptions | None = None, **overrides: Any) -> NormalizeResult:
    """Like :func:`normalize`, and also count the fixes made, per kind (for reports)."""
    opts = _options(options, overrides)
    changes: Counter[str] = Counter()
    out = _run(text, opts, changes)
    return NormalizeResult(out, Counter({k: v for k, v in changes.items() if v}))
