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
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dedup import Document

__all__ = [
    "InputFile",
    "InputError",
    "Piece",
    "discover",
    "read_documents",
    "read_piece",
    "plan_pieces",
    "decode_bytes",
    "FORMATS",
]

FORMATS = {".txt": "txt", ".txt.gz": "txt", ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".parquet": "parquet"}
DEFAULT_INCLUDE = ("*.txt", "*.txt.gz", "*.jsonl", "*.jsonl.gz", "*.parquet")


class InputError(Exception):
    """An input problem that stops the run (missing path, nothing to read, bad option)."""


@dataclass(frozen=True)
class InputFile:
    """One file to read: where it is, its path relative to its input root, and its format."""

    path: Path | None  # None for stdin
    rel: str
    format: str


@dataclass
class Warnings:
    """Collected warnings: one dict per event, with kind, file, line and message."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, file: str, message: str, line: int | None = None) -> None:
        entry: dict[str, Any] = {"kind": kind, "file": file, "message": message}
        if line is not None:
            entry["line"] = line
        self.items.append(entry)


def _format_of(name: str) -> str | None:
    low = name.lower()
    for ext in sorted(FORMATS, key=len, reverse=True):
        if low.endswith(ext):
            return FORMATS[ext]
    return None


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in patterns)


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
                for p in sorted(path.rglob("*")):
                    rel = p.relative_to(path).as_posix()
                    if p.is_file() and _matches(rel, include) and not _matches(rel, exclude):
                        files.append(p)
                if not files:
                    raise InputError(f"no files matching {', '.join(include)} in folder: {item}")
            else:
                files = [path]
            assert root is not None
            found = [
                (p, Path(os.path.abspath(p)).relative_to(root).as_posix(), _format_of(p.name) or "txt") for p in files
            ]
        for p, rel, fmt in found:
            where = "standard input" if p is None else str(p)
            if rel in owner:
                raise InputError(
                    f"{where} and {owner[rel]} would both be written to {rel}; give them apart or rename one"
                )
            owner[rel] = where
            out.append(InputFile(p, rel, fmt))
    return out


def decode_bytes(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Decode file bytes; return (text, warning kind, warning message). Text None = skipped."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None, None
        except UnicodeDecodeError as exc:
            return None, "undecodable", f"UTF-16 byte order mark but invalid UTF-16 ({exc.reason})"
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


def _open_bytes(f: InputFile) -> bytes:
    if f.path is None:
        return sys.stdin.buffer.read()
    data = f.path.read_bytes()
    if f.path.name.lower().endswith(".gz"):
        data = gzip.decompress(data)
    return data


def read_documents(files: list[InputFile], text_field: str, warnings: Warnings) -> Iterator[Document]:
    """Documents of every file in order; meta holds the source file index and the record."""
    for number, f in enumerate(files):
        try:
            if f.format == "parquet":
                yield from _read_parquet(number, f, text_field, warnings)
                continue
            if f.format == "jsonl":  # streamed line by line: a corpus file is never held whole
                yield from _read_jsonl(number, f, _binary_lines(f), text_field, warnings)
                continue
            data = _open_bytes(f)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            warnings.add("unreadable", f.rel, f"cannot read: {exc.strerror or exc}")
            continue
        text, kind, message = decode_bytes(data)
        if kind:
            warnings.add(kind, f.rel, message or kind)
        if text is None:
            continue
        if not text.strip():
            warnings.add("empty", f.rel, "empty file (no text)")
        yield Document(f.rel, text, {"file": number})


def _binary_lines(f: InputFile) -> Iterator[bytes]:
    if f.path is None:
        yield from sys.stdin.buffer
        return
    opener = gzip.open if f.path.name.lower().endswith(".gz") else open
    with opener(f.path, "rb") as fh:
        yield from fh


def _read_jsonl(
    number: int,
    f: InputFile,
    lines: Iterator[bytes],
    text_field: str,
    warnings: Warnings,
    first_of_file: bool = True,
) -> Iterator[Document]:
    seen = False
    for i, raw in enumerate(lines, 1):
        if i == 1 and first_of_file and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded, _kind, message = decode_bytes(raw)
            warnings.add("invalid_utf8", f.rel, (message or "not UTF-8").split(" (first")[0], i)
            line = decoded or ""
        if not line.strip():
            continue
        seen = True
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            warnings.add("bad_json", f.rel, f"not JSON ({exc.msg}); record skipped", i)
            continue
        if not isinstance(record, dict):
            warnings.add("bad_json", f.rel, "not a JSON object; record skipped", i)
            continue
        value = record.get(text_field)
        if not isinstance(value, str):
            what = "missing" if text_field not in record else f"a {type(value).__name__}, not a string"
            warnings.add("no_text_field", f.rel, f"field {text_field!r} is {what}; record skipped", i)
            continue
        record[text_field] = None  # the text travels once, in Document.text; the key keeps its place
        yield Document(f"{f.rel}:{i}", value, {"file": number, "record": record})
    if not seen:
        warnings.add("empty", f.rel, "empty file (no records)")


def _read_parquet(number: int, f: InputFile, text_field: str, warnings: Warnings) -> Iterator[Document]:
    import pyarrow.parquet as pq

    try:
        source = f.path if f.path is not None else io.BytesIO(sys.stdin.buffer.read())
        table = pq.ParquetFile(source)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        warnings.add("unreadable", f.rel, f"not a readable Parquet file: {exc}")
        return
    if text_field not in table.schema_arrow.names:
        raise InputError(
            f"{f.rel}: no column {text_field!r} (columns: {', '.join(table.schema_arrow.names)}); use --text-field"
        )
    row = 0
    for batch in table.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            row += 1
            value = record.get(text_field)
            if not isinstance(value, str):
                warnings.add("no_text_field", f.rel, f"row {row}: {text_field!r} is null; row skipped", row)
                continue
            record[text_field] = None  # the text travels once, in Document.text
            yield Document(f"{f.rel}:{row}", value, {"file": number, "record": record})


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


def _range_lines(f: InputFile, start: int, end: int) -> Iterator[bytes]:
    with open(f.path, "rb") as fh:  # type: ignore[arg-type]
        fh.seek(start)
        while fh.tell() < end:
            line = fh.readline()
            if not line:
                return
            yield line


def read_piece(piece: Piece, text_field: str) -> tuple[list[Document], Warnings, int]:
    """Documents of a piece, its warnings and, for a byte range, the number of lines it holds.

    Line numbers (in document ids and warnings) are counted from the start of the range; the
    caller adds the lines of the earlier ranges. Each range that holds no record warns of an
    empty file; the caller keeps that warning only when every range of the file did.
    """
    warnings = Warnings()
    if piece.end < 0:
        files = [f for _n, f in piece.files]
        numbers = [n for n, _f in piece.files]
        docs = []
        for doc in read_documents(files, text_field, warnings):
            doc.meta = {**(doc.meta or {}), "file": numbers[(doc.meta or {}).get("file", 0)]}
            docs.append(doc)
        return docs, warnings, 0
    number, f = piece.files[0]
    lines = 0

    def counted() -> Iterator[bytes]:
        nonlocal lines
        for line in _range_lines(f, piece.start, piece.end):
            lines += 1
            yield line

    docs = list(_read_jsonl(number, f, counted(), text_field, warnings, first_of_file=piece.start == 0))
    return docs, warnings, lines
