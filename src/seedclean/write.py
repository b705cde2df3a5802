"""Write the cleaned corpus and the reports, atomically.

Every file is written under a temporary name in its final folder and renamed into place, so an
interrupted run leaves no half-written file; leftovers of an interrupted run (``.*.seedclean-tmp``)
are removed at the start of the next one.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["atomic_write", "clean_stale", "CorpusWriter", "OutputError", "TMP_SUFFIX"]

TMP_SUFFIX = ".seedclean-tmp"


class OutputError(Exception):
    """The output cannot be written where asked (not empty, inside an input, not writable)."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def clean_stale(out: Path) -> int:
    """Remove temporary files an interrupted run left in ``out``; return how many."""
    count = 0
    if out.is_dir():
        for p in out.rglob(f"*{TMP_SUFFIX}"):
            p.unlink(missing_ok=True)
            count += 1
    return count


def _jsonl(records: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


class _JsonlSink:
    """Streams records into a temporary file and renames it into place on close."""

    def __init__(self, target: Path, text_field: str) -> None:
        self.target = target
        self.text_field = text_field
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}{TMP_SUFFIX}")
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
            self.raw.close()
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

    def __init__(self, out: Path, text_field: str) -> None:
        self.out = out
        self.text_field = text_field
        self.files_written = 0

    def open(self, rel: str, fmt: str) -> _JsonlSink | _BufferSink:
        """A sink for one output file: JSONL streams to disk, the others are written whole."""
        if fmt == "jsonl":
            return _JsonlSink(self.out / rel, self.text_field)
        return _BufferSink(self, rel, fmt)

    def write_file(self, rel: str, fmt: str, docs: list[tuple[str, dict[str, Any] | None]]) -> None:
        """Write one output file from (clean text, original record or None) pairs."""
        target = self.out / rel
        if fmt == "txt":
            data = "".join(text for text, _ in docs).encode("utf-8")
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
