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
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seedclean.clustering.dedup import RenderJob, one_line_spooled
from seedclean.clustering.units import read_spans
from seedclean.errors import OutputError
from seedclean.fingerprint.kernels import HAVE_NUMBA, compiled
from seedclean.io.jsonline import JsonLine

__all__ = ["atomic_write", "temp_path", "CorpusWriter", "OutputError", "Rendered", "render_lines", "TMP_SUFFIX"]

TMP_SUFFIX = ".seedclean-tmp"


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


def _take_rows(table: Any, rows: Any) -> Any:
    """``table.take(rows)``, also for columns of Arrow's view types (``string_view``,
    ``binary_view``), which Arrow cannot take from: taken as their large kind, cast back."""
    import pyarrow as pa

    views = {pa.string_view(): pa.large_string(), pa.binary_view(): pa.large_binary()}
    viewed = [k for k, field in enumerate(table.schema) if field.type in views]
    if not viewed:
        return table.take(rows)
    schema = table.schema
    for k in viewed:
        large = views[schema.field(k).type]
        table = table.set_column(k, schema.field(k).with_type(large), table.column(k).cast(large))
    picked = table.take(rows)
    for k in viewed:
        picked = picked.set_column(k, schema.field(k), picked.column(k).cast(schema.field(k).type))
    return picked


def _json_line(text: str, record: Any, text_field: str) -> bytes:
    """One output JSONL line: the input line with its text value replaced (a JsonLine), or a
    dict record encoded with the text set."""
    if isinstance(record, JsonLine):
        line = record.with_text(text)
    else:
        rec = dict(record or {})
        rec[text_field] = text
        line = json.dumps(rec, ensure_ascii=False)
    return (line + "\n").encode("utf-8")


@dataclass(frozen=True)
class Rendered:
    """A render job's output: the JSONL lines of its documents that are written, one after the
    other, where each document's line ends (a document not written adds none), and the UTF-8
    size of each document's cleaned text."""

    first: int
    lines: bytes
    line_ends: np.ndarray  # int64, one per document
    bytes_out: np.ndarray  # int64, one per document
    bytes_in: int = 0  # the documents' input size (for progress)


def render_lines(job: RenderJob, text_field: str) -> Rendered:
    """Render a job's JSONL documents as the lines the corpus writer's ``add`` would write (the
    cleaned text put in the record's line), so that workers can render runs of documents and
    the writing process only appends bytes. A document is written when it keeps text, when
    ``keep_empty``, or when it had no text to begin with.

    A one-line record (one unit, no separators) is put together by a compiled kernel from its
    line's head and tail and its unit's UTF-8, escaped there: no text is decoded, escaped and
    encoded again in Python. Other documents are rendered as :func:`render_lines_reference` does."""
    if not HAVE_NUMBA:
        return render_lines_reference(job, text_field)
    n = len(job)
    units_in = job.units_in.tolist()
    unit_ends = np.asarray(job.unit_ends, dtype=np.int64)
    unit_starts = np.concatenate((np.zeros(1, dtype=np.int64), unit_ends[:-1]))
    keep = job.keep
    heads: list[bytes] = []
    tails: list[bytes] = []
    slot = np.full(n, -2, dtype=np.int64)  # the unit written between the quotes; -1 "", -2 no quotes
    newline = np.zeros(n, dtype=np.bool_)
    bytes_out = np.zeros(n, dtype=np.int64)
    first_unit = 0
    for k, raw in enumerate(read_spans(job.spool, job.spool_ends)):
        entry = pickle.loads(raw)
        units = units_in[k]
        line = one_line_spooled(entry, units)
        if line is not None:
            kept = units == 1 and bool(keep[first_unit])
            if kept or job.keep_empty or units == 0:
                slot[k] = first_unit if kept else -1
                newline[k] = True
                heads.append(line[0].encode("utf-8"))
                tails.append(line[1].encode("utf-8"))
                if kept:
                    bytes_out[k] = unit_ends[first_unit] - unit_starts[first_unit]
            else:
                heads.append(b"")
                tails.append(b"")
        else:
            record, text = job.document(entry, first_unit, units)
            bytes_out[k] = len(text.encode("utf-8"))
            written = text or job.keep_empty or units == 0
            heads.append(_json_line(text, (record.meta or {}).get("record"), text_field) if written else b"")
            tails.append(b"")
        first_unit += units
    lines, line_ends = compiled().render_jsonl_kernel(
        np.frombuffer(b"".join(heads), dtype=np.uint8),
        np.cumsum(np.fromiter(map(len, heads), dtype=np.int64, count=n)),
        np.frombuffer(b"".join(tails), dtype=np.uint8),
        np.cumsum(np.fromiter(map(len, tails), dtype=np.int64, count=n)),
        np.frombuffer(job.unit_utf8, dtype=np.uint8),
        unit_starts,
        unit_ends,
        slot,
        newline,
    )
    return Rendered(job.first, lines.tobytes(), line_ends, bytes_out, job.bytes_in)


def render_lines_reference(job: RenderJob, text_field: str) -> Rendered:
    """:func:`render_lines` document by document in Python: the record's line with the cleaned
    text put in (``JsonLine.with_text``), encoded."""
    lines: list[bytes] = []
    line_ends = np.zeros(len(job), dtype=np.int64)
    bytes_out = np.zeros(len(job), dtype=np.int64)
    units_in = job.units_in.tolist()
    size = 0
    for k, (record, text) in enumerate(job.documents()):
        bytes_out[k] = len(text.encode("utf-8"))
        if text or job.keep_empty or units_in[k] == 0:
            line = _json_line(text, (record.meta or {}).get("record"), text_field)
            lines.append(line)
            size += len(line)
        line_ends[k] = size
    return Rendered(job.first, b"".join(lines), line_ends, bytes_out, job.bytes_in)


class _JsonlSink:
    """Streams records into a temporary file and renames it into place on close."""

    def __init__(self, target: Path, text_field: str) -> None:
        self.target = target
        self.text_field = text_field
        self.tmp = temp_path(target)
        self.raw: Any = None
        self.fh: Any = None

    def _open(self) -> None:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.raw = open(self.tmp, "wb")  # noqa: SIM115 - closed by close() or abort()
        gz = self.target.name.lower().endswith(".gz")
        self.fh = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0) if gz else self.raw

    def add(self, text: str, record: Any) -> None:
        if self.fh is None:
            self._open()
        self.fh.write(_json_line(text, record, self.text_field))

    def write_lines(self, data: bytes) -> None:
        """Append lines rendered already (:func:`render_lines`), as ``add`` would have written them."""
        if not data:
            return
        if self.fh is None:
            self._open()
        self.fh.write(data)

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

    def __init__(self, writer: CorpusWriter, rel: str, fmt: str, source: Path | None) -> None:
        self.writer, self.rel, self.fmt, self.source = writer, rel, fmt, source
        self.docs: list[tuple[str, Any]] = []

    def add(self, text: str, record: Any) -> None:
        self.docs.append((text, record))

    def close(self) -> bool:
        if not self.docs:
            return False
        self.writer.write_file(self.rel, self.fmt, self.docs, self.source)
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

    def open(self, rel: str, fmt: str, source: Path | None = None) -> _JsonlSink | _BufferSink:
        """A sink for one output file: JSONL streams to disk, the others are written whole
        (a Parquet file from its ``source``, whose other columns are copied)."""
        if fmt == "jsonl":
            return _JsonlSink(self.target(rel), self.text_field)
        return _BufferSink(self, rel, fmt, source)

    def write_file(self, rel: str, fmt: str, docs: list[tuple[str, Any]], source: Path | None = None) -> None:
        """Write one output file from (clean text, record) pairs: for JSONL the record is the
        input line (JsonLine) or a dict, for Parquet the row number in ``source``."""
        target = self.target(rel)
        if fmt == "txt":
            data = "".join(text for text, _ in docs).encode("utf-8")
        elif fmt == "jsonl":
            data = b"".join(_json_line(text, record, self.text_field) for text, record in docs)
        elif fmt == "parquet":
            if source is None:
                raise ValueError("a Parquet output needs its source file")
            data = parquet_with_texts(source, self.text_field, [(row, text) for text, row in docs])
        else:
            raise ValueError(f"unknown format {fmt!r}")
        if fmt != "parquet" and rel.lower().endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        atomic_write(target, data)
        self.files_written += 1


def parquet_with_texts(source: Path, text_field: str, kept: list[tuple[int, str]]) -> bytes:
    """The ``source`` Parquet file with only the ``kept`` rows (row number, new text), in order:
    other columns copied with their types, the schema and its metadata kept, one row group out
    per row group in."""
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(source)
    schema = pf.schema_arrow
    column = schema.get_field_index(text_field)
    text_type = schema.field(column).type
    meta = pf.metadata
    compression = meta.row_group(0).column(0).compression.lower() if meta.num_row_groups else "snappy"
    buf = io.BytesIO()
    rows = [row for row, _ in kept]
    texts = [text for _, text in kept]
    with pq.ParquetWriter(buf, schema, compression=compression if compression != "uncompressed" else "none") as out:
        first = 0
        at = 0
        for group in range(meta.num_row_groups):
            count = meta.row_group(group).num_rows
            stop = at
            while stop < len(rows) and rows[stop] < first + count:
                stop += 1
            if stop > at:
                table = pf.read_row_group(group)
                picked = _take_rows(table, pa.array([r - first for r in rows[at:stop]], pa.int64()))
                new = pa.array(texts[at:stop], pa.large_string() if pa.types.is_large_string(text_type) else None)
                if not new.type.equals(text_type):
                    new = pc.cast(new, text_type)
                out.write_table(picked.set_column(column, schema.field(column), new))
            first += count
            at = stop
    return buf.getvalue()
