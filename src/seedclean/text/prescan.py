"""The pre-scan: which lines of a text might any normalisation step change?

Most lines of a crawled Vietnamese corpus are already clean: NFC letters, plain spaces, tone
marks where the chosen style puts them. The pre-scan finds them cheaply (a compiled pass over
the code points of a whole batch, as UTF-32) so that only the other lines pay for the normaliser.

A line is *plain*, and copied as it is, when all of this holds:

1. every character is printable ASCII, a precomposed Vietnamese letter or one of a few
   punctuation marks (curly quotes, dashes, ellipsis, bullet): nothing NFC, the surrogate
   repair or the whitespace step could touch;
2. no two spaces in a row and no space at the end of the line;
3. if it holds a character outside ASCII, at least one lies outside Latin-1 and cp1252
   (``ạ``, ``ư``, ``đ``, ...): such a line has no legacy bytes behind it, so no legacy reading
   applies to it, whatever the rest of the document is (a line failing only this rule, and
   perhaps rule 5, needs the legacy step and, if that leaves it alone, nothing else but tones);
4. no mojibake pair (a character a UTF-8 lead byte decodes to, followed by one of the allowed
   punctuation marks, which are what continuation bytes decode to) and nothing VIQR could read
   as a mark (an ASCII vowel followed by ``^ ( + \\``, or by `` ` ' ~ . ?`` and a letter, or
   ``dd`` before a vowel);
5. with tone placement on, every run of letters holding a Vietnamese letter is, lower-cased, a
   syllable whose tone mark already sits where the style puts it (:func:`canonical_syllables`).

Each rule mirrors a step's own early exit, so a plain line is a fixed point of every step and of
every subset of them; the pre-scan may mark a clean line, never miss a dirty one. Tests check
this against the full normaliser on arbitrary and on real text, and the compiled kernel
against :func:`line_needs_work_reference`, its pure-Python twin.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import unicodedata2 as ud

from seedclean.fingerprint.kernels import HAVE_NUMBA, compiled, hash_slots
from seedclean.text.mojibake import _decoded
from seedclean.text.tones import (
    _FINALS,
    _INITIALS,
    _NUCLEI,
    _STOP_FINALS,
    _STOP_TONES,
    _VOWELS,
    STYLES,
    WORD_RE,
    _parse,
    _tone_index,
    fix_tones_counted,
    fix_word,
)

__all__ = [
    "PLAIN",
    "FULL",
    "TONES",
    "LEGACY",
    "canonical_syllables",
    "line_needs_work_reference",
    "lines_needing_work",
    "lines_needing_work_reference",
    "place_tones_in_line",
]

TABLE_SIZE = 0x2100  # code points past the punctuation block are never plain

ALLOWED = 1  # may stand in a plain line
LETTER = 2  # a letter (ASCII or Vietnamese): part of a run the tone step looks at
VIETNAMESE = 4  # a Vietnamese letter outside ASCII
PUNCT = 8  # allowed punctuation outside ASCII (what UTF-8 continuation bytes decode to)
LEAD = 16  # what a UTF-8 lead byte decodes to in cp1252 / latin-1 / cp1258
DEEP = 32  # outside Latin-1 and cp1252: the line has no legacy bytes behind it
PAIRED = 64  # may start or end a pair rule 4 looks at (VIQR marks, d, the punctuation above): the
# kernel tests the pair rules only where this or the previous character has it
VOWEL = 128  # an ASCII vowel (the VIQR rules)

_VIQR_MARKS = "^(+\\`'~.?"

_PUNCT = "\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026"  # – — ‘ ’ “ ” • …
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_STOP_TONE_MARKS = tuple(t for t in _TONES[1:] if t in _STOP_TONES)  # what a syllable ending in c, ch, p, t takes
MAX_SYLLABLE = 8  # letters in the longest canonical syllable; a longer run of letters is never one


def _vietnamese_letters() -> str:
    """Every precomposed Vietnamese letter outside ASCII, both cases."""
    out = {"đ", "Đ"}
    for base in "aăâeêioôơuưy":
        for tone in _TONES:
            letter = ud.normalize("NFC", ud.normalize("NFD", base) + tone)
            if len(letter) == 1:
                out.update({letter, letter.upper()})
    return "".join(sorted(c for c in out if not c.isascii()))


def _cp1252_or_latin1(ch: str) -> bool:
    if ord(ch) < 0x100:
        return True
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    """uint8 flags per code point below :data:`TABLE_SIZE` (read-only)."""
    table = np.zeros(TABLE_SIZE, dtype=np.uint8)
    for cp in range(0x20, 0x7F):
        table[cp] = ALLOWED
        if chr(cp).isalpha():
            table[cp] |= LETTER
    for ch in _vietnamese_letters():
        table[ord(ch)] = ALLOWED | LETTER | VIETNAMESE
    for ch in _PUNCT:
        table[ord(ch)] = ALLOWED | PUNCT
    for codec in ("latin-1", "cp1252", "cp1258"):
        for ch in _decoded(codec, 0xC2, 0xF4):
            table[ord(ch)] |= LEAD
    for cp in range(0x80, TABLE_SIZE):
        if table[cp] & ALLOWED and not _cp1252_or_latin1(chr(cp)):
            table[cp] |= DEEP
    for ch in _VIQR_MARKS + "dD" + _PUNCT:
        table[ord(ch)] |= PAIRED
    for ch in _VOWEL:
        table[ord(ch)] |= VOWEL
    table.setflags(write=False)
    return table


@lru_cache(maxsize=1)
def lower_table() -> np.ndarray:
    """int32 lower-case code point per code point below :data:`TABLE_SIZE` (read-only)."""
    table = np.arange(TABLE_SIZE, dtype=np.int32)
    for cp in range(TABLE_SIZE):
        low = chr(cp).lower()
        if len(low) == 1 and ord(low) < TABLE_SIZE:
            table[cp] = ord(low)
    table.setflags(write=False)
    return table


def _toned(vowel: str, tone: str) -> str:
    """A vowel letter with a tone mark, as one precomposed character (NFC)."""
    return str(ud.normalize("NFC", vowel + tone))


@lru_cache(maxsize=len(STYLES))
def canonical_syllables(style: str) -> frozenset[str]:
    """Lower-case Vietnamese syllables holding a letter outside ASCII that the tone step leaves
    as they are in ``style``: tone placement there is settled. (Any case of one is settled too:
    placement ignores case and keeps each letter's.) Built from the parser's own tables; a test
    checks every member against :func:`seedclean.text.tones.place_tone`, and the set against
    :func:`canonical_syllables_reference` (which composes every candidate by NFC)."""
    if style not in STYLES:
        raise ValueError(f"unknown tone style {style!r}; expected one of {STYLES}")
    # a tone mark after a precomposed vowel and before a plain letter composes with the vowel
    # alone: one table lookup instead of an NFC call per candidate (half the build time)
    toned = {(v, t): _toned(v, t) for v in _VOWELS for t in _TONES[1:]}
    out: set[str] = set()
    for base, start, end, final in _syllable_bases():
        letters = list(base)
        if not base.isascii():
            out.add(base)
        tones = _TONES[1:] if final not in _STOP_FINALS else _STOP_TONE_MARKS
        for at in _tone_index(letters, start, end, final, style):
            head, vowel, rest = base[:at], base[at], base[at + 1 :]
            out.update(head + toned[vowel, tone] + rest for tone in tones)
    return frozenset(out)


@lru_cache(maxsize=1)
def _syllable_bases() -> tuple[tuple[str, int, int, str], ...]:
    """Every toneless syllable the parser reads as initial + nucleus + final, with its nucleus's
    span and its final (shared by the styles: only where the tone goes differs)."""
    out = []
    for initial in ["", *_INITIALS]:
        for nucleus in _NUCLEI:
            for final in _FINALS:
                base = initial + nucleus + final
                parsed = _parse(list(base))
                if parsed is not None and parsed[2] == final:
                    out.append((base, parsed[0], parsed[1], final))
    return tuple(out)


def canonical_syllables_reference(style: str) -> frozenset[str]:
    """:func:`canonical_syllables` as first written: every candidate composed by NFC."""
    out: set[str] = set()
    for initial in ["", *_INITIALS]:
        for nucleus in _NUCLEI:
            for final in _FINALS:
                letters = list(initial + nucleus + final)
                parsed = _parse(letters)
                if parsed is None or parsed[2] != final:
                    continue
                start, end, _ = parsed
                base = "".join(letters)
                if not base.isascii():
                    out.add(base)
                for tone in _TONES[1:]:
                    if final in _STOP_FINALS and tone not in _STOP_TONES:
                        continue
                    for at in _tone_index(letters, start, end, final, style):
                        out.add(ud.normalize("NFC", base[: at + 1] + tone + base[at + 1 :]))
    return frozenset(out)


@lru_cache(maxsize=len(STYLES) + 1)
def _syllable_index(style: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open-addressing hash table of :func:`canonical_syllables` as code points for the kernel:
    (slot -> syllable number + 1, syllable offsets, code points, mask). The hashes are computed
    for all syllables at once, a letter position at a time (a loop per syllable took 0.05 s)."""
    words = sorted(canonical_syllables(style)) if style else []
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    points = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.int32)
    slots = hash_slots(_syllable_hashes(points, offsets))
    return slots, offsets, points, np.array([len(slots) - 1], dtype=np.int64)


def _syllable_hashes(points: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """:func:`_syllable_hash` of each word (``points[offsets[k]:offsets[k + 1]]``), vectorised."""
    lengths = np.diff(offsets)
    hashes = np.full(len(lengths), 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    for k in range(int(lengths.max()) if len(lengths) else 0):
        rows = np.flatnonzero(lengths > k)
        hashes[rows] = (hashes[rows] ^ points[offsets[rows] + k].astype(np.uint64)) * prime  # wraps mod 2**64
    return hashes


def _syllable_hash(points: list[int]) -> int:
    """FNV-1a over code points, as the kernel computes it (64-bit)."""
    h = 0xCBF29CE484222325
    for p in points:
        h = ((h ^ p) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


_VOWEL = "aeiouyAEIOUY"
_VIQR_LIKE = re.compile(rf"[{_VOWEL}][\^(+\\]|[{_VOWEL}][`'~.?][A-Za-z]|[dD][dD][{_VOWEL}]")


PLAIN, FULL, TONES, LEGACY = 0, 1, 2, 4


def line_needs_work_reference(line: str, style: str | None) -> int:
    """What ``line`` (no ``\\n`` in it) needs, as the rules of the module docstring say:
    :data:`FULL` if rule 1, 2 or 4 fails (any step may change it), else the bits :data:`TONES`
    (rule 5 fails: the tone step may change it) and :data:`LEGACY` (rule 3 fails: a legacy
    reading may change it, and then any step); :data:`PLAIN` (0) when every rule holds.
    ``style`` is the tone style in force (None: no tone step)."""
    classes = char_classes()
    flags = [int(classes[ord(c)]) if ord(c) < TABLE_SIZE else 0 for c in line]
    if not all(f & ALLOWED for f in flags):
        return FULL
    if "  " in line or line.endswith(" "):
        return FULL
    if any(flags[i] & PUNCT and flags[i - 1] & LEAD for i in range(1, len(flags))):
        return FULL
    if _VIQR_LIKE.search(line):
        return FULL
    need = PLAIN
    if not line.isascii() and not any(f & DEEP for f in flags):
        need |= LEGACY
    if style is not None:
        known = canonical_syllables(style)
        if any(word.lower() not in known for word in WORD_RE.findall(line)):
            need |= TONES
    return need


def lines_needing_work_reference(texts: list[str], style: str | None) -> np.ndarray:
    """Per line of each text (texts split at ``\\n``, in order), what it needs (uint8 codes)."""
    return np.array(
        [line_needs_work_reference(line, style) for text in texts for line in text.split("\n")], dtype=np.uint8
    )


def lines_needing_work(texts: list[str], style: str | None) -> np.ndarray:
    """:func:`lines_needing_work_reference`, computed by the compiled kernel when numba is there."""
    if not HAVE_NUMBA or not texts:
        return lines_needing_work_reference(texts, style)
    # code points as UTF-32: a near copy of the texts' own storage (UTF-8 cost twice as long)
    data = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    slots, offsets, points, mask = _syllable_index(style)
    flags: np.ndarray = compiled().prescan_kernel(
        data, char_classes(), lower_table(), slots, offsets, points, mask[0], style is not None, MAX_SYLLABLE
    )
    return flags


def place_tones_in_line(line: str, style: str) -> tuple[str, int]:
    """:func:`seedclean.text.tones.fix_tones_counted` for a line the pre-scan did not mark FULL
    (every character one a plain line may hold): only the runs of letters it finds unsettled go
    through the tone step, not every word of the line (a tenth of the time on a paragraph with
    one misplaced mark). Any other line takes the tone step as it is."""
    if not HAVE_NUMBA or style not in STYLES:
        return fix_tones_counted(line, style)
    data = np.frombuffer(line.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    slots, offsets, points, mask = _syllable_index(style)
    starts, ends, ok = compiled().unsettled_syllables_kernel(
        data, char_classes(), lower_table(), slots, offsets, points, mask[0], MAX_SYLLABLE
    )
    if not ok:
        return fix_tones_counted(line, style)
    parts: list[str] = []
    done = changed = 0
    for start, end in zip(starts.tolist(), ends.tolist()):
        word = line[start:end]
        fixed = fix_word(word, style)
        if fixed != word:
            parts += (line[done:start], fixed)
            done = end
            changed += 1
    if not changed:
        return line, 0
    parts.append(line[done:])
    return "".join(parts), changed
