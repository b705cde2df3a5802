"""Vietnamese tone-mark placement: parse a syllable, lift its tone mark, put it back canonically.

A Vietnamese syllable is an initial consonant (``qu`` and ``gi`` included), a vowel nucleus
and an optional final consonant, with at most one tone mark. Where the mark sits is a
spelling convention; two conventions differ only in open syllables ending in oa / oe / uy:

* ``"hòa"`` style writes ``hòa``, ``khỏe``, ``thủy`` (the mark on the first vowel);
* ``"hoà"`` style writes ``hoà``, ``khoẻ``, ``thuỷ`` (the 2018 Ministry of Education rule);
* ``"keep"`` leaves either of those two alone but still repairs placements neither style
  allows (``ngừơi`` -> ``người``, ``gìa`` -> ``già``, ``qủa`` -> ``quả``).

Words that do not parse as one Vietnamese syllable (foreign names, ``café``, code) are
returned unchanged, so the step is safe on mixed text.
"""

from __future__ import annotations

import re
from functools import lru_cache

import unicodedata2 as ud

__all__ = ["STYLES", "place_tone", "fix_tones", "fix_tones_counted", "WORD_RE"]

STYLES = ("hòa", "hoà", "keep")

# Combining tone marks (and the deprecated U+0340 / U+0341 tone-mark clones).
_TONE_MARKS = {
    "\u0300": "\u0300",  # huyền (grave)
    "\u0301": "\u0301",  # sắc (acute)
    "\u0303": "\u0303",  # ngã (tilde)
    "\u0309": "\u0309",  # hỏi (hook above)
    "\u0323": "\u0323",  # nặng (dot below)
    "\u0340": "\u0300",
    "\u0341": "\u0301",
}
# Combining marks that change vowel quality: circumflex, breve, horn.
_QUALITY = {
    ("a", "\u0302"): "â",
    ("a", "\u0306"): "ă",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
_STROKES = {"\u0335", "\u0336"}  # d + stroke overlay = đ
_VOWELS = set("aăâeêioôơuưy")
_MARKED = set("ăâêôơư")
_CONSONANTS = set("bcdđghklmnpqrstvx")
_INITIALS = sorted(
    "ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p r s t v x".split(),
    key=len,
    reverse=True,
)
_FINALS = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"}
_STOP_FINALS = {"c", "ch", "p", "t"}
_STOP_TONES = {None, "\u0301", "\u0323"}

# Vowel nuclei (medial glide included) and whether they may end a syllable / take a final.
_OPEN_ONLY = set(
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu ươu iêu yêu oai oay oeo uây uôi ươi uya uyu".split()
)
_CLOSED_ONLY = set("ă â iê yê uô ươ oă uâ uyê oo".split())
_BOTH = set("a e ê i o ô ơ u ư y oa oe uê uy uơ".split())
_NUCLEI = _OPEN_ONLY | _CLOSED_ONLY | _BOTH
_STYLE_DEPENDENT = {"oa", "oe", "uy"}

# A run of letters that may need work: Latin letters, Vietnamese letters and combining marks,
# with at least one character outside ASCII (pure-ASCII words carry no tone mark to move).
_NON_ASCII = r"\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF\u0300-\u036F"
_LETTER = "A-Za-z" + _NON_ASCII
# A match may only start where a run of ASCII letters starts: without the look-behind a long
# ASCII run with no accented letter after it is rescanned from every position (quadratic).
WORD_RE = re.compile(rf"(?<![A-Za-z])[A-Za-z]*(?:[{_NON_ASCII}][{_LETTER}]*)")


def _split(word: str) -> tuple[list[str], list[bool], str | None, int] | None:
    """Split a word into lower-case toneless letters, their case, its tone and the tone's index.

    Returns None if the word is not made of Vietnamese letters with at most one tone mark.
    """
    letters: list[str] = []
    upper: list[bool] = []
    tone: str | None = None
    tone_at = -1
    for ch in ud.normalize("NFD", word):
        if ud.combining(ch) or ch in _STROKES:
            if not letters:
                return None
            if ch in _TONE_MARKS:
                if tone is not None or letters[-1] not in _VOWELS:
                    return None
                tone = _TONE_MARKS[ch]
                tone_at = len(letters) - 1
            elif ch in _STROKES:
                if letters[-1] != "d":
                    return None
                letters[-1] = "đ"
            else:
                quality = _QUALITY.get((letters[-1], ch))
                if quality is None:
                    return None
                letters[-1] = quality
            continue
        low = ch.lower()
        if low == "ð":  # Latin eth typed for đ; accepted only if the whole word parses
            low = "đ"
        if low not in _VOWELS and low not in _CONSONANTS:
            return None
        letters.append(low)
        upper.append(ch.isupper())
    if tone is not None and letters[tone_at] not in _VOWELS:
        return None
    return letters, upper, tone, tone_at


def _parse(letters: list[str]) -> tuple[int, int, str] | None:
    """Return (start, end, final) of the vowel nucleus in ``letters``, or None if not a syllable."""
    text = "".join(letters)
    initial = ""
    for cand in _INITIALS:
        if text.startswith(cand):
            initial = cand
            break
    rest = text[len(initial) :]
    if initial == "gi" and (not rest or rest[0] not in _VOWELS):
        initial, rest = "g", text[1:]  # bare "gi", "gìn": the i is the vowel
    if initial == "qu" and (not rest or rest[0] not in _VOWELS):
        return None
    i = 0
    while i < len(rest) and rest[i] in _VOWELS:
        i += 1
    nucleus, final = rest[:i], rest[i:]
    if not nucleus or final not in _FINALS or nucleus not in _NUCLEI:
        return None
    if final and nucleus in _OPEN_ONLY or not final and nucleus in _CLOSED_ONLY:
        return None
    start = len(initial)
    return start, start + len(nucleus), final


def _tone_index(letters: list[str], start: int, end: int, final: str, style: str) -> tuple[int, ...]:
    """Positions (absolute indices) where the tone mark may go; the first is canonical."""
    nucleus = letters[start:end]
    marked = [k for k, v in enumerate(nucleus) if v in _MARKED]
    if marked:
        return (start + marked[-1],)
    if final:
        return (end - 1,)
    n = len(nucleus)
    if n == 1:
        return (start,)
    if n == 3:
        return (start + 1,)
    if "".join(nucleus) in _STYLE_DEPENDENT:
        if style == "hoà":
            return (start + 1,)
        if style == "keep":
            return (start, start + 1)
    return (start,)


def place_tone(word: str, style: str = "hòa") -> str:
    """Return ``word`` with its tone mark where ``style`` puts it, or ``word`` if not Vietnamese.

    Example:
        >>> place_tone("hoá"), place_tone("HÒA", "hoà"), place_tone("café")
        ('hóa', 'HOÀ', 'café')
    """
    if style not in STYLES:
        raise ValueError(f"unknown tone style {style!r}; expected one of {STYLES}")
    split = _split(word)
    if split is None:
        return word
    letters, upper, tone, tone_at = split
    parsed = _parse(letters)
    if parsed is None:
        return word
    start, end, final = parsed
    if final in _STOP_FINALS and tone not in _STOP_TONES:
        return word
    if tone is None:
        at = -1
    else:
        allowed = _tone_index(letters, start, end, final, style)
        at = tone_at if tone_at in allowed else allowed[0]
    out = []
    for k, (letter, up) in enumerate(zip(letters, upper)):
        ch = ud.normalize("NFC", letter + tone) if k == at and tone is not None else letter
        out.append(ch.upper() if up else ch)
    return "".join(out)


@lru_cache(maxsize=1 << 18)
def is_vietnamese(word: str) -> bool:
    """True if ``word`` parses as one Vietnamese syllable (any tone placement, any case)."""
    split = _split(word)
    if split is None:
        return False
    letters, _upper, tone, _at = split
    parsed = _parse(letters)
    return parsed is not None and not (parsed[2] in _STOP_FINALS and tone not in _STOP_TONES)


_CACHE_LIMIT = 500_000
_caches: dict[str, dict[str, str]] = {style: {} for style in STYLES}
# Whitespace-separated tokens already known to need no change, per style: a corpus reuses a few
# hundred thousand tokens, so most paragraphs are settled by one set difference at C speed.
_good: dict[str, set[str]] = {style: set() for style in STYLES}
_SPACES = re.compile(r"(\s+)")


def fix_word(word: str, style: str) -> str:
    """:func:`place_tone` of one word, through the bounded per-style cache (results only)."""
    cache = _caches[style]
    got = cache.get(word)
    if got is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        got = cache[word] = place_tone(word, style)
    return got


def fix_tones_counted(text: str, style: str = "hòa") -> tuple[str, int]:
    """Place every tone mark in ``text`` canonically; return the text and the words changed."""
    if style not in STYLES:
        raise ValueError(f"unknown tone style {style!r}; expected one of {STYLES}")
    good = _good[style]
    tokens = text.split()
    unknown = set(tokens).difference(good)
    if not unknown:
        return text, 0
    fixed: dict[str, tuple[str, int]] = {}
    for token in unknown:
        changed = 0

        def repl(m: re.Match[str]) -> str:
            nonlocal changed
            word = m.group()
            out = fix_word(word, style)
            changed += out != word
            return out

        new = WORD_RE.sub(repl, token)
        if changed:
            fixed[token] = (new, changed)
        else:
            if len(good) >= 4 * _CACHE_LIMIT:
                good.clear()
            good.add(token)
    if not fixed:
        return text, 0
    count = sum(fixed[token][1] for token in tokens if token in fixed)
    if " ".join(tokens) == text:
        # single spaces between the tokens (what a normalised line has): the tokens rebuild it
        return " ".join([fixed[token][0] if token in fixed else token for token in tokens]), count
    parts = _SPACES.split(text)  # tokens at even positions, whitespace runs at odd ones
    for k in range(0, len(parts), 2):
        hit = fixed.get(parts[k])
        if hit is not None:
            parts[k] = hit[0]
    return "".join(parts), count


def fix_tones(text: str, style: str = "hòa") -> str:
    """Place every tone mark in ``text`` canonically for ``style``; see the module docstring."""
    return fix_tones_counted(text, style)[0]
