"""Mojibake repair: UTF-8 text that was decoded with the wrong single-byte code page.

ftfy repairs the cp1252 / latin-1 family (``Tiáº¿ng Viá»‡t`` -> ``Tiếng Việt``), double
mojibake included. It does not know cp1258, the Vietnamese Windows code page, whose mis-decoded
UTF-8 looks like ``khĂ´ng hoĂ ``; :func:`fix_cp1258` handles that case.

ftfy is slow compared with the rest of the pipeline, so it only sees text that the precise
pre-filter :data:`SUSPECT_RE` flags: a UTF-8 lead byte followed by continuation bytes, as
they appear once decoded with cp1252, latin-1 or cp1258. Clean Vietnamese never has a Latin-1
letter directly followed by a C1 control, a symbol from U+00A0-U+00BF or a cp1252 punctuation
character, so clean text is passed over at regex speed.
"""

from __future__ import annotations

import re

import ftfy

__all__ = ["fix_mojibake", "fix_cp1258", "fix_surrogates", "SUSPECT_RE"]


def _decoded(codec: str, lo: int, hi: int) -> str:
    out = []
    for b in range(lo, hi + 1):
        try:
            out.append(bytes([b]).decode(codec))
        except UnicodeDecodeError:
            pass
    return "".join(out)


def _charclass(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(set(chars))) + "]"


# Continuation bytes 0x80-0xBF as the usual wrong code pages show them.
_CONT = _charclass(_decoded("latin-1", 0x80, 0xBF) + _decoded("cp1252", 0x80, 0xBF) + _decoded("cp1258", 0x80, 0xBF))
_LEAD = _charclass(_decoded("latin-1", 0xC2, 0xF4) + _decoded("cp1252", 0xC2, 0xF4) + _decoded("cp1258", 0xC2, 0xF4))
SUSPECT_RE = re.compile(_LEAD + _CONT)

_C = _charclass(_decoded("cp1258", 0x80, 0xBF))
_L2 = _charclass(_decoded("cp1258", 0xC2, 0xDF))
_L3 = _charclass(_decoded("cp1258", 0xE0, 0xEF))
_L4 = _charclass(_decoded("cp1258", 0xF0, 0xF4))
_CP1258_RUN = re.compile(rf"(?:{_L2}{_C}|{_L3}{_C}{{2}}|{_L4}{_C}{{3}})+")
# Characters that only cp1258 (not cp1252 / latin-1) produces from lead bytes.
_CP1258_ONLY = set(_decoded("cp1258", 0xC0, 0xFF)) - set(_decoded("cp1252", 0xC0, 0xFF))

_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def fix_surrogates(text: str) -> tuple[str, int]:
    """Replace lone surrogates (which cannot be encoded) by U+FFFD; return text and count."""
    return _SURROGATE_RE.subn("\ufffd", text)


def _repair_run(match: re.Match[str]) -> str:
    run = match.group()
    if not _CP1258_ONLY.intersection(run):
        return run
    try:
        return run.encode("cp1258").decode("utf-8")
    except UnicodeError:
        return run


def fix_cp1258(text: str) -> tuple[str, int]:
    """Repair UTF-8 text mis-decoded as cp1258 (``khĂ´ng`` -> ``không``); return text and spans fixed."""
    count = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal count
        out = _repair_run(m)
        count += out != m.group()
        return out

    return _CP1258_RUN.sub(repl, text), count


def fix_mojibake(text: str) -> tuple[str, int]:
    """Repair cp1252 / latin-1 / cp1258 mojibake; return the text and the number of lines fixed."""
    if not SUSPECT_RE.search(text):
        return text, 0
    fixed, n1258 = fix_cp1258(text)
    out = ftfy.fix_text(fixed, _FTFY_CONFIG)
    if out == text:
        return text, 0
    if out == fixed:
        return out, n1258
    changed = sum(a != b for a, b in zip(fixed.split("\n"), out.split("\n")))
    return out, n1258 + max(changed, 1)
