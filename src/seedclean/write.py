"""Write the cleaned corpus and the reports, atomically.

Every file is written under a temporary name in its final folder and renamed into place, so an
interrupted run leaves no half-written file; leftovers of an interrupted run (``.*.<pid>.seedclean-tmp``)
are removed by the next run into that folder once their writer is gone (see ``outdir``). A
compressed input (``.gz``) is written back compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["atomic_write", "temp_path", "CorpusWriter", "OutputError", "TMP_SUFFIX"]

TMP_SUFFIX = ".seedclean-tmp"


class OutputError(Exception):
    """The output cannot be written where asked (not empty, inside an input, not writable)."""


def temp_path(path: Path) -> Path:
    """A temporary name beside ``path``, short whatever the name's length (file systems allow 255
    bytes), ending in ``.<pid>.seedclean-tmp`` so that a later run knows whose it was."""
    name = path.name
    if len(os.fsencode(name)) > 64:
        name = hashlib.sha1(os.fsencode(name)).hexdigest()[:16]
    return path.with_name(f".{name}.{os.getpid()}{TMP_SUFFIX}")


def _close_quietly(fh: Any) -> None:
    """Close a file on an abort path, where flushing may fail again (disk full): the error that
    started the abort is the one to report, and the temporary file must still be removed."""
    try:
        fh.close()
    except OSError:
        pass


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    fh = open(tmp, "wb")  # noqa: SIM115 - closed on both paths below
    try:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        os.replace(tmp, path)
    except BaseException:
        _close_quietly(fh)
        tmp.unlink(missing_ok=True)
        raise


def _jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


class _JsonlSink:
    """Streams records into a temporary file and renames it into place on close."""

    def __init__(self, target: Path, text_field: str) -> None:
        self.target = target
        self.text_field = text_field
        self.tmp = temp_path(target)
        self.raw: Any = None
        self.fh: Any = None

    def add(self, text: str, record: dict[str, Any] | None) -> None:
        if self.fh is None:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.raw = open(self.tmp, "wb")
            gz = self.target.name.lower().endswith(".gz")
            self.fh = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0) if gz else self.raw
        rec = dict(record or {})
        rec[self.text_field] = text
        self.fh.write((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> bool:
        if self.fh is None:
            return False
        if self.fh is not self.raw:
            self.fh.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        os.replace(self.tmp, self.target)
        return True

    def abort(self) -> None:
        if self.raw is not None:
            if self.fh is not self.raw:
                _close_quietly(self.fh)
            _close_quietly(self.raw)
            self.fh = self.raw = None
            self.tmp.unlink(missing_ok=True)


class _BufferSink:
    """Collects a whole file (a .txt document, a Parquet table) and writes it atomically."""

    def __init__(self, writer: CorpusWriter, rel: str, fmt: str) -> None:
        self.writer, self.rel, self.fmt = writer, rel, fmt
        self.docs: list[tuple[str, dict[str, Any] | None]] = []

    def add(self, text: str, record: dict[str, Any] | None) -> None:
        self.docs.append((text, record))

    def close(self) -> bool:
        if not self.docs:
            return False
        self.writer.write_file(self.rel, self.fmt, self.docs)
        return True

    def abort(self) -> None:
        self.docs = []


class CorpusWriter:
    """Collect cleaned documents per input file and write each file once it is complete."""

    def __init__(self, out: Path, text_field: str, target: Callable[[str], Path] | None = None) -> None:
        self.out = out
        self.text_field = text_field
        self.target = target or (lambda rel: out / rel)  # OutputFolder.target checks the way there
        self.files_written = 0

    def open(self, rel: str, fmt: str) -> _JsonlSink | _BufferSink:
        """A sink for one output file: JSONL streams to disk, the others are written whole."""
        if fmt == "jsonl":
            return _JsonlSink(self.target(rel), self.text_field)
        return _BufferSink(self, rel, fmt)

    def write_file(self, rel: str, fmt: str, docs: list[tuple[str, dict[str, Any] | None]]) -> None:
        """Write one output file from (clean text, original record or None) pairs."""
        target = self.target(rel)
        if fmt == "txt":
            data = "".join(text for text, _ in docs).encode("utf-8")
            if rel.lower().endswith(".gz"):
                data = gzip.compress(data, mtime=0)
        elif fmt == "jsonl":
            records = []
            for text, record in docs:
                rec = dict(record or {})
                rec[self.text_field] = text
                records.append(rec)
            data = _jsonl(records)
            if rel.lower().endswith(".gz"):
                data = gzip.compress(data, mtime=0)
        elif fmt == "parquet":
            data = self._parquet(docs)
        else:
            raise ValueError(f"unknown format {fmt!r}")
        atomic_write(target, data)
        self.files_written += 1

    def _parquet(self, docs: list[tuple[str, dict[str, Any] | None]]) -> bytes:
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = []
        for text, record in docs:
            rec = dict(record or {})
            rec[self.text_field] = text
            rows.append(rec)
        table = pa.Table.from_pylist(rows) if rows else pa.table({self.text_field: pa.array([], pa.string())})
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return buf.getvalue()
