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


class CorpusWriter:
    """Collect cleaned documents per input file and write each file once it is complete."""

    def __init__(self, out: Path, text_field: str) -> None:
        self.out = out
        self.text_field = text_field
        self.files_written = 0

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
