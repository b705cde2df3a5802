"""The Vietnamese normaliser: repair the encoding, the Unicode form, the whitespace and the tones.

Steps run in this order, each switchable in :class:`NormalizeOptions`:

1. **NFC** (unicodedata2 tables) first, so that the later steps see one spelling of each
   character; a decomposed ``A`` + tilde must not turn into the mojibake lead ``Ã`` later.
   Then **legacy encodings** (TCVN3, VNI, VIQR, VISCII, CP1258 seen through cp1252), per line
   and only on a clear win (:mod:`seedclean.text.legacy`), before anything strips control
   characters, because VISCII puts letters at control-code positions and TCVN3 uses the soft
   hyphen for ư.
2. **Mojibake** (ftfy for cp1252 / latin-1, our own pass for cp1258) before any whitespace work,
   because a mis-decoded ``à`` ends in a no-break space that the whitespace step would eat.
3. **Whitespace and invisible characters**: space separators -> space, zero-width characters,
   soft hyphens, BOMs and control characters removed, line breaks -> ``\\n``, runs of spaces
   collapsed, trailing spaces stripped. Blank lines (paragraph breaks) survive.
4. **NFC again** when steps 2-3 changed the text, plus composition repairs that NFC does not
   do (``d`` + combining stroke -> ``đ``).
5. **Tone marks** placed canonically (see :mod:`seedclean.text.tones`); this also composes marks
   typed in the wrong order or after the wrong vowel.

Nothing else changes by default: no case folding, no punctuation rewriting.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import unicodedata2 as ud

from seedclean.text.legacy import CONTROL_LETTERS, fix_legacy
from seedclean.text.legacy import score_text as legacy_score
from seedclean.text.mojibake import fix_mojibake, fix_surrogates
from seedclean.text.nfc import changed_words_reference, nfc_many_counted
from seedclean.text.prescan import FULL, LEGACY, TONES, lines_needing_work, place_tones_in_line
from seedclean.text.tones import STYLES, fix_tones_counted

__all__ = [
    "NormalizeOptions",
    "NormalizeResult",
    "normalize",
    "normalize_and_explain",
    "normalize_many",
    "NormalizedBatch",
    "CHANGE_KINDS",
]

CHANGE_KINDS = (
    "surrogates",
    "legacy_tcvn3",
    "legacy_vni",
    "legacy_viqr",
    "legacy_viscii",
    "legacy_cp1258",
    "legacy_vps",
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
    changes["nfc"] += changed_words_reference([text], [out])[0] or 1
    return out


_LINEBREAK = re.compile("(\r\n|[\n\r\u2028\u2029\x85\x0b\x0c])")
_ODD_BREAK = re.compile("[\r\u2028\u2029\x85\x0b\x0c]")


def _interleave(lines: list[str]) -> list[str]:
    """``_LINEBREAK.split`` output for text whose only line breaks are ``\\n``."""
    parts = ["\n"] * (2 * len(lines) - 1)
    parts[0::2] = lines
    return parts


def _style(options: NormalizeOptions) -> str | None:
    """The tone style the pre-scan must check placements against (None: tones are not placed)."""
    return options.tone_style if options.tones else None


Repair = tuple[int, str, Counter[str]]  # (pre-scan code after the repair, line, fixes made)


def _cheap_repairs(lines: list[str], options: NormalizeOptions) -> list[Repair]:
    """The two commonest faults of ``lines`` (each one the pre-scan sent to the full path),
    repaired alone when that leaves a line the pre-scan passes bar tone placement: decomposed
    letters (NFC is the first step anyway) and runs of plain spaces (no step before the
    whitespace step reacts to a space). One pre-scan call for all the lines; a line neither
    repair applies to comes back as (FULL, line, no fixes)."""
    out: list[Repair] = [(FULL, line, Counter()) for line in lines]
    tried: list[int] = []
    nfc_of: dict[int, tuple[str, int]] = {}  # each line's NFC and the words it changed
    if options.nfc:  # as :func:`_nfc` (no stroke to compose here), all lines in one kernel call
        plain = [i for i, line in enumerate(lines) if "\u0335" not in line and "\u0336" not in line]
        nfc_of = dict(zip(plain, zip(*nfc_many_counted([lines[i] for i in plain]))))
    for i, line in enumerate(lines):
        nfc, words = nfc_of.get(i, (line, 0))
        if nfc != line:
            out[i] = (FULL, nfc, Counter({"nfc": words or 1}))
            tried.append(i)
            continue
        if options.whitespace and ("  " in line or line.endswith(" ")) and not _WS_SUSPECT.search(line):
            fixes: Counter[str] = Counter()
            out[i] = (FULL, _whitespace(line, fixes, keep_legacy_letters=options.legacy), fixes)
            tried.append(i)
    if tried:
        codes = lines_needing_work([out[i][1] for i in tried], _style(options))
        for i, code in zip(tried, codes.tolist()):
            out[i] = (code, out[i][1], out[i][2]) if code != FULL else (FULL, lines[i], Counter())
    return out


def _place_tones(line: str, style: str | None, changes: Counter[str]) -> str:
    """The tone step alone, for a line whose only fault the pre-scan found is a tone placement."""
    if style is None:
        return line
    line, n = place_tones_in_line(line, style)
    changes["tones"] += n
    return line


@dataclass
class _Triage:
    """Where the lines of one text go (indices into the ``_LINEBREAK.split`` parts): ``todo``
    through every step, ``legacy_first`` (with their pre-scan codes) through the legacy step and
    then at most the tone step, with the fixes of their cheap repair held back in ``held``;
    ``composed`` is each line as the legacy step must see it (as if every line were NFC'd first)."""

    composed: list[str]
    todo: list[int] = field(default_factory=list)
    legacy_first: dict[int, int] = field(default_factory=dict)
    held: dict[int, Counter[str]] = field(default_factory=dict)


def _triage(
    parts: list[str],
    needs: list[tuple[int, int]],
    repairs: dict[int, Repair],
    options: NormalizeOptions,
    changes: Counter[str],
) -> _Triage:
    """Apply the cheap repairs and tone-only fixes in ``parts``; say where the other lines go."""
    plan = _Triage(parts[0::2])
    for line, need in needs:
        k = 2 * line
        fixes: Counter[str] = Counter()
        if need == FULL and line in repairs:
            need, repaired, fixes = repairs[line]
            if need != FULL:
                parts[k] = repaired
            if "nfc" in fixes:
                plan.composed[line] = repaired
        if need == FULL:
            plan.todo.append(k)
        elif need & LEGACY and options.legacy:
            plan.legacy_first[k] = need
            plan.held[k] = fixes  # counted unless a legacy reading replaces the line
        else:
            changes.update(fixes)
            if need & TONES:
                parts[k] = _place_tones(parts[k], _style(options), changes)
    return plan


def _legacy_pass(parts: list[str], plan: _Triage, options: NormalizeOptions, changes: Counter[str]) -> None:
    """The legacy step over the whole document (its dominant encoding helps short lines, and it
    judges the whole text first); the lines the pre-scan passed are inert in it. A legacy-first
    line it leaves alone needs at most its tones placed; one it converts joins ``plan.todo``."""
    judged = {k // 2 for k in [*plan.todo, *plan.legacy_first]}
    inert = None if len(judged) == len(plan.composed) else [k not in judged for k in range(len(plan.composed))]
    block, n = fix_surrogates("\n".join(plan.composed))
    changes["surrogates"] += n
    if options.nfc:
        block = _nfc(block, changes)
    block, found = fix_legacy(block, inert)
    for enc, count in found.items():
        changes[f"legacy_{enc}"] += count
    lines = block.split("\n")
    for k in plan.todo:
        parts[k] = lines[k // 2]
    for k, need in plan.legacy_first.items():
        fixes = plan.held.get(k, Counter())
        if lines[k // 2] != plan.composed[k // 2]:  # read as a legacy encoding: every step may apply
            parts[k] = lines[k // 2]
            plan.todo.append(k)
            changes["nfc"] += fixes["nfc"]  # composing came first; the rest is redone
            continue
        changes.update(fixes)
        if need & TONES:
            parts[k] = _place_tones(parts[k], _style(options), changes)


def _run(
    text: str,
    options: NormalizeOptions,
    changes: Counter[str],
    needs: list[tuple[int, int]] | None = None,
    repairs: dict[int, Repair] | None = None,
) -> str:
    """Normalise ``text``. ``needs`` holds (line number, pre-scan code) for the ``\\n``-separated
    lines with work (the others are plain) and ``repairs`` the cheap repairs of its FULL lines;
    both are computed here when not given. Plain lines are copied, lines whose only fault is a
    tone placement get the tone step alone, and only the others go through every step."""
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str, got {type(text).__name__}")
    if _ODD_BREAK.search(text):  # lines are not what the pre-scan split at: every line has work
        parts = _LINEBREAK.split(text)
        plan = _Triage(parts[0::2], todo=list(range(0, len(parts), 2)))
    else:
        parts = _interleave(text.split("\n"))
        if needs is None:
            codes = lines_needing_work([text], _style(options)).tolist()
            needs = [(line, need) for line, need in enumerate(codes) if need]
        if repairs is None:
            full = [line for line, need in needs if need == FULL]
            repairs = dict(zip(full, _cheap_repairs([parts[2 * i] for i in full], options)))
        plan = _triage(parts, needs, repairs, options, changes)
    if (plan.todo or plan.legacy_first) and options.legacy:
        _legacy_pass(parts, plan, options, changes)
    for k in plan.todo:
        parts[k] = _run_steps(parts[k], options, changes)
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


@dataclass(frozen=True)
class NormalizedBatch:
    """The texts of a batch normalised, and the fixes made as columns: ``changes[i, k]`` is how
    many fixes of kind ``CHANGE_KINDS[k]`` went into ``texts[i]`` (no object per clean text)."""

    texts: list[str]
    changes: np.ndarray

    def changes_of(self, i: int) -> Counter[str]:
        """The fixes made in ``texts[i]``, by kind (kinds with none left out)."""
        return Counter({kind: int(n) for kind, n in zip(CHANGE_KINDS, self.changes[i].tolist()) if n})

    def changed(self) -> np.ndarray:
        """Indices of the texts the normaliser changed (fixed anything in), ascending."""
        return np.flatnonzero(self.changes.any(axis=1))

    def __len__(self) -> int:
        return len(self.texts)


_KIND_INDEX = {kind: k for k, kind in enumerate(CHANGE_KINDS)}


def normalize_many(texts: list[str], options: NormalizeOptions | None = None, **overrides: Any) -> NormalizedBatch:
    """:func:`normalize_and_explain` for a batch: one pre-scan over all the texts finds the lines
    that need work, so a clean text costs a copy, not a call into every step.

    Example:
        >>> batch = normalize_many(["Cộng hoà", "xã hội"])
        >>> batch.texts, batch.changes_of(0)
        (['Cộng hòa', 'xã hội'], Counter({'tones': 1}))
    """
    if not isinstance(texts, list):
        raise TypeError(f"normalize_many() expects a list of str, got {type(texts).__name__}")
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"normalize_many() expects a list of str, found a {type(text).__name__} in it")
    opts = _options(options, overrides)
    needs = lines_needing_work(texts, _style(opts))
    lines = np.fromiter((t.count("\n") + 1 for t in texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lines)
    # every line with work, and the text it belongs to (no per-text numpy call)
    worked = np.flatnonzero(needs)
    owner = np.searchsorted(ends, worked, side="right")
    first = ends[owner] - lines[owner]
    per_text: dict[int, list[tuple[int, int]]] = {}
    for i, line, need in zip(owner.tolist(), (worked - first).tolist(), needs[worked].tolist()):
        per_text.setdefault(i, []).append((line, need))
    # the cheap repairs of every FULL line of the batch, with one more pre-scan call
    full_lines = [
        (i, line)
        for i, pairs in per_text.items()
        if not _ODD_BREAK.search(texts[i])
        for line, need in pairs
        if need == FULL
    ]
    split = {i: texts[i].split("\n") for i in dict.fromkeys(i for i, _ in full_lines)}
    repaired = _cheap_repairs([split[i][j] for i, j in full_lines], opts)
    repairs: dict[int, dict[int, Repair]] = {i: {} for i in per_text}
    for (i, j), repair in zip(full_lines, repaired):
        repairs[i][j] = repair
    out = list(texts)
    counts = np.zeros((len(texts), len(CHANGE_KINDS)), dtype=np.int64)
    for i, pairs in per_text.items():
        changes: Counter[str] = Counter()
        out[i] = _run(texts[i], opts, changes, pairs, repairs[i])
        for kind, n in changes.items():
            counts[i, _KIND_INDEX[kind]] = n
    return NormalizedBatch(out, counts)
