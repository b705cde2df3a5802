"""Find input files and read them into documents, turning every problem into a counted warning.

Formats: ``.txt`` (one document per file), ``.jsonl`` / ``.jsonl.gz`` (one document per line,
text in ``text_field``), ``.parquet`` (one document per row). Text files are decoded as UTF-8
(BOM honoured), UTF-16 with a BOM, or, when the bytes are not UTF-8 at all, cp1252 with a
warning; invalid bytes inside otherwise-UTF-8 text become U+FFFD and are counted. Binary files
are skipped with a warning. Nothing is dropped without an entry in the warnings list.
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import numpy as np

from seedclean.clustering.dedup import Document
from seedclean.errors import InputError
from seedclean.fingerprint.kernels import HAVE_NUMBA
from seedclean.io.jsonline import (
    MISSING,
    SCAN_BLANK,
    SCAN_READ,
    SCAN_SLOW,
    JsonLine,
    JsonLineError,
    JsonlRecords,
    LineScan,
    parse_line,
    scan_lines,
)

__all__ = [
    "InputFile",
    "InputError",
    "Piece",
    "discover",
    "read_documents",
    "read_piece",
    "plan_pieces",
    "PieceMerger",
    "PieceRead",
    "decode_bytes",
    "FORMATS",
]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MAX_RECORD_BYTES = 256 << 20  # a longer JSONL line is skipped with a warning, read in bounded memory
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # what makes a file look non-empty but show nothing
FORMATS = {".txt": "txt", ".txt.gz": "txt", ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".parquet": "parquet"}
DEFAULT_INCLUDE = ("*.txt", "*.txt.gz", "*.jsonl", "*.jsonl.gz", "*.parquet")


@dataclass(frozen=True)
class InputFile:
    """One file to read: where it is, its path relative to its input root, and its format."""

    path: Path | None  # None for stdin
    rel: str
    format: str

    @property
    def name(self) -> str:
        """``rel`` as it can be printed and stored in JSON: bytes of a file name that are not
        UTF-8 (held as surrogate escapes) shown as ``\\xNN``."""
        return display_name(self.rel)


def display_name(rel: str) -> str:
    """A file name that encodes as UTF-8: undecodable bytes shown as ``\\xNN``."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class Warnings:
    """Collected warnings: one dict per event, with kind, file, line and message."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, file: str, message: str, line: int | None = None) -> None:
        entry: dict[str, Any] = {"kind": kind, "file": file, "message": message}
        if line is not None:
            entry["line"] = line
        self.items.append(entry)


def format_of(name: str) -> str | None:
    low = name.lower()
    for ext in sorted(FORMATS, key=len, reverse=True):
        if low.endswith(ext):
            return FORMATS[ext]
    return None


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in patterns)


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (both made absolute, links not resolved), as posix text."""
    return Path(os.path.abspath(path)).relative_to(root).as_posix()


def _mirror_root(inputs: list[str]) -> Path | None:
    """The folder output paths are relative to: a lone folder itself, the folder of files given
    together, else the common parent of the inputs (so ``d1/a.txt`` and ``d2/a.txt`` keep their
    folders apart)."""
    bases = {os.path.abspath(item if os.path.isdir(item) else os.path.dirname(item) or ".") for item in inputs}
    if not bases:
        return None
    if len(bases) == 1:
        return Path(bases.pop())
    return Path(os.path.commonpath(sorted(bases)))


def discover(
    inputs: list[str],
    include: tuple[str, ...] = DEFAULT_INCLUDE,
    exclude: tuple[str, ...] = (),
    stdin_format: str = "txt",
    reserved: frozenset[str] = frozenset(),
    warnings: Warnings | None = None,
) -> list[InputFile]:
    """Expand files, folders (recursively, sorted) and ``-`` into input files; raise InputError.

    Output paths mirror the inputs relative to their common parent; two inputs that would still
    be written to one path (or onto a ``reserved`` name such as report.json) are an error
    before any work, never a silent overwrite.
    """
    if not inputs:
        raise InputError("no input given")
    root = _mirror_root([item for item in inputs if item != "-"])
    out: list[InputFile] = []
    owner: dict[str, str] = {name: "the run's own " + name for name in reserved}
    for item in inputs:
        if item == "-":
            found: list[tuple[Path | None, str, str]] = [(None, f"stdin.{stdin_format}", stdin_format)]
        else:
            path = Path(item)
            if not path.exists():
                raise InputError(f"input not found: {item}")
            if path.is_dir():
                files = []
                for p in _walk(path, warnings):
                    rel = p.relative_to(path).as_posix()
                    if not _matches(rel, include) or _matches(rel, exclude):
                        continue
                    if p.is_file():
                        files.append(p)
                    elif warnings is not None:  # a link to nothing or to a folder
                        where = _relative(p, root) if root is not None else rel
                        warnings.add(
                            "unreadable", display_name(where), f"not read: a link to {os.readlink(p)}, not a file"
                        )
                if not files:
                    raise InputError(f"no files matching {', '.join(include)} in folder: {item}")
            else:
                files = [path]
            assert root is not None
            found = [(p, _relative(p, root), format_of(p.name) or "txt") for p in files]
        for source, rel, fmt in found:
            where = "standard input" if source is None else str(source)
            if rel in owner:
                raise InputError(
                    f"{where} and {owner[rel]} would both be written to {rel}; give them apart or rename one"
                )
            owner[rel] = where
            out.append(InputFile(source, rel, fmt))
    return out


def _walk(folder: Path, warnings: Warnings | None) -> list[Path]:
    """Files below ``folder``, sorted; an unreadable root is an InputError, an unreadable
    sub-folder a warning (never skipped in silence)."""
    try:
        with os.scandir(folder):
            pass
    except OSError as exc:
        raise InputError(f"cannot read folder {folder}: {exc.strerror or exc}") from None

    def skipped(exc: OSError) -> None:
        where = Path(exc.filename or folder)
        rel = where.relative_to(folder).as_posix() if where != folder else "."
        if warnings is not None:
            warnings.add("unreadable", display_name(rel), f"folder not read: {exc.strerror or exc}")

    found = []
    for root, dirs, names in os.walk(folder, onerror=skipped):
        dirs.sort()
        # a link to nothing is listed too: the caller warns of it if it is an input (no silence)
        found += [Path(root) / n for n in names if (Path(root) / n).is_file() or (Path(root) / n).is_symlink()]
    return sorted(found)


def decode_bytes(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Decode file bytes; return (text, warning kind, warning message). Text None = skipped."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    else:
        for bom, codec in _BOMS:  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
            if data.startswith(bom):
                try:
                    return data.decode(codec), None, None
                except UnicodeDecodeError as exc:
                    return (
                        None,
                        "undecodable",
                        f"{codec.upper()} byte order mark but invalid {codec.upper()} ({exc.reason})",
                    )
    if b"\x00" in data[:8192]:
        return None, "binary", "binary file (NUL bytes), skipped"
    try:
        return data.decode("utf-8"), None, None
    except UnicodeDecodeError as exc:
        first = exc.start
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\xef\xbf\xbd".encode("latin-1"))
    multibyte = sum(1 for c in text if c > "\x7f" and c != "\ufffd")
    line = data.count(b"\n", 0, first) + 1
    if multibyte > bad:
        return (
            text,
            "invalid_utf8",
            f"{bad} invalid UTF-8 byte sequence(s) replaced by U+FFFD (first on line {line})",
        )
    try:
        legacy = data.decode("cp1252")
        codec = "cp1252"
    except UnicodeDecodeError:
        legacy = data.decode("latin-1")
        codec = "latin-1"
    return legacy, "legacy_decode", f"not UTF-8 (first bad byte on line {line}); decoded as {codec}"


def _describe(exc: BaseException) -> str:
    """A one-line reason for a read error of any kind (OSError, EOFError, zlib.error, ...)."""
    if isinstance(exc, EOFError):
        return "compressed data ends early (truncated file)"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text[:200]


_READ_ERRORS = (OSError, EOFError, zlib.error)


def _named_gz(f: InputFile) -> bool:
    return f.path is not None and f.path.name.lower().endswith(".gz")


def _gzipped(f: InputFile) -> bool:
    """Whether ``f`` is read through gzip: named ``.gz`` and starting with gzip's magic bytes. An
    empty file so named is empty, and a plain one is read as it is (with a warning)."""
    if not _named_gz(f):
        return False
    assert f.path is not None
    try:
        with open(f.path, "rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError:
        return True  # the read that follows reports why


def _size(f: InputFile) -> int:
    """The file's size in bytes (0 for stdin or a file that cannot be looked at: its read says why)."""
    try:
        return os.path.getsize(f.path) if f.path is not None else 0
    except OSError:
        return 0


def _open_bytes(f: InputFile, gzipped: bool) -> tuple[bytes, str | None]:
    """The file's bytes (decompressed when ``gzipped``), and why they stop early if a ``.gz`` is
    damaged: whatever decompressed before the damage is kept."""
    data = sys.stdin.buffer.read() if f.path is None else f.path.read_bytes()
    if not gzipped:
        return data, None
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data)
    except zlib.error as exc:
        return b"", f"not a readable gzip file ({exc})"
    if not inflater.eof:
        return out, "compressed data ends early (truncated file)"
    return out, None


_SHOWN = re.compile(f"[^\\s{INVISIBLE}]")  # a character that is neither white space nor invisible


def _has_text(text: str) -> bool:
    """True if the text shows something: not only spaces and invisible characters (one search
    that stops at the first shown character, usually the first; :func:`_has_text_reference`)."""
    return _SHOWN.search(text) is not None


def _has_text_reference(text: str) -> bool:
    """:func:`_has_text` character by character (``str.isspace`` is what ``\\s`` matches)."""
    return any(not c.isspace() and c not in INVISIBLE for c in text)


def read_documents(
    files: list[InputFile],
    text_field: str,
    warnings: Warnings,
    max_record_bytes: int = MAX_RECORD_BYTES,
    id_field: str | None = "id",
    columns: JsonlRecords | None = None,
    numbers: list[int] | None = None,
) -> Iterator[Document]:
    """Documents of every file in order; meta holds the source file index and, for JSONL, the
    line around the text (:class:`JsonLine`), for Parquet the row number. With ``columns``,
    JSONL records go there instead (other files still come as documents); ``numbers``: each
    file's number, if not its place in ``files``."""
    for place, f in enumerate(files):
        number = numbers[place] if numbers is not None else place
        if f.format == "parquet":
            yield from _read_parquet(number, f, text_field, warnings, id_field)
            continue
        gzipped = _gzipped(f)  # looked at once: the magic bytes decide, not the name alone
        if _named_gz(f) and not gzipped and _size(f):
            warnings.add("not_gzip", f.name, "named .gz but not gzip-compressed: read as it is")
        if f.format == "jsonl":  # streamed line by line: a corpus file is never held whole
            lines = _binary_lines(f, gzipped, max_record_bytes)
            if columns is not None:
                columns.file, columns.name = number, f.name
            yield from _read_jsonl(number, f, lines, text_field, warnings, id_field=id_field, columns=columns)
            continue
        try:
            data, damage = _open_bytes(f, gzipped)
        except _READ_ERRORS as exc:
            warnings.add("unreadable", f.name, f"cannot read: {_describe(exc)}")
            continue
        if damage:
            warnings.add("damaged", f.name, f"{damage}; the {len(data):,} bytes before it were kept")
        text, kind, message = decode_bytes(data)
        if kind:
            warnings.add(kind, f.name, message or kind)
        if text is None:
            continue
        if not _has_text(text):
            warnings.add("empty", f.name, "empty file (no text)")
        yield Document(f.name, text, {"file": number})


Line = tuple[bytes, int]  # (line bytes, or b"" for an over-long line; its length in bytes)


def _bounded_lines(fh: Any, limit: int) -> Iterator[Line]:
    """Lines of a binary file; a line over ``limit`` bytes is skipped in chunks (bounded memory)
    and reported by its length with empty bytes."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, len(line)
            continue
        size = len(line)
        while line and not line.endswith(b"\n"):
            line = fh.readline(1 << 20)
            size += len(line)
        yield b"", size


def _binary_lines(f: InputFile, gzipped: bool, limit: int = MAX_RECORD_BYTES) -> Iterator[Line]:
    if f.path is None:
        yield from _bounded_lines(sys.stdin.buffer, limit)
        return
    opener = gzip.open if gzipped else open
    with opener(f.path, "rb") as fh:
        yield from _bounded_lines(fh, limit)


_CHUNK_LINES = 4096  # JSONL lines scanned together by the compiled scanner
_CHUNK_BYTES = 1 << 20  # or about this many bytes of them
_BLOCK_BYTES = 64 << 20  # a piece of a file up to this size is read at once (else line by line)


@dataclass
class _Chunk:
    """Consecutive JSONL lines as one block of bytes: line ``k`` is ``block[starts[k]:ends[k]]``
    (line ending included) and ``sizes[k]`` long in the file; an over-long line has no bytes in
    the block (``starts[k] == ends[k]``) but its size. ``error``: a read error that ended the
    stream after these lines."""

    block: bytes
    starts: np.ndarray
    ends: np.ndarray
    sizes: list[int]
    error: BaseException | None = None

    def raw(self, k: int) -> bytes:
        """Line ``k``'s bytes (empty for an over-long line)."""
        return self.block[int(self.starts[k]) : int(self.ends[k])]


def _line_chunks(lines: Iterator[Line]) -> Iterator[_Chunk]:
    """Consecutive lines in chunks; a read error ends the stream with the chunk read before it."""
    chunk: list[Line] = []
    size = 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            break
        except _READ_ERRORS as exc:
            yield _joined(chunk, exc)
            return
        chunk.append(line)
        size += line[1]
        if len(chunk) >= _CHUNK_LINES or size >= _CHUNK_BYTES:
            yield _joined(chunk)
            chunk, size = [], 0
    if chunk:
        yield _joined(chunk)


def _joined(chunk: list[Line], error: BaseException | None = None) -> _Chunk:
    """Lines read one by one, as a chunk."""
    lengths = np.fromiter((len(raw) for raw, _size in chunk), dtype=np.int64, count=len(chunk))
    ends = np.cumsum(lengths)
    return _Chunk(b"".join(raw for raw, _size in chunk), ends - lengths, ends, [size for _raw, size in chunk], error)


def _block_chunks(data: bytes, limit: int) -> Iterator[_Chunk]:
    """The lines of ``data`` (whole lines, read at once) in chunks, cut at the same counts as
    :func:`_line_chunks` cuts lines read one by one; a line of more than ``limit`` bytes before
    its ``\\n`` is over-long."""
    breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
    ends = breaks if len(breaks) and breaks[-1] == len(data) else np.append(breaks, len(data))
    if not len(data):
        ends = ends[:0]
    starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
    sizes = ends - starts
    # over-long as _bounded_lines finds it: more than ``limit`` bytes before the line ending
    content = sizes - (np.frombuffer(data, dtype=np.uint8)[ends - 1] == 10) if len(ends) else sizes
    # where _line_chunks would cut: after _CHUNK_LINES lines or once _CHUNK_BYTES are reached
    first = 0
    while first < len(ends):
        total = np.cumsum(sizes[first : first + _CHUNK_LINES])
        reached = np.flatnonzero(total >= _CHUNK_BYTES)
        last = first + (int(reached[0]) + 1 if len(reached) else len(total))
        lo, hi = int(starts[first]), int(ends[last - 1])
        block = data[lo:hi]
        chunk_starts, chunk_ends = starts[first:last] - lo, ends[first:last] - lo
        over = np.flatnonzero(content[first:last] > limit)
        if len(over):  # no bytes for an over-long line, as _bounded_lines gives none
            chunk_ends = chunk_ends.copy()
            chunk_ends[over] = chunk_starts[over]
        yield _Chunk(block, chunk_starts, chunk_ends, sizes[first:last].tolist())
        first = last


def _scan_chunk(chunk: _Chunk, text_field: str, id_field: str | None) -> LineScan:
    """The chunk's compiled scan. The scan does not check UTF-8: a line whose pieces do not
    decode takes the line-by-line path (which warns)."""
    data = np.frombuffer(chunk.block, dtype=np.uint8)
    return scan_lines(data, chunk.starts, chunk.ends, text_field, id_field)


def _json_string(literal: bytes, flags: int) -> str:
    """The value of a JSON string literal the scanner checked (quotes included)."""
    if not flags:
        return literal[1:-1].decode("utf-8")
    return str(scanstring(literal.decode("utf-8"), 1, True)[0])


def _record_id(literal: bytes) -> str | None:
    """The record id from its JSON value as :func:`parse_line` gives it: a string as such, null
    as none (the record is named by its line, as a Parquet row with a null id is by its row), any
    other value (or a string holding a lone surrogate) as its JSON text."""
    if literal == b"null":
        return None
    if literal[:1] == b'"':
        value = _json_string(literal, 1 if b"\\" in literal else 0)
        if not (b"\\u" in literal and _LONE_SURROGATE.search(value)):
            return value
    return literal.decode("utf-8")


def _read_jsonl(
    number: int,
    f: InputFile,
    lines: Iterator[Line] | bytes,
    text_field: str,
    warnings: Warnings,
    first_of_file: bool = True,
    whole_file: bool = True,
    id_field: str | None = "id",
    keys_seen: set[str] | None = None,
    scan: bool = HAVE_NUMBA,
    columns: JsonlRecords | None = None,
    limit: int = MAX_RECORD_BYTES,
) -> Iterator[Document]:
    """Documents of a JSONL stream; every line that is not a record with text is a warning
    naming its line, and a read error stops the file with a warning after the last good line.
    For part of a file (``whole_file`` false) the keys of records without the text field go
    into ``keys_seen``: the caller decides once it has every part.

    Lines are read in chunks: with ``scan``, the compiled scanner reads the plain records
    (one object, one string text field) from their bytes, and every other line goes through
    :func:`parse_line` one by one; both give the same documents and warnings. With ``columns``,
    the records are added to it instead of yielded as documents. ``lines`` may be the bytes of
    whole lines read at once (a piece of a file), a line over ``limit`` bytes then skipped."""
    seen = i = texts = 0
    missing_keys: set[str] = set()
    name = f.name

    def one_line(raw: bytes, size: int) -> Document | None:
        """The line-by-line path: a document, or None (a warning said why, or the line is blank)."""
        nonlocal seen, texts
        if not raw and size:
            warnings.add("too_long", name, f"line of {size:,} bytes is over the record size limit; record skipped", i)
            seen += 1
            return None
        if i == 1 and first_of_file and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
            escaped = "\\u" in line  # valid UTF-8 holds no surrogate: only a \u escape can bring one
        except UnicodeDecodeError:
            decoded, _kind, message = decode_bytes(raw)
            warnings.add("invalid_utf8", name, (message or "not UTF-8").split(" (first")[0], i)
            line = decoded or ""
            escaped = True
        if not line.strip():
            return None
        seen += 1
        try:
            parsed = parse_line(line, text_field, id_field)
        except JsonLineError as exc:
            warnings.add("bad_json", name, f"{exc}; record skipped", i)
            return None
        except RecursionError:
            warnings.add("bad_json", name, "JSON nested too deeply; record skipped", i)
            return None
        if not parsed.is_text:
            missing_keys.update(parsed.keys)
            what = "missing" if parsed.text is MISSING else f"{parsed.text}, not a string"
            warnings.add("no_text_field", name, f"field {text_field!r} is {what}; record skipped", i)
            return None
        if parsed.occurrences > 1:
            warnings.add(
                "duplicate_key", name, f"field {text_field!r} appears {parsed.occurrences} times; the last is used", i
            )
        assert parsed.line is not None  # a text value always has a line around it
        return record(parsed.text, escaped, parsed.line.head, parsed.line.tail, parsed.record_id)

    def record(
        text: str, escaped: bool, head: str, tail: str, record_id: str | None, utf8: bytes | None = None
    ) -> Document | None:
        """The record as a ``Document``, or None once it is added to ``columns``."""
        nonlocal texts
        texts += 1
        text = _checked_text(text, escaped, warnings, name, text_field, i)
        record_id, id_from = (record_id, id_field or "") if record_id is not None else (str(i), "line")
        if columns is not None:
            columns.add(i, text, utf8, head, tail, record_id, id_from)
            return None
        meta = {"file": number, "record": JsonLine(head, tail), "record_id": record_id, "id_from": id_from}
        return Document(f"{name}:{i}", text, meta)

    chunks = _block_chunks(lines, limit) if isinstance(lines, bytes) else _line_chunks(lines)
    for chunk in chunks:
        found = _scan_chunk(chunk, text_field, id_field) if scan and chunk.sizes else None
        block = chunk.block
        if found is not None:  # per-line values as lists: a numpy scalar per access costs more
            statuses = found.status.tolist()
            text_starts, text_ends, id_starts, id_ends = (found.spans[:, c].tolist() for c in range(4))
            flags_of, line_starts, body_ends = found.text_flags.tolist(), chunk.starts.tolist(), found.body_end.tolist()
            line_ends = chunk.ends.tolist()
        if columns is not None and found is not None and _all_plain(found, chunk, i == 0 and first_of_file):
            added = _add_plain_chunk(columns, chunk, found, i, id_field, text_field, warnings, name)
            if added:
                i += added
                seen += added
                texts += added
                continue
        for k, size in enumerate(chunk.sizes):
            i += 1
            # an over-long line has no bytes: the line-by-line path warns of it
            status = statuses[k] if found is not None and line_ends[k] > line_starts[k] else SCAN_SLOW
            if status == SCAN_BLANK:
                continue
            if status == SCAN_READ and not (i == 1 and first_of_file and chunk.raw(k).startswith(codecs.BOM_UTF8)):
                flags = flags_of[k]
                # no escape: the text's UTF-8 is the literal's inside, kept for the preparing stage
                utf8 = None if flags else block[text_starts[k] + 1 : text_ends[k] - 1]
                try:  # the head, the text and the tail cover every byte of the line
                    head = block[line_starts[k] : text_starts[k]].decode("utf-8")
                    tail = block[text_ends[k] : body_ends[k]].decode("utf-8")
                    text = (
                        utf8.decode("utf-8")
                        if utf8 is not None
                        else _json_string(block[text_starts[k] : text_ends[k]], flags)
                    )
                except UnicodeDecodeError:
                    pass  # not UTF-8: the line-by-line path below warns of it
                else:
                    seen += 1
                    record_id = _record_id(block[id_starts[k] : id_ends[k]]) if id_starts[k] >= 0 else None
                    doc = record(text, bool(flags & 2), head, tail, record_id, utf8)
                    if doc is not None:
                        yield doc
                    continue
            doc = one_line(chunk.raw(k), size)
            if doc is not None:
                yield doc
        if chunk.error is not None:
            warnings.add(
                "damaged",
                name,
                f"cannot read past line {i}: {_describe(chunk.error)}; the records before it were kept",
                i,
            )
            break
    if not seen:
        warnings.add("empty", name, "empty file (no records)")
    elif not texts and missing_keys and whole_file:  # the same rule as a Parquet file without the column
        raise no_text_field_error(name, text_field, missing_keys)
    if keys_seen is not None and not texts:
        keys_seen.update(missing_keys)


def _checked_text(text: str, escaped: bool, warnings: Warnings, name: str, text_field: str, line: int) -> str:
    """A record's text as kept: lone surrogates a ``\\u`` escape brought (``escaped``) replaced
    by U+FFFD, each fault a warning naming the line, as is a text that shows nothing."""
    if escaped and _LONE_SURROGATE.search(text):
        text, count = _LONE_SURROGATE.subn("\ufffd", text)
        warnings.add("invalid_utf8", name, f"{count} lone surrogate escape(s) in the text replaced by U+FFFD", line)
    if not _has_text(text):
        warnings.add("empty_text", name, f"field {text_field!r} has no text; record kept as it is", line)
    return text


def _all_plain(found: LineScan, chunk: _Chunk, file_start: bool) -> bool:
    """Whether every line of the chunk is a record the scanner read (and the first line of a
    file has no BOM): what :func:`_add_plain_chunk` takes whole."""
    if not (found.status == SCAN_READ).all() or (chunk.ends <= chunk.starts).any():
        return False
    return not (file_start and chunk.block.startswith(codecs.BOM_UTF8))


def _add_plain_chunk(
    columns: JsonlRecords,
    chunk: _Chunk,
    found: LineScan,
    before: int,
    id_field: str | None,
    text_field: str,
    warnings: Warnings,
    name: str,
) -> int:
    """Add a chunk of records the scanner read (:func:`_all_plain`) to ``columns`` a column at a time, as
    the line-by-line loop of :func:`_read_jsonl` would one record at a time (same records, same
    warnings); ``before`` lines came before the chunk. Returns the records added, or 0 if a line
    does not decode (the loop then reads the chunk and warns)."""
    block = chunk.block
    text_starts, text_ends, id_starts, id_ends = (found.spans[:, c].tolist() for c in range(4))
    flags = found.text_flags.tolist()
    try:
        # a text without an escape is the UTF-8 inside its quotes (kept for the preparing stage)
        utf8 = [None if g else block[a + 1 : b - 1] for a, b, g in zip(text_starts, text_ends, flags)]
        texts = [
            u.decode("utf-8") if u is not None else _json_string(block[a:b], g)
            for u, a, b, g in zip(utf8, text_starts, text_ends, flags)
        ]
        heads = [block[a:b].decode("utf-8") for a, b in zip(chunk.starts.tolist(), text_starts)]
        tails = [block[a:b].decode("utf-8") for a, b in zip(text_ends, found.body_end.tolist())]
    except UnicodeDecodeError:
        return 0
    lines = range(before + 1, before + 1 + len(texts))
    found_ids = [_record_id(block[a:b]) if a >= 0 else None for a, b in zip(id_starts, id_ends)]
    record_ids = [r if r is not None else str(line) for r, line in zip(found_ids, lines)]
    source = id_field or ""
    id_from = [source if r is not None else "line" for r in found_ids]
    for k, line in enumerate(lines):  # what record() checks, line by line
        texts[k] = _checked_text(texts[k], bool(flags[k] & 2), warnings, name, text_field, line)
    columns.extend(lines, texts, utf8, heads, tails, record_ids, id_from)
    return len(texts)


def no_text_field_error(name: str, text_field: str, keys: set[str]) -> InputError:
    """The error for a JSONL file none of whose records has the text field."""
    fields_seen = ", ".join(sorted(keys)[:10])
    return InputError(f"{name}: no record has a field {text_field!r} (fields: {fields_seen}); use --text-field")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_text(arrow_type: Any) -> bool:
    """Whether a Parquet column of this type can be read as text: strings of any Arrow kind,
    bytes (decoded as UTF-8), a dictionary of either, or nulls only (each row a warning)."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_large_binary)
    views = (pa.string_view(), pa.binary_view())
    return any(kind(arrow_type) for kind in kinds) or pa.types.is_null(arrow_type) or arrow_type in views


def _read_parquet(
    number: int, f: InputFile, text_field: str, warnings: Warnings, id_field: str | None = "id"
) -> Iterator[Document]:
    """Only the text column is read: the writer copies the other columns from the file itself,
    so their types, nulls and row groups are kept exactly."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = f.path if f.path is not None else io.BytesIO(sys.stdin.buffer.read())
        table = pq.ParquetFile(source)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        warnings.add("unreadable", f.name, f"not a readable Parquet file: {exc}")
        return
    if text_field not in table.schema_arrow.names:
        raise InputError(
            f"{f.name}: no column {text_field!r} (columns: {', '.join(table.schema_arrow.names)}); use --text-field"
        )
    text_type = table.schema_arrow.field(text_field).type
    if not _holds_text(text_type):
        raise InputError(f"{f.name}: column {text_field!r} holds {text_type}, not text; use --text-field")
    row = 0
    with_id = id_field is not None and id_field in table.schema_arrow.names and id_field != text_field
    try:
        for batch in table.iter_batches(batch_size=4096, columns=[text_field, id_field] if with_id else [text_field]):
            column = batch.column(0)
            ids = batch.column(1).cast(pa.string()).to_pylist() if with_id else None
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                column = column.cast(pa.string())
            for k, value in enumerate(column.to_pylist()):
                row += 1
                if not isinstance(value, str):
                    warnings.add("no_text_field", f.name, f"row {row}: {text_field!r} is null; row skipped", row)
                    continue
                if not _has_text(value):
                    warnings.add("empty_text", f.name, f"row {row}: {text_field!r} has no text; row kept", row)
                record_id, id_from = (ids[k], id_field) if ids is not None and ids[k] is not None else (str(row), "row")
                meta = {"file": number, "record": row - 1, "record_id": record_id, "id_from": id_from}
                yield Document(f"{f.name}:{row}", value, meta)
    except Exception as exc:  # a damaged row group: keep the rows before it
        warnings.add(
            "damaged", f.name, f"cannot read past row {row}: {str(exc)[:200]}; the rows before it were kept", row
        )


@dataclass(frozen=True)
class Piece:
    """Part of the input that one task reads: whole files, or a line-aligned byte range of
    one plain JSONL file (``start``/``end``), so a big file is read by many tasks at once."""

    files: tuple[tuple[int, InputFile], ...]  # (file number, file)
    start: int = 0
    end: int = -1  # -1: whole files
    last: bool = True  # the last range of its file (always true for whole files)


def plan_pieces(files: list[InputFile], target_bytes: int = 16 << 20) -> list[Piece]:
    """Split the inputs into pieces of about ``target_bytes``, in input order: plain JSONL files
    at line starts, other files whole (several small ones per piece)."""
    pieces: list[Piece] = []
    group: list[tuple[int, InputFile]] = []
    group_bytes = 0
    for number, f in enumerate(files):
        size = f.path.stat().st_size if f.path is not None and f.path.exists() else 0
        splittable = f.format == "jsonl" and f.path is not None and not f.path.name.lower().endswith(".gz")
        if splittable and size > target_bytes:
            if group:
                pieces.append(Piece(tuple(group)))
                group, group_bytes = [], 0
            cuts = [0]
            with open(f.path, "rb") as fh:  # type: ignore[arg-type]
                for guess in range(target_bytes, size, target_bytes):
                    if guess <= cuts[-1]:
                        continue
                    fh.seek(guess - 1)
                    fh.readline()  # to the start of the next line
                    if fh.tell() < size:
                        cuts.append(fh.tell())
            cuts.append(size)
            ranges = [(a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
            pieces += [Piece(((number, f),), a, b, b == ranges[-1][1]) for a, b in ranges]
            continue
        group.append((number, f))
        group_bytes += size
        if group_bytes >= target_bytes:
            pieces.append(Piece(tuple(group)))
            group, group_bytes = [], 0
    if group:
        pieces.append(Piece(tuple(group)))
    return pieces


def _range_lines(f: InputFile, start: int, end: int, limit: int = MAX_RECORD_BYTES) -> Iterator[Line]:
    with open(f.path, "rb") as fh:  # type: ignore[arg-type]
        fh.seek(start)
        for line in _bounded_lines(fh, limit):
            yield line
            if fh.tell() >= end:
                return


@dataclass
class PieceRead:
    """What reading a piece found besides its documents: its warnings (line numbers counted from
    the start of its range), how many lines the range holds, whether any of them was a record
    with text, and the keys of records without the text field."""

    warnings: list[dict[str, Any]]
    lines: int = 0
    texts: int = 0
    keys_seen: set[str] = field(default_factory=set)


def read_piece(
    piece: Piece, text_field: str, id_field: str | None = "id", max_record_bytes: int = MAX_RECORD_BYTES
) -> tuple[list[Document] | JsonlRecords, PieceRead]:
    """Records of a piece (a range of a JSONL file: as columns; whole files: documents) and what
    :class:`PieceMerger` needs to fold it back in.

    Line numbers (in document ids and warnings) are counted from the start of the range; the
    merger adds the lines of the earlier ranges. Each range that holds no record warns of an
    empty file; the merger keeps that warning only when every range of the file did.
    """
    warnings = Warnings()
    if piece.end < 0:
        files = [f for _n, f in piece.files]
        numbers = [n for n, _f in piece.files]
        if all(f.format == "jsonl" for f in files):  # whole JSONL files: their records as columns
            records = JsonlRecords(numbers[0], files[0].name)
            for _ in read_documents(files, text_field, warnings, max_record_bytes, id_field, records, numbers):
                pass  # every record goes into the columns
            return records, PieceRead(warnings.items, texts=len(records))
        docs = list(read_documents(files, text_field, warnings, max_record_bytes, id_field, numbers=numbers))
        return docs, PieceRead(warnings.items, texts=len(docs))
    number, f = piece.files[0]
    lines = 0

    def counted() -> Iterator[Line]:
        nonlocal lines
        for line in _range_lines(f, piece.start, piece.end, max_record_bytes):
            lines += 1
            yield line

    source: Iterator[Line] | bytes = counted()
    if piece.end - piece.start <= _BLOCK_BYTES:  # read at once, split by numpy (no call per line)
        try:
            with open(f.path, "rb") as fh:  # type: ignore[arg-type]
                fh.seek(piece.start)
                block = fh.read(piece.end - piece.start)
        except _READ_ERRORS:
            pass  # line by line: the reader warns where the reading stops
        else:
            source, lines = block, block.count(b"\n") + (1 if block and not block.endswith(b"\n") else 0)
    keys: set[str] = set()
    records = JsonlRecords(number, f.name)
    for _ in _read_jsonl(
        number,
        f,
        source,
        text_field,
        warnings,
        piece.start == 0,
        False,
        id_field,
        keys,
        columns=records,
        limit=max_record_bytes,
    ):
        pass  # every record goes into the columns
    return records, PieceRead(warnings.items, lines, len(records), keys)


def shift_line_ids(docs: Any, offset: int) -> None:
    """Count the line numbers in a piece's document ids (``rel:line``) and line-named record ids
    from the file's start: ``offset`` lines came before the piece."""
    docs.ids = docs.ids.with_numbers_added(offset)
    by_line = np.array([source == "line" for source in docs.id_from], dtype=bool)
    if by_line.any():
        docs.record_ids = docs.record_ids.with_numbers_added(offset, by_line)


class PieceMerger:
    """Folds pieces read apart (by worker processes or Ray tasks) back into what one read of the
    files gives: line numbers counted from each file's start, one "empty file" warning for a file
    none of whose ranges held a record, the error for a file none of whose records has the text
    field. Feed it the pieces in order."""

    def __init__(self, pieces: list[Piece], warnings: Warnings, text_field: str) -> None:
        self.pieces = pieces
        self.warnings = warnings
        self.text_field = text_field
        self.lines_before: dict[int, int] = {}  # file number -> lines in its earlier ranges
        self.empty_ranges: dict[int, list[bool]] = {}
        self.texts: dict[int, int] = {}
        self.keys: dict[int, set[str]] = {}

    def absorb(self, i: int, docs: Any, read: PieceRead) -> int:
        """Fold piece ``i`` in; fix its documents' ids (``docs``, a ``DocumentTable``); return
        its line offset (what its records' ids and line numbers must be shifted by)."""
        piece = self.pieces[i]
        if piece.end < 0:
            self.warnings.items += read.warnings
            return 0
        number, f = piece.files[0]
        offset = self.lines_before.get(number, 0)
        self.lines_before[number] = offset + read.lines
        if offset:
            shift_line_ids(docs, offset)
        empty = [w for w in read.warnings if w["kind"] == "empty"]
        self.empty_ranges.setdefault(number, []).append(bool(empty))
        self.texts[number] = self.texts.get(number, 0) + read.texts
        self.keys.setdefault(number, set()).update(read.keys_seen)
        self.warnings.items += [
            {**w, "line": w["line"] + offset} if "line" in w else w for w in read.warnings if w not in empty
        ]
        if piece.last:
            if all(self.empty_ranges[number]):
                self.warnings.items += empty[:1]
            elif not self.texts[number] and self.keys[number]:
                raise no_text_field_error(f.name, self.text_field, self.keys[number])
        return offset
