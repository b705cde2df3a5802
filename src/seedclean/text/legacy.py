"""Legacy Vietnamese encodings: decode, encode and detect TCVN3, VNI, VIQR, VISCII, CP1258 and VPS.

Pre-Unicode Vietnamese text usually reaches us already mis-decoded as cp1252 or latin-1:
``TiÕng ViÖt`` (TCVN3), ``Vieät Nam`` (VNI-Windows), ``Vie^.t Nam`` (VIQR), ``ngýõÌi`` (CP1258).
Decoders here take such a string (or the raw bytes), encoders go back, and :func:`detect`
scores every hypothesis by how much of the result reads as Vietnamese syllables and converts
only when one hypothesis clearly wins. :func:`fix_legacy` applies that per line, with the
document's dominant encoding as a tie-breaker for lines too short to decide alone.

TCVN3 here is the whole of TCVN 5712: the VN3 fonts' lower-case set and VN1's upper-case letters
at control positions and its combining tone bytes (what glibc ``iconv -t TCVN5712-1`` writes).
VPS comes from a published listing checked against GNU recode (``tools/legacy_tables_source.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import unicodedata2 as ud

from seedclean.text.legacy_tables import TCVN3, VISCII, VPS
from seedclean.text.tones import is_vietnamese, place_tone

__all__ = ["ENCODINGS", "decode", "encode", "detect", "fix_legacy", "Detection"]

ENCODINGS = ("tcvn3", "vni", "viqr", "viscii", "cp1258", "vps")


def _byte_char(b: int) -> list[str]:
    """How byte ``b`` looks in a string decoded as cp1252 and as latin-1."""
    forms = {chr(b)}
    try:
        forms.add(bytes([b]).decode("cp1252"))
    except UnicodeDecodeError:
        pass
    return sorted(forms)


def _translation(table: dict[int, str]) -> dict[int, str]:
    out: dict[int, str] = {}
    for b, ch in table.items():
        for form in _byte_char(b):
            out[ord(form)] = ch
    return out


_TCVN3_IN = _translation(TCVN3)
_VISCII_IN = _translation(VISCII)
_VPS_IN = _translation(VPS)
_TCVN3_OUT = {ch: bytes([b]) for b, ch in TCVN3.items()}
_VISCII_OUT = {ch: bytes([b]) for b, ch in VISCII.items()}
_VPS_OUT = {ch: bytes([b]) for b, ch in VPS.items()}

_CP1252_AS_LATIN1 = {ord(ch): b for b in range(0x80, 0xA0) if (ch := bytes([b]).decode("cp1252", errors="ignore"))}
"""cp1252's characters at 0x80-0x9F -> their byte; the five bytes missing here arrive as latin-1 C1 controls."""

CONTROL_LETTERS = frozenset(
    chr(b)
    for table in (TCVN3, VISCII, VPS)
    for b in table
    if b < 0x20 or (0x80 <= b < 0xA0 and b not in _CP1252_AS_LATIN1.values())
)
"""Control characters (C0, and C1 as latin-1 shows undefined cp1252 bytes) that some legacy
encoding uses for a letter: the control-character step keeps them inside words."""

# VNI-Windows: base letter + one mark byte; i, y, ơ, ư, đ partly single bytes. Lower-case marks
# sit at 0xE0-0xFF, upper-case ones 0x20 lower.
_TONES = {"\u0300": 0xF8, "\u0301": 0xF9, "\u0309": 0xFB, "\u0303": 0xF5, "\u0323": 0xEF}
_CIRCUMFLEX = {"": 0xE2, "\u0300": 0xE0, "\u0301": 0xE1, "\u0309": 0xE5, "\u0303": 0xE3, "\u0323": 0xE4}
_BREVE = {"": 0xEA, "\u0300": 0xE8, "\u0301": 0xE9, "\u0309": 0xFA, "\u0303": 0xFC, "\u0323": 0xEB}
_VNI_SINGLE = {
    "đ": 0xF1,
    "ơ": 0xF4,
    "ư": 0xF6,
    "ì": 0xEC,
    "í": 0xED,
    "ỉ": 0xE6,
    "ĩ": 0xF3,
    "ị": 0xF2,
    "ỵ": 0xEE,
}


def _vni_table() -> dict[str, bytes]:
    """Unicode letter -> VNI bytes, for every Vietnamese letter in both cases."""
    out: dict[str, bytes] = {}
    for upper in (False, True):
        shift = 0x20 if upper else 0

        def put(letter: str, data: bytes, up: bool = upper) -> None:
            out[letter.upper() if up else letter] = data

        for ch, b in _VNI_SINGLE.items():
            put(ch, bytes([b - shift]))
        for base in "aeiouy":
            b0 = base.upper().encode() if upper else base.encode()
            for tone, b in _TONES.items():
                letter = ud.normalize("NFC", base + tone)
                if letter not in _VNI_SINGLE:
                    put(letter, b0 + bytes([b - shift]))
        for base, quality in (("a", "\u0302"), ("e", "\u0302"), ("o", "\u0302")):
            b0 = base.upper().encode() if upper else base.encode()
            for tone, b in _CIRCUMFLEX.items():
                put(ud.normalize("NFC", base + quality + tone), b0 + bytes([b - shift]))
        b0 = b"A" if upper else b"a"
        for tone, b in _BREVE.items():
            put(ud.normalize("NFC", "a\u0306" + tone), b0 + bytes([b - shift]))
        for horn in ("ơ", "ư"):
            single = bytes([_VNI_SINGLE[horn] - shift])
            for tone, b in _TONES.items():
                put(ud.normalize("NFC", horn + tone), single + bytes([b - shift]))
    return out


_VNI_OUT = _vni_table()
_VNI_IN: dict[str, str] = {}


def _forms(data: bytes) -> list[str]:
    """Every string a byte sequence can look like after cp1252 / latin-1 decoding."""
    out = [""]
    for b in data:
        out = [prefix + f for prefix in out for f in _byte_char(b)]
    return out


for _letter, _data in _VNI_OUT.items():
    for _form in _forms(_data):
        _VNI_IN[_form] = _letter
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(_VNI_IN, key=len, reverse=True)))

# VIQR (RFC 1456): vowel, then ^ ( + for quality, then ` ' ? ~ . for tone; dd for đ.
_VIQR_QUALITY = {"^": "\u0302", "(": "\u0306", "+": "\u031b"}
_VIQR_TONE = {"`": "\u0300", "'": "\u0301", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_VIQR_QUALITY_OK = {("a", "^"), ("e", "^"), ("o", "^"), ("a", "("), ("o", "+"), ("u", "+")}
_VIQR_RE = re.compile(r"\\([`'?~.^(+\\dD])|\b([dD][dD])|([aeiouyAEIOUY])([\^(+]?)([`'?~.]?)(?=(.?)(.?))", re.S)
_VIQR_SUSPECT = re.compile(
    r"[aeiouyAEIOUY](?:[\^(+][`'?~.]?|[`'~][a-zA-Z]|[.?][a-zA-Z]|\\[`'?~.^(+])|\b[dD][dD][aeiouyAEIOUY]"
)
# Sequences English and code hardly ever hold: a quality mark with a tone (a^`, o+'), u+ / o+
# inside a word ("DDE" is an acronym far more often than "ĐE"). One lowers the bar to one more syllable.
_VIQR_STRONG = re.compile(r"[aeiouyAEIOUY][\^(+][`'?~.]|[uUoO]\+[a-zA-Z`'?~.]")


def _viqr_sub(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1)
    if m.group(2):
        return "Đ" if m.group(2)[0] == "D" else "đ"
    vowel, quality, tone, nxt, nxt2 = m.group(3), m.group(4), m.group(5), m.group(6), m.group(7)
    if quality and (vowel.lower(), quality) not in _VIQR_QUALITY_OK:
        return m.group(0)
    if tone in ".?" and tone and (nxt in ("", "\n", "\r") or nxt == " " and nxt2 in ("", "\n")):
        # RFC 1456: a mark after a vowel is a mark unless escaped (\.); only at the end of a line,
        # where a sentence usually ends, is "." / "?" read as punctuation
        composed: str = ud.normalize("NFC", vowel + _VIQR_QUALITY.get(quality, ""))
        return composed + tone
    marked: str = ud.normalize("NFC", vowel + _VIQR_QUALITY.get(quality, "") + _VIQR_TONE.get(tone, ""))
    return marked


_VIQR_LINE_END = re.compile(r"[aeiouyAEIOUY][\^(+]?[.?] ?$")
_LAST_WORD = re.compile(r"([^\W\d_]+)\W*$")


def _decode_viqr_line(line: str) -> str:
    """One line of VIQR; a final "." or "?" after a vowel is a tone mark if that makes the
    likelier syllable ("lê." -> "lệ", "the?" -> "thẻ"), else punctuation ("đi.")."""
    as_punctuation = _VIQR_RE.sub(_viqr_sub, line)
    if not _VIQR_LINE_END.search(line):
        return as_punctuation
    as_tone = _VIQR_RE.sub(_viqr_sub, line + "\x00")[:-1]  # a following character makes it a tone
    punct_word = _LAST_WORD.search(ud.normalize("NFC", as_punctuation))
    tone_word = _LAST_WORD.search(ud.normalize("NFC", as_tone))
    if punct_word is None or tone_word is None:
        return as_punctuation
    if line.rstrip().endswith("?") and not _QUESTION_WORDS.intersection(as_punctuation.lower().split()):
        return as_tone  # a question has a question word; "qua?" on a line without one is "quả"
    counts = [SYLLABLE_COUNTS.get(place_tone(w.group(1).lower(), "hòa"), 0) for w in (punct_word, tone_word)]
    return as_tone if counts[1] > counts[0] else as_punctuation


_QUESTION_WORDS = frozenset("không gì chưa nào sao đâu ai bao mấy à hả nhỉ chứ hay phải ư".split())


def _to_bytes(text: str) -> bytes | None:
    """The legacy bytes behind ``text``: cp1252, with latin-1 for the bytes cp1252 leaves undefined."""
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        pass
    try:
        return text.translate(_CP1252_AS_LATIN1).encode("latin-1")
    except UnicodeEncodeError:
        return None


def decode(text: str, encoding: str) -> str:
    """Read ``text`` (legacy bytes seen through cp1252 / latin-1) as ``encoding``; return NFC."""
    if encoding == "tcvn3":
        out = text.translate(_TCVN3_IN)
    elif encoding == "viscii":
        out = text.translate(_VISCII_IN)
    elif encoding == "vps":
        out = text.translate(_VPS_IN)
    elif encoding == "vni":
        out = _VNI_RE.sub(lambda m: _VNI_IN[m.group()], text)
    elif encoding == "viqr":
        out = "\n".join(_decode_viqr_line(line) for line in text.split("\n"))
    elif encoding == "cp1258":
        out = "".join(
            _cp1258_piece(piece)
            for piece in re.split(
                r"([^\x00-\xff\u0152\u0153\u0160\u0161\u0178"
                r"\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a"
                r"\u20ac\u2122]+)",
                text,
            )
        )
    else:
        raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}")
    result: str = ud.normalize("NFC", out)
    return result


def _cp1258_piece(piece: str) -> str:
    data = _to_bytes(piece)
    if data is None:
        return piece
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError:
        return piece


def decode_bytes(data: bytes, encoding: str) -> str:
    """Decode raw legacy bytes."""
    if encoding == "cp1258":
        decoded: str = ud.normalize("NFC", data.decode("cp1258", errors="replace"))
        return decoded
    return decode(data.decode("latin-1"), encoding)


def encode(text: str, encoding: str) -> bytes:
    """Encode Unicode Vietnamese text; raise ValueError for what the encoding cannot hold."""
    text = ud.normalize("NFC", text)
    if encoding == "cp1258":
        # cp1258 has precomposed â ê ô ơ ư ă đ and some toned letters; the rest is base + tone
        composed = ""
        for ch in text:
            try:
                composed += ch.encode("cp1258").decode("cp1258")
                continue
            except UnicodeEncodeError:
                pass
            nfd = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in nfd if c in _VIQR_TONE.values())
            composed += ud.normalize("NFC", "".join(c for c in nfd if c not in tones)) + tones
        try:
            return composed.encode("cp1258")
        except UnicodeEncodeError as exc:
            raise ValueError(f"cp1258 cannot encode {exc.object[exc.start]!r}") from exc
    if encoding == "viqr":
        return _encode_viqr(text).encode("ascii")
    tables = {"tcvn3": _TCVN3_OUT, "viscii": _VISCII_OUT, "vni": _VNI_OUT, "vps": _VPS_OUT}
    if encoding not in tables:
        raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}")
    table = tables[encoding]
    letter_bytes = set(table.values())  # an ASCII control at a letter's byte would read back as that letter
    out = bytearray()
    for ch in text:
        if ch in table:
            out += table[ch]
        elif ord(ch) < 0x80 and bytes([ord(ch)]) not in letter_bytes:
            out.append(ord(ch))
        else:
            raise ValueError(f"{encoding} cannot encode {ch!r}")
    return bytes(out)


def _encode_viqr(text: str) -> str:
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("dd" if ch == "đ" else "DD")
            continue
        if ord(ch) < 0x80:
            literal_dd = ch in "dD" and out and out[-1] in ("d", "D") and not (len(out) > 1 and out[-2][-1:].isalpha())
            if ch == "\\" or literal_dd or ch in "`'?~.^(+" and out and out[-1][-1:].lower() in "aeiouy`'?~.^(+":
                out.append("\\" + ch)  # RFC 1456 escapes: "\\.", and "d\\d" for a literal "dd" opening a word
            else:
                out.append(ch)
            continue
        nfd = unicodedata.normalize("NFD", ch)
        base, marks = nfd[0], nfd[1:]
        if base not in "aeiouyAEIOUY" or not marks:
            raise ValueError(f"viqr cannot encode {ch!r}")
        q = "".join(k for k, v in _VIQR_QUALITY.items() if v in marks)
        t = "".join(k for k, v in _VIQR_TONE.items() if v in marks)
        out.append(base + q + t)
    return "".join(out)


_WORD = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF\u0300-\u036F]+")


_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_SYMBOL_IN_WORD = re.compile(
    r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][\x80-\xbf\xd7\xf7\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    r"\u2013-\u203a\u20ac\u2122]+[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]"
)


# TCVN3 / VNI letters seen through cp1252 often open a word: "¸n" (án), "®i" (đi), "«ng" (ông)
_SYMBOL_STARTS_WORD = re.compile(
    # not the quotes, dashes, ellipsis, bullet, guillemets or degree sign clean text opens words with
    r"[(\[<\"']?[\xa1-\xaa\xac-\xaf\xb1-\xba\xbc-\xbf\xd7\xf7\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    r"\u0192\u02c6\u02dc\u201a\u201e\u2020\u2021\u2030\u2039\u203a\u20ac\u2122][a-z\u00E0-\u00FF\u1EA1-\u1EF9]"
)


# TCVN 5712's combining tone bytes (0xB0-0xB4: ° ± ² ³ ´) after a vowel, as iconv writes
# composite Unicode: "ly³" (lý), "cu²" (củ), "®©°u" (đầu); the vowel may itself be a TCVN byte.
_TONE_BYTE_AFTER_VOWEL = re.compile("[aeiouyAEIOUY\u00a8-\u00ad][\u00b0-\u00b4]")


# printf and Qt format specifiers: "%s", "%1$S", "%-10.3lf", "%1"
_FORMAT_SPEC = re.compile(r"%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|L|z|j|t)?[diouxXeEfFgGaAcspnSC]|%\d+")


# A keyboard-mnemonic marker between two letters: scored as if absent, so that "Tâ_y" reads as the
# valid "Tây" and a line of clean Unicode Vietnamese is not taken for a legacy encoding.
_MNEMONIC = re.compile(r"(?<=[A-Za-z\u00C0-\u024F\u1E00-\u1EFF])[_&](?=[A-Za-z\u00C0-\u024F\u1E00-\u1EFF])")


def score_text(text: str) -> tuple[int, int, int]:
    """(valid Vietnamese words with marks, marked words that are not Vietnamese, words).

    Marked one-letter words (``ở``, ``ý``) count as neither: in legacy readings of clean text
    they are what guillemets and curly quotes turn into, so they are no evidence either way.

    A legacy-looking symbol between two letters (``Vi®t``) or a control character counts
    as a bad word too.
    """
    good = bad = total = 0
    if "%" in text:  # format specifiers are not letters: "%s×%s" must not read as the word "sì"
        text = _FORMAT_SPEC.sub(" ", text)
    for token in text.split():
        if token.isascii() and not _CTRL.search(token):
            total += 1
            continue
        scored = _score_token(token)
        if "_" in token or "&" in token:
            # a mnemonic marker inside a word ("Tâ_y", "&Tệp") or a placeholder joining two
            # words ("TẬP_TIN"): whichever reading has fewer non-Vietnamese words
            joined = _score_token(_MNEMONIC.sub("", token))
            scored = min(scored, joined, key=lambda s: (s[1], -s[0]))
        good += scored[0]
        bad += scored[1]
        total += scored[2]
    return good, bad, total


def _camel(word: str) -> bool:
    """An upper-case letter right after a lower-case one ("mÌu", "sŨ")."""
    if word.islower() or word.isupper() or word.istitle():
        return False
    return any(a.islower() and b.isupper() for a, b in zip(word, word[1:]))


def _score_token(token: str) -> tuple[int, int, int]:
    good = bad = total = 0
    if (
        _CTRL.search(token)
        or _SYMBOL_IN_WORD.search(token)
        or _SYMBOL_STARTS_WORD.match(token)
        or _TONE_BYTE_AFTER_VOWEL.search(token)
    ):
        bad += 1
    for word in _WORD.findall(token):
        total += 1
        if word.isascii():
            continue
        if len(word) <= 3 and len(unicodedata.normalize("NFC", word)) == 1:
            continue  # a lone letter ("ề", "Ộ", the "Đ" of "Đ.SỐ") is no evidence: « and “ decode to such
        if _camel(word):
            bad += 1  # "mÌu", "sŨ": an upper-case letter after a lower-case one is a misreading
        elif is_vietnamese(word):
            good += 1
        else:
            bad += 1
    return good, bad, total


def _load_syllables() -> dict[str, int]:
    """Syllable -> count in a Debian-catalogue corpus disjoint from the benchmarks (see tools/)."""
    text = resources.files("seedclean.text").joinpath("data/syllables.txt").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {word: int(n) for word, n in rows}


SYLLABLE_COUNTS: Mapping[str, int] = MappingProxyType(_load_syllables())
"""How often each of the ~2,400 commonest Vietnamese syllables occurs (lower case, "hòa" style)."""


def _familiarity(text: str) -> int:
    """Evidence that a reading is real Vietnamese: +2 per common marked syllable, +1 per known
    one, -1 per marked syllable never seen (valid spelling, but "tờn", "tớnh" are misreadings)."""
    total = 0
    for token in text.lower().split():
        for word in _WORD.findall(token):
            if word.isascii():
                continue
            n = SYLLABLE_COUNTS.get(place_tone(word, "hòa"), 0)
            total += 2 if n >= 100 else 1 if n >= 5 else 0 if n else -1
    return total


@dataclass(frozen=True)
class Detection:
    """The verdict on one piece of text: which encoding (or None), the decoded text, and the
    scores of the readings weighed (none when the verdict came before any scoring)."""

    encoding: str | None
    text: str
    scores: dict[str, tuple[int, int, int]]


_HIGH = re.compile(
    r"[\x00-\x08\x0e-\x1f\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    r"\u2013-\u203a\u20ac\u2122]"
)


def _rewritten(text: str, decoded: str) -> int:
    """Words with marks that already read as Vietnamese and that a reading would change.

    VISCII keeps most letters where latin-1 has them, so its text mostly reads as Unicode
    already; a TCVN3 reading of it rewrites those good words ("tên" -> "tờn"): the reading that
    leaves good words alone is the likelier one.
    """
    before, after = text.split(), decoded.split()
    if len(before) != len(after):
        return 0
    return sum(1 for a, b in zip(before, after) if a != b and not a.isascii() and score_text(a)[:2] == (1, 0))


def _looks_latin(text: str) -> bool:
    """Every character Latin, a combining mark or general punctuation: what mojibake of
    Vietnamese or other Latin text decodes to (two legacy bytes can form UTF-8 by chance: ``ß¾``)."""
    return all(c < "\u0370" or "\u1e00" <= c <= "\u1eff" or "\u2000" <= c <= "\u206f" or c == "\u20ac" for c in text)


def detect(text: str, prior: str | None = None) -> Detection:
    """Decide whether ``text`` is legacy-encoded; convert only on a clear win.

    A hypothesis wins when its decoding has at least two more valid Vietnamese syllables with
    marks than the text as it stands, fewer non-Vietnamese words with marks, few such words
    left, and beats the runner-up clearly. ``prior`` (the document's dominant encoding) lowers
    the bar to one more syllable for that encoding alone.
    """
    data = _to_bytes(text)
    if data is not None and not data.isascii():
        try:
            if _looks_latin(data.decode("utf-8")):
                # UTF-8 read as cp1252: mojibake, not a legacy encoding (decided before the costly
                # scoring: whatever the scores, the verdict is None, and None's scores are not read)
                return Detection(None, text, {})
        except UnicodeDecodeError:
            pass
    base = score_text(text)
    scores = {"unicode": base}
    viqr_suspect = maybe_viqr(text)
    if base[1] == 0 and not viqr_suspect and (prior is None or not _HIGH.search(text)):
        return Detection(None, text, scores)
    candidates = []
    for enc in ENCODINGS:
        if enc == "viqr" and (not viqr_suspect or base[0] > 0):
            continue  # VIQR is ASCII: a line already holding Vietnamese letters is not VIQR
        if enc != "viqr" and (not _HIGH.search(text) or data is None):
            continue  # legacy bytes seen through cp1252 / latin-1 hold nothing outside them
        decoded = decode(text, enc)
        if decoded == text:
            continue
        s = score_text(decoded)
        scores[enc] = s
        need = 1 if enc == prior or (enc == "viqr" and _VIQR_STRONG.search(text)) else 2
        repairs_all = enc != "viqr" and base[1] > 0 and s[1] == 0 and s[0] > base[0] and s[2] >= 2
        # a reading that repairs every odd word needs no share of marked words (a code or English
        # line with two Vietnamese words in it); a partial repair needs a quarter of the words
        mostly = s[1] * 3 <= s[0] and s[0] * 4 >= s[2]
        # in a document whose other lines are clearly in ``prior``, a line that reads no worse in
        # it is in it too ("TM\x02C" for "TMỤC": an abbreviation, but the letter is VN1's Ụ)
        follows_prior = (
            enc == prior
            and s[0] >= base[0]
            and (enc == "viqr" or _HIGH.search(text) is not None)
            # "choòn" is a word, "chọn" a common one; a VIQR escape ("gnu\\.org") is evidence by itself
            and (base[1] > 0 or enc == "viqr" or _familiarity(decoded) > _familiarity(text))
        )
        if enc == "viqr":
            # VIQR text is ASCII, so the line as it stands has no odd words to repair: what counts
            # is how much of it reads as Vietnamese. English and code decode into VIQR too, so a
            # non-word is tolerated only among four good ones (a typo: "ddu+on"), and a line needs
            # a quarter of its words, or three syllables, or a mark English never writes ("u+?")
            plenty = s[0] >= 3 or s[0] * 4 >= s[2] or _VIQR_STRONG.search(text) is not None
            ok = (follows_prior or (s[0] >= base[0] + need and plenty)) and s[1] * 4 <= s[0]
        else:
            ok = (repairs_all or follows_prior or (s[0] >= base[0] + need and mostly)) and s[1] <= base[1]
        if ok:
            score = s[0] - 3 * s[1] + _familiarity(decoded) - _rewritten(text, decoded)
            candidates.append((score, enc, decoded))
    if not candidates:
        return Detection(None, text, scores)
    candidates.sort(key=lambda c: (-c[0], ENCODINGS.index(c[1])))
    best = candidates[0]
    if len(candidates) > 1 and candidates[1][2] != best[2] and candidates[1][0] > best[0] - 2:
        # two readings close: the more common encoding wins only if its reading is all Vietnamese
        # and every word case-consistent (a VPS reading of TCVN3 text is usually valid too)
        if scores[best[1]][1] or ENCODINGS.index(best[1]) > ENCODINGS.index(candidates[1][1]):
            return Detection(None, text, scores)  # too close to call
    if prior is None and detect(best[2], best[1]).encoding is not None:
        return Detection(None, text, scores)  # decoding again would change it again: not a clear reading
    return Detection(best[1], best[2], scores)


_clean_tokens: set[str] = set()
# Removed later by the whitespace step anyway; dropped before detection so that a second
# pass over the output sees what the first saw (CONTROL_LETTERS, letters in some encoding, are kept).
_NOISE = re.compile(
    "["
    + "".join(
        re.escape(chr(c)) for c in [*range(0x20), 0x7F] if chr(c) not in CONTROL_LETTERS and chr(c) not in "\t\n\r"
    )
    + "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e\u061c]"
)


def _looks_clean(text: str) -> bool:
    """True if every whitespace token is ASCII or made of valid Vietnamese words (cached)."""
    unknown = set(text.split()).difference(_clean_tokens)
    for token in unknown:
        if score_text(token)[1]:
            return False
        if len(_clean_tokens) > 2_000_000:
            _clean_tokens.clear()
        _clean_tokens.add(token)
    return True


def maybe_viqr(text: str) -> bool:
    """VIQR is ASCII: skip its regex on text where letters outside ASCII are common."""
    if not text.isascii():
        head = text[:400]
        if len(head.encode("utf-8")) - len(head) >= len(head) // 20 + 8:
            return False
        if len(text.encode("utf-8")) - len(text) >= len(text) // 20 + 8:
            return False
    return bool(_VIQR_SUSPECT.search(text))


def fix_legacy(text: str, inert: Sequence[bool] | None = None) -> tuple[str, Counter[str]]:
    """Convert legacy-encoded lines of ``text`` to Unicode; return text and counts per encoding.

    ``inert[i]`` may say that line ``i`` has no legacy reading whatever the document's encoding
    (the normaliser's pre-scan knows: nothing but ASCII, or a letter no legacy byte stands for,
    and no VIQR mark); such a line is not judged again, and still counts for the whole-text checks.
    """
    counts: Counter[str] = Counter()
    if not maybe_viqr(text) and _looks_clean(text):
        return text, counts
    lines = [_NOISE.sub("", line) for line in text.split("\n")]
    skip = inert if inert is not None else [False] * len(lines)
    verdicts = [Detection(None, line, {}) if known else detect(line) for line, known in zip(lines, skip)]
    # a document has one encoding: the one whose lines carry the most valid syllables, and a line
    # decided otherwise (or not at all) follows it when it reads no worse in it
    weight: Counter[str] = Counter()
    for v in verdicts:
        if v.encoding:
            weight[v.encoding] += max(1, v.scores[v.encoding][0])
    prior = min(weight, key=lambda enc: (-weight[enc], ENCODINGS.index(enc))) if weight else None
    out = []
    for line, v, known in zip(lines, verdicts, skip):
        if v.encoding != prior and prior is not None and not known:
            again = detect(line, prior)
            if again.encoding == prior:
                v = again
            elif v.encoding is None:
                v = Detection(None, line, again.scores)
        if v.encoding:
            counts[v.encoding] += 1
        out.append(v.text)
    if not counts:
        return text, counts
    return "\n".join(out), counts
