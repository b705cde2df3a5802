"""Split a normalised document into units (paragraphs, lines or sentences) and join them back.

``auto`` segmentation takes blank lines as paragraph breaks when a document has them, else each
line as a paragraph, except that a hard-wrapped line stays with the line it continues: one
without closing punctuation followed by one in lower case, and, in a document wrapped at a fixed
width (most line breaks forced: the next word would not have fitted), every forced break; and a
line that is only a format placeholder (``%1``) stays with the message above it. A paragraph
wrapped differently in two files is then one unit in both, and its kept copy is written with
its own line breaks.

Each unit keeps the separator that preceded it, so a document rebuilt from the units it keeps
looks like the input minus the removed units: blank-line documents stay blank-line documents,
line-per-paragraph documents keep their leading-space continuation convention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Segment", "split", "split_with_mode", "join", "detect_mode", "repair_broken_numbers", "MODES"]

MODES = ("auto", "blank", "line")
GRANULARITIES = ("paragraph", "line", "sentence", "document")


@dataclass(frozen=True)
class Segment:
    """One unit of a document: its text and the separator written before it."""

    text: str
    prefix: str = ""


# "... cấp 1." / "000 học bổng ...": a line ending in a 1-3 digit group and a thousands
# separator, and the next line starting with exactly three digits and then a lower-case word.
_BROKEN_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}[.,])\n(\d{3}(?:[.,]\d{3})*)(?=[ ,.;:%)]*[^\W\d_A-ZÀ-Ỹ])")
_BLANK = re.compile(r"\n[ \t]*\n\s*")
_LINE = re.compile(r"\n")
_NOWHERE = re.compile(r"(?!)")


def repair_broken_numbers(text: str) -> tuple[str, int]:
    """Join numbers broken across a line (``1.`` / ``000``) when nothing else can be meant."""
    if ".\n" not in text and ",\n" not in text:
        return text, 0  # the common case, at substring-search speed
    out, n = _BROKEN_NUMBER.subn(lambda m: m.group(1) + m.group(2), text)
    return out, n


def detect_mode(text: str) -> str:
    """``"blank"`` if blank lines separate paragraphs (or there is one line), else ``"line"``."""
    body = text.strip("\n")
    if _BLANK.search(body) or "\n" not in body:
        return "blank"
    return "line"


def _split_on(text: str, sep: re.Pattern[str]) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    prefix = ""
    for m in sep.finditer(text):
        chunk = text[pos : m.start()]
        if chunk.strip():
            out.append(Segment(chunk, prefix))
            prefix = m.group()
        else:
            prefix += chunk + m.group()
        pos = m.end()
    chunk = text[pos:]
    if chunk.strip():
        out.append(Segment(chunk, prefix))
    return out


# A sentence ends at . ! ? or … (with closing quotes/brackets), before a space and a capital,
# digit or opening quote; common Vietnamese abbreviations (Tp., TP., ThS., v.v.) do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*( *\n *| +)(?=[\"“‘(\[]?[A-ZÀ-ỸĐ0-9])")
_ABBREV = re.compile(r"(?:\b(?:Tp|TP|Th\.?S|TS|PGS|GS|Mr|Mrs|Dr|St|Q|P|TT|Ô|B|v\.v|tr)\.|\b[A-ZĐ]\.)$")


_ABBREV_TAIL = 16


def _sentences(seg: Segment) -> list[Segment]:
    text = seg.text
    out: list[Segment] = []
    start = 0
    prefix = seg.prefix
    for m in _SENTENCE_END.finditer(text):
        # an abbreviation is at most 5 characters: test the tail only, or a run of skipped
        # abbreviations ("Tp. Tp. Tp. ...") rescans a growing piece (quadratic)
        if _ABBREV.search(text[max(start, m.start(1) - _ABBREV_TAIL) : m.start(1)]):
            continue
        piece = text[start : m.start(1)]
        out.append(Segment(piece, prefix))
        prefix = m.group(1)
        start = m.end(1)
    out.append(Segment(text[start:], prefix))
    return out


# A line that ends a paragraph ends with sentence or list punctuation; a hard-wrapped line does
# not, and the line after it carries on in lower case ("... tùy chọn -i đặt" / "trước)"), or
# with a number after a comma ("..., 8, 9," / "10, 11, ...").
_ENDS_PARAGRAPH = re.compile(r"[.!?:;…\"”’)\]»]\s*$")
_CONTINUES = re.compile(r"\s*[a-zà-ỹđ(]")
_ENDS_WITH_COMMA = re.compile(r",\s*$")
_STARTS_WITH_DIGIT = re.compile(r"\s*\d")


# a line that is only a format placeholder ("%1", "%s", "%(name)s", "{0}", "$1"): the argument of
# the message above it ("Không thể mở\n%1"), not a paragraph; alone it would be an exact copy
# of every other such line and removed, leaving the message without it
_PLACEHOLDER_LINE = re.compile(r"\s*(?:%(?:\d+|[sdifu]|\([A-Za-z_]\w*\)[sdif])|\{\w*\}|\$\d+)[\s.,:;!?)]*$")


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` carries on the paragraph that ``previous`` was hard-wrapped out of."""
    if _PLACEHOLDER_LINE.match(line):
        return True
    if _ENDS_PARAGRAPH.search(previous):
        return False
    return bool(_CONTINUES.match(line) or (_ENDS_WITH_COMMA.search(previous) and _STARTS_WITH_DIGIT.match(line)))


# A document looks hard-wrapped (help text, mail, man pages, PDF extractions) when its longest
# line is as wide as such wraps are and most of its line breaks were forced: the next line's first
# word would not have fitted on the line. Its forced breaks are wraps. A line that opens a list
# item, an option or a prompt key ("n - ...") continues nothing, unless it was only wrapped there:
# its break is forced, the line before ends mid-sentence, it is not indented, and the document
# has at least two forced breaks (with one, a pair of commands "$ a" / "$ b" looks the same),
# or the line opens with an option after a line that is no item ("... Khi có" / "--reference, ...").
_WRAP_WIDTHS = (30, 100)
_LIST_ITEM = re.compile(r"\s*(?:[-*•–+>]\s|\d{1,3}[.)]\s|[a-zA-Z](?:[.)]|\s[-–:])\s|-{1,2}\w|\$\s)")


def _wrapped_into_item(line: str, next_line: str) -> bool:
    """Whether a forced break that makes ``next_line`` look like a list item, an option or a prompt
    (``-S: ...``, ``--reference, ...``, ``• 1 ...``) is a wrap after all: ``line`` ends mid-sentence
    and ``next_line`` is not indented as list items are."""
    return not _ENDS_PARAGRAPH.search(line) and not next_line[:1].isspace()


_OPTION = re.compile(r"--?\w")
# how an option list defines an option: short and long form (``-v, --verbose``), or a gap before
# the description column (``--strip  xóa ...``)
_OPTION_DEFINITION = re.compile(r"-\w,\s+--|--?[\w-]+(?:[= ]\S+)?\s{2,}")


def _wrapped_into_option(line: str, next_line: str) -> bool:
    """Whether ``next_line`` opens with an option (``--reference, ...``) that ``line``, no list
    item itself, was wrapped before: taken as a wrap even when it is the document's only forced
    break, unless it reads as an option's definition; a bullet there is more often a real one
    (``... cross-disk`` / ``* cross-disk: ...``)."""
    return bool(_OPTION.match(next_line)) and not _OPTION_DEFINITION.match(next_line) and not _LIST_ITEM.match(line)


def _forced(line: str, next_line: str, width: int) -> bool:
    """Whether the break after ``line`` was forced: ``next_line``'s first word would not fit."""
    first = next_line.split(maxsplit=1)
    return bool(first) and len(line.rstrip()) + 1 + len(first[0]) > width


def _wrap_width(lines: list[Segment]) -> tuple[int | None, int]:
    """The width the lines look hard-wrapped at (most breaks forced), or ``None``; and how many
    breaks were forced at that width."""
    if len(lines) < 2:
        return None, 0
    width = max(len(seg.text.rstrip()) for seg in lines)
    if not _WRAP_WIDTHS[0] <= width <= _WRAP_WIDTHS[1]:
        return None, 0
    breaks = [_forced(a.text, b.text, width) for a, b in zip(lines, lines[1:]) if b.prefix == "\n"]
    forced = sum(breaks)
    return (width, forced) if 2 * forced > len(breaks) else (None, 0)


def _unwrap(lines: list[Segment]) -> list[Segment]:
    """Join hard-wrapped lines back into their paragraph, each keeping its own line breaks (the
    lines of a paragraph are collected and joined once: linear in the document's length)."""
    width, forced = _wrap_width(lines)
    groups: list[list[Segment]] = []
    for seg in lines:
        if groups and seg.prefix == "\n":
            last = groups[-1][-1].text  # one line: line mode splits at every line break
            wrapped = width is not None and _forced(last, seg.text, width)
            if (
                (wrapped or _continues(last, seg.text))
                and not _LIST_ITEM.match(seg.text)
                or (
                    wrapped
                    and (forced >= 2 or _wrapped_into_option(last, seg.text))
                    and _wrapped_into_item(last, seg.text)
                )
            ):
                groups[-1].append(seg)
                continue
        groups.append([seg])
    return [
        Segment(group[0].text + "".join(s.prefix + s.text for s in group[1:]), group[0].prefix)
        if len(group) > 1
        else group[0]
        for group in groups
    ]


# A short document without blank lines whose lines are all as narrow as hard wraps (a message
# with its argument, an address, a stanza, a few lines of dialogue, a wrapped paragraph: at most
# SHORT_LINES lines of at most 100 characters) is one paragraph with line breaks, not a list of
# one-line paragraphs: as lines, each could be removed as a copy of a line elsewhere and the
# record lost in pieces, or left as a fragment. Not when a line repeats in it: a paragraph copied
# within a document is still found. Paragraph granularity only (sentences come from each line).
SHORT_LINES = 10


def _short_document(text: str) -> bool:
    """Whether auto keeps this document, in which it found no blank line, whole (``SHORT_LINES``)."""
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    return (
        1 < len(lines) <= SHORT_LINES
        and all(len(line) <= _WRAP_WIDTHS[1] for line in lines)
        and len(set(lines)) == len(lines)
    )


def split(text: str, mode: str = "auto", granularity: str = "paragraph") -> list[Segment]:
    """Split a document into units; ``mode`` says how paragraphs are delimited."""
    return split_with_mode(text, mode, granularity)[0]


def split_with_mode(text: str, mode: str = "auto", granularity: str = "paragraph") -> tuple[list[Segment], str]:
    """:func:`split`, and how the paragraphs were found: ``"blank"``, ``"line"`` (hard-wrapped
    lines joined back under auto), ``"whole"`` (a short document auto keeps as one paragraph) or
    ``"document"`` (``granularity="document"``), as the report's per-document mode names them."""
    if mode not in MODES:
        raise ValueError(f"segmentation mode must be one of {MODES}, not {mode!r}")
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}, not {granularity!r}")
    if granularity == "document":
        return _split_on(text, _NOWHERE), "document"  # the whole document is the unit
    unwrap = False
    if granularity == "line":
        mode = "line"
    elif mode == "auto":
        mode = detect_mode(text)
        unwrap = mode == "line"  # one paragraph per line, unless a line is a hard wrap of the one before
        if unwrap and granularity == "paragraph" and _short_document(text):  # sentences: from each line
            mode, unwrap = "whole", False
    paragraphs = _split_on(text, _BLANK if mode == "blank" else _NOWHERE if mode == "whole" else _LINE)
    if unwrap:
        paragraphs = _unwrap(paragraphs)
    if granularity != "sentence":
        return paragraphs, mode
    return [s for p in paragraphs for s in _sentences(p)], mode


def join(segments: list[Segment], trailer: str = "\n") -> str:
    """Rebuild a document from the segments it keeps (the first loses its leading separator)."""
    if not segments:
        return ""
    parts = [segments[0].prefix.lstrip("\n") + segments[0].text]
    parts += [s.prefix + s.text for s in segments[1:]]
    return "".join(parts) + trailer
