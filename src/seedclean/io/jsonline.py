"""One JSONL record read and written back with only its text field changed.

The other fields are validated but never turned into Python values and back: a line is cut
around the text value, so ``1e999``, ``1e5``, 5,000-digit integers, key order, escapes and lone
surrogates in other fields are written back exactly as they came.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]
from json.encoder import encode_basestring
from typing import Any

__all__ = ["JsonLine", "JsonLineError", "JsonlRecords", "parse_line", "MISSING"]

# Numbers and constants stay strings: no int-size limit, no float overflow, nothing evaluated.
_DECODER = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)
_WS = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
MISSING = object()  # the text field is absent
_KIND = {"{": "an object", "[": "a list", "t": "a boolean", "f": "a boolean", "n": "null"}


class JsonLineError(ValueError):
    """The line is not one JSON object."""


@dataclass(frozen=True)
class JsonLine:
    """A JSONL line without its text value: everything before it and everything after it."""

    head: str
    tail: str

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled by its fields: faster than a dataclass's default (spooled once per record)
        return (JsonLine, (self.head, self.tail))

    def with_text(self, text: str) -> str:
        """The line with ``text`` as the text value (no line ending): what
        ``json.dumps(text, ensure_ascii=False)`` writes, without making an encoder per call."""
        return self.head + encode_basestring(text) + self.tail


class JsonlRecords:
    """The records of JSONL files (a piece of one, or a few whole ones) as columns: per record its
    file (number and name), line number, text, the text's UTF-8 as read (when its JSON had no
    escape), the line around the text (head and tail), its record id and where that came from.
    What the reader hands the preparing stage in place of a ``Document`` (with a meta dict and a
    ``JsonLine``) per record: the same fields, a few list appends each. Records are added to the
    file named by :attr:`file` and :attr:`name` at the time."""

    __slots__ = ("file", "name", "files", "names", "lines", "texts", "utf8", "heads", "tails", "record_ids", "id_from")

    def __init__(self, file: int, name: str) -> None:
        self.file, self.name = file, name
        self.files: list[int] = []
        self.names: list[str] = []
        self.lines: list[int] = []
        self.texts: list[str] = []
        self.utf8: list[bytes | None] = []
        self.heads: list[str] = []
        self.tails: list[str] = []
        self.record_ids: list[str] = []
        self.id_from: list[str] = []

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, line: int, text: str, utf8: bytes | None, head: str, tail: str, record_id: str, id_from: str) -> None:
        """One more record."""
        self.files.append(self.file)
        self.names.append(self.name)
        self.lines.append(line)
        self.texts.append(text)
        self.utf8.append(utf8)
        self.heads.append(head)
        self.tails.append(tail)
        self.record_ids.append(record_id)
        self.id_from.append(id_from)

    def extend(
        self,
        lines: Iterable[int],
        texts: list[str],
        utf8: list[bytes | None] | list[bytes],
        heads: list[str],
        tails: list[str],
        record_ids: list[str],
        id_from: list[str],
    ) -> None:
        """Many more records, a column at a time."""
        self.files += [self.file] * len(texts)
        self.names += [self.name] * len(texts)
        self.lines.extend(lines)
        self.texts += texts
        self.utf8 += utf8
        self.heads += heads
        self.tails += tails
        self.record_ids += record_ids
        self.id_from += id_from

    def doc_ids(self) -> list[str]:
        """Each record's document id, ``file:line`` (what the reader names a ``Document``)."""
        return [f"{name}:{line}" for name, line in zip(self.names, self.lines)]


@dataclass(frozen=True)
class ParsedLine:
    """What :func:`parse_line` found: the text value (or what stood there), the line around it,
    and how often the text key occurred (JSON keeps the last, as Python's json does)."""

    text: Any  # str, MISSING, or a str naming the kind of value found ("a number", "null", ...)
    is_text: bool
    line: JsonLine | None
    occurrences: int
    keys: tuple[str, ...] = ()  # the record's keys, given only when the text field is missing
    record_id: str | None = None  # the id field's value (a string as such, anything else as JSON text)


_WS_CHARS = frozenset(" \t\n\r")


def _ws(line: str, idx: int) -> int:
    """The index of the first non-whitespace character at or after ``idx``: JSON puts none or one
    space between tokens, so those cases skip the regex (a long run still takes it: linear)."""
    if line[idx : idx + 1] not in _WS_CHARS:  # "" at the end is not in the set
        return idx
    if line[idx + 1 : idx + 2] not in _WS_CHARS:
        return idx + 1
    return _WS.match(line, idx).end()  # type: ignore[union-attr]


def parse_line(line: str, text_field: str, id_field: str | None = None) -> ParsedLine:
    """Find ``text_field`` in a one-object JSON line; raise JsonLineError if the line is not one
    JSON object. Deep nesting raises RecursionError (the caller warns for that line)."""
    body = line.rstrip("\r\n")
    try:
        idx = _ws(body, 0)
        if body[idx] != "{":
            raise JsonLineError("not a JSON object")
        idx = _ws(body, idx + 1)
        span: tuple[int, int] | None = None
        text_value: Any = None
        occurrences = 0
        keys: list[str] = []
        record_id: str | None = None
        if body[idx] == "}":
            idx += 1
        else:
            while True:
                if body[idx] != '"':
                    raise JsonLineError(f"invalid JSON: expected a key at column {idx + 1}")
                key, idx = scanstring(body, idx + 1, True)
                idx = _ws(body, idx)
                if body[idx] != ":":
                    raise JsonLineError(f"invalid JSON: expected ':' at column {idx + 1}")
                start = _ws(body, idx + 1)
                try:
                    _value, end = _DECODER.scan_once(body, start)  # type: ignore[attr-defined]
                except StopIteration:
                    raise JsonLineError(f"invalid JSON: expected a value at column {start + 1}") from None
                # the id: a plain string as such; null: none; anything else (or a lone surrogate) as its JSON
                if key == id_field:
                    plain = isinstance(_value, str) and body[start] == '"' and not _SURROGATE.search(_value)
                    record_id = _value if plain else None if _value is None else body[start:end]
                if key == text_field:
                    span, occurrences, text_value = (start, end), occurrences + 1, _value
                elif span is None and len(keys) < 20:
                    keys.append(key)
                idx = _ws(body, end)
                if body[idx] == ",":
                    idx = _ws(body, idx + 1)
                    continue
                if body[idx] == "}":
                    idx += 1
                    break
                raise JsonLineError(f"invalid JSON: expected ',' or '}}' at column {idx + 1}")
        if _ws(body, idx) != len(body):
            raise JsonLineError(f"invalid JSON: extra data after the object at column {idx + 1}")
    except IndexError:
        raise JsonLineError("invalid JSON: the line ends inside the object") from None
    except json.JSONDecodeError as exc:
        # json's messages may end in "at" ("Unterminated string starting at"): one "at" is enough
        raise JsonLineError(f"invalid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}") from None
    if span is None:
        return ParsedLine(MISSING, False, None, 0, tuple(keys), record_id)
    start, end = span
    around = JsonLine(body[:start], body[end:])
    first = body[start]
    if first != '"':
        kind = _KIND.get(first, "a number")
        return ParsedLine(kind, False, around, occurrences, (), record_id)
    return ParsedLine(text_value, True, around, occurrences, (), record_id)  # decoded once, by scan_once


SCAN_READ = 0  # a line the scanner read: one object, one string text field, plain keys
SCAN_SLOW = 1  # anything else: the line-by-line parser decides (and warns)
SCAN_BLANK = 2  # spaces only
_MAX_DEPTH = 64  # deeper nesting is left to the line-by-line parser


@dataclass(frozen=True)
class LineScan:
    """What :func:`scan_lines` found per line: status, end of the body (line ending cut), the
    text value's and the id value's byte spans (quotes included; -1 when absent) and whether
    the text value has an escape (1) or a ``\\u`` escape (2, bits)."""

    status: Any  # np.ndarray uint8
    body_end: Any  # np.ndarray int64
    spans: Any  # np.ndarray int64 (lines, 4): text start, text end, id start, id end
    text_flags: Any  # np.ndarray uint8


def scan_lines(data: Any, starts: Any, ends: Any, text_field: str, id_field: str | None) -> LineScan:
    """Scan many JSONL lines (``data`` a uint8 array, line ``l`` at ``starts[l]:ends[l]``) with the
    compiled strict JSON scanner: the lines it reads are exactly those :func:`parse_line` would
    read as one object whose text field is one string (keys without escapes), so the reader
    takes their text and the line around it from the spans without parsing them in Python."""
    import numpy as np

    from seedclean.fingerprint.kernels import compiled

    text_key = np.frombuffer(text_field.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    id_key = np.frombuffer((id_field or "").encode("utf-8", "surrogatepass"), dtype=np.uint8)
    status, body_end, spans, flags = compiled().jsonl_scan_kernel(
        data, starts, ends, text_key, id_key, id_field is not None, _MAX_DEPTH
    )
    return LineScan(status, body_end, spans, flags)
