"""The removal table: one row per removed unit, complete at any scale, joinable by record id.

Built from the cluster arrays (which unit was removed in favour of which, exact or near, with
what similarity) and, during the one pass that writes the corpus, the texts of the removed
units and of the units kept in their place. Columns are described in ``SCHEMA_DOC``.
"""

from __future__ import annotations

import heapq
import time
from pathlib import Path
from typing import Any

import numpy as np

from seedclean.clustering.dedup import ClusterList, DocumentTable

__all__ = ["RemovalCollector", "SCHEMA_DOC", "REMOVED_FILE"]

REMOVED_FILE = "removed.parquet"
SCHEMA_DOC = {
    "file": "input file of the removed unit (relative path, as in the output)",
    "record_id": "the record's id: its --id-field value when it has one, else its line (JSONL) or row (Parquet)"
    " number; empty for a text file",
    "id_from": "where record_id came from: the id field's name, 'line', 'row' or 'file'",
    "doc": "the document id seedclean uses (file, or file:line / file:row)",
    "unit": "index of the unit in its document (0-based)",
    "start": "character offset of the unit in the normalised document text",
    "end": "character offset after the unit",
    "kind": "'exact', 'near', or 'document' (dropped with its document by --min-kept: no unit stands in for it)",
    "similarity": "Jaccard similarity of the shingles with the kept unit (1.0 for exact copies, NaN for 'document')",
    "cluster": "number of the cluster (as in report.json; -1 for 'document')",
    "kept_file": "input file of the unit kept in its place",
    "kept_record_id": "record id of the kept unit",
    "kept_doc": "document id of the kept unit",
    "kept_unit": "index of the kept unit in its document",
    "text": "normalised text of the removed unit",
    "kept_text": "normalised text of the kept unit",
}


AUDIT_ROWS = 20  # near removals with the lowest similarity kept for the report
_FLUSH_ROWS = 8_192  # removed rows buffered before they go to the compression thread


class _RowBuffer:
    """Rows of the removal table not yet spooled: one entry per row in ``unit``, ``start``,
    ``end`` and ``text``; one per document with rows in the others (``rows``: how many)."""

    def __init__(self) -> None:
        self.unit: list[int] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.text: list[str] = []
        self.docs: list[int] = []
        self.rows: list[int] = []
        self.file: list[str] = []
        self.record_id: list[str] = []
        self.id_from: list[str] = []


class RemovalCollector:
    """Streams the removal table to ``path`` while documents go by (``on_document``); ``finish``
    completes the file. A unit is only ever removed in favour of an earlier one, so each row's
    kept side is known when the row is made: rows are written in batches as they come, and a
    background thread compresses them (pyarrow releases the GIL) while the corpus is written.
    Memory: the texts of the units kept for others and two batches of rows."""

    def __init__(
        self,
        clusters: ClusterList,
        docs: DocumentTable,
        path: Path,
        with_text: bool = True,
        dropped: np.ndarray | None = None,
    ) -> None:
        arrays = clusters.arrays()
        # units the document policy dropped (``dropped``) are rows too, with no unit kept in their place
        extra = dropped if dropped is not None else np.zeros(0, dtype=np.int64)
        order = np.argsort(np.concatenate((arrays["removed"], extra)), kind="stable")
        self.removed = np.concatenate((arrays["removed"], extra))[order]
        self.kept = np.concatenate((arrays["kept"], np.full(len(extra), -1, dtype=np.int64)))[order]
        if np.any(self.kept >= self.removed):
            raise ValueError("a unit is removed in favour of a later one: the removal table cannot be streamed")
        self.kind = np.concatenate((np.where(arrays["exact"], 0, 1), np.full(len(extra), 2)))[order].astype(np.int8)
        self.similarity = np.concatenate((arrays["similarity"], np.full(len(extra), np.nan)))[order]
        self.cluster = np.concatenate((arrays["cluster"], np.full(len(extra), -1, dtype=np.int64)))[order]
        per_doc = docs.units_in
        self.unit_start = np.concatenate(([0], np.cumsum(per_doc)[:-1])).astype(np.int64) if len(docs) else per_doc
        self.docs = docs
        self.with_text = with_text
        units = int(per_doc.sum())
        self.row_of = np.full(units, -1, dtype=np.int64)  # removed uid -> its row (rows ascend with uid)
        self.row_of[self.removed] = np.arange(len(self.removed))
        self.is_kept = np.zeros(units, dtype=bool)
        self.is_kept[self.kept[self.kept >= 0]] = True
        # per document, whether any of its units is removed or kept for another (one pass, not one per document)
        involved = np.concatenate(((self.row_of >= 0) | self.is_kept, [False])).astype(np.int64)
        before = np.concatenate(([0], np.cumsum(involved)))
        starts = np.asarray(self.unit_start[: len(per_doc)], dtype=np.int64)
        self.doc_wanted: list[bool] = (before[starts + per_doc] > before[starts]).tolist()
        self.kept_texts: dict[int, str] = {}
        self.doc_meta: dict[int, tuple[str, str]] = {}  # doc -> (file, record id), for kept units' documents
        self.buffer = _RowBuffer()
        self.rows_done = 0
        self.audit: list[tuple[float, int, int, int, str]] = []  # max-heap (negated) of the lowest near rows
        self.seconds = 0.0  # time the caller's thread spent on the table (the compression thread's is hidden)
        self.path = path
        self._writer: Any = None
        self._thread: Any = None
        self._pending: Any = None

    def wants(self, d: int, units: int) -> bool:
        """Whether document ``d`` (of ``units`` units) holds a removed unit or one kept for another."""
        if units == 0:
            return False
        return self.doc_wanted[d]

    def on_document(
        self, d: int, file: str, record_id: str, id_from: str, prefixes: list[str], texts: list[str]
    ) -> None:
        """Called in input order for each document ``wants`` accepted, with its units (normalised)."""
        t0 = time.perf_counter()
        base = int(self.unit_start[d])
        buf = self.buffer
        pos = 0
        rows = 0
        for k, (prefix, text) in enumerate(zip(prefixes, texts)):
            pos += len(prefix.lstrip("\n") if k == 0 else prefix)
            uid = base + k
            if self.is_kept[uid]:
                self.doc_meta[d] = (file, record_id)
                if self.with_text:
                    self.kept_texts[uid] = text
            row = int(self.row_of[uid])
            if row >= 0:
                if self.kind[row] == 1:  # near
                    item = (-float(self.similarity[row]), -d, -k, row, text)
                    if len(self.audit) < AUDIT_ROWS:
                        heapq.heappush(self.audit, item)
                    elif item > self.audit[0]:
                        heapq.heapreplace(self.audit, item)
                buf.unit.append(k)
                buf.start.append(pos)
                buf.end.append(pos + len(text))
                buf.text.append(text if self.with_text else "")
                rows += 1
            pos += len(text)
        if rows:
            buf.docs.append(d)
            buf.rows.append(rows)
            buf.file.append(file)
            buf.record_id.append(record_id)
            buf.id_from.append(id_from)
        if len(buf.unit) >= _FLUSH_ROWS:
            self._flush()
        self.seconds += time.perf_counter() - t0

    def _schema(self) -> Any:
        import pyarrow as pa

        return pa.schema(
            [
                (name, pa.int64() if name in _INT_COLUMNS else pa.float64() if name == "similarity" else pa.string())
                for name in SCHEMA_DOC
                if self.with_text or name not in ("text", "kept_text")
            ],
            metadata={f"column:{k}".encode(): v.encode() for k, v in SCHEMA_DOC.items()},
        )

    def _rows(self) -> Any:
        """The buffered rows, kept side included, as an Arrow table (and the buffer emptied).
        Values shared by many rows (a document's, a kept unit's) are made once and repeated."""
        import pyarrow as pa

        buf, self.buffer = self.buffer, _RowBuffer()
        n = len(buf.unit)
        # rows arrive in input order, and removed units' rows ascend with their unit number
        rows = np.arange(self.rows_done, self.rows_done + n, dtype=np.int64)
        self.rows_done += n
        by_doc = pa.array(np.repeat(np.arange(len(buf.rows), dtype=np.int64), buf.rows))
        ids, starts = self.docs.ids, self.unit_start
        kept = self.kept[rows]
        distinct, spread = np.unique(kept, return_inverse=True)
        by_kept = pa.array(spread.astype(np.int64))
        kept_doc = np.where(distinct >= 0, np.searchsorted(starts, distinct, side="right") - 1, -1)
        meta = [self.doc_meta.get(d, ("", "")) for d in kept_doc.tolist()]
        kind = self.kind[rows]
        columns: dict[str, Any] = {
            "file": pa.array(buf.file, pa.string()).take(by_doc),
            "record_id": pa.array(buf.record_id, pa.string()).take(by_doc),
            "id_from": pa.array(buf.id_from, pa.string()).take(by_doc),
            "doc": pa.array([ids[d] for d in buf.docs], pa.string()).take(by_doc),
            "unit": pa.array(buf.unit, pa.int64()),
            "start": pa.array(buf.start, pa.int64()),
            "end": pa.array(buf.end, pa.int64()),
            "kind": pa.array(np.array(["exact", "near", "document"])[kind], pa.string()),
            "similarity": pa.array(np.where(kind == 0, 1.0, np.round(self.similarity[rows], 4))),
            "cluster": pa.array(self.cluster[rows], pa.int64()),
            "kept_file": pa.array([m[0] for m in meta], pa.string()).take(by_kept),
            "kept_record_id": pa.array([m[1] for m in meta], pa.string()).take(by_kept),
            "kept_doc": pa.array([ids[d] if d >= 0 else "" for d in kept_doc.tolist()], pa.string()).take(by_kept),
            "kept_unit": pa.array(
                np.where(distinct >= 0, distinct - starts[np.maximum(kept_doc, 0)], -1)[spread], pa.int64()
            ),
        }
        if self.with_text:
            columns["text"] = utf8_array(buf.text)
            texts = self.kept_texts
            columns["kept_text"] = utf8_array([texts.get(u, "") for u in distinct.tolist()]).take(by_kept)
        schema = self._schema()
        return pa.table([columns[name] for name in schema.names], schema=schema)

    def _flush(self) -> None:
        """Hand the buffered rows to the compression thread (after the batch before them)."""
        import pyarrow.parquet as pq

        if self._writer is None:
            from concurrent.futures import ThreadPoolExecutor

            self._writer = pq.ParquetWriter(self.path, self._schema(), compression="zstd", compression_level=1)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="seedclean-removed")
        table = self._rows()
        if self._pending is not None:
            self._pending.result()
        self._pending = self._thread.submit(self._writer.write_table, table)

    def finish(self) -> None:
        """Write the rows still buffered and close the file (an empty table when nothing was removed)."""
        t0 = time.perf_counter()
        try:
            if self.buffer.unit or self._writer is None:
                self._flush()
            if self._pending is not None:
                self._pending.result()
        finally:
            self.close()
        self.seconds += time.perf_counter() - t0

    def close(self) -> None:
        """Stop the compression thread and close the file (its content is complete only after ``finish``)."""
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._pending = None

    def lowest(self) -> list[dict[str, Any]]:
        """The near removals with the lowest similarity (ties: input order), kept side included."""
        out = []
        for neg_sim, neg_d, neg_k, row, text in sorted(self.audit, reverse=True):
            kept = int(self.kept[row])
            kept_doc = int(np.searchsorted(self.unit_start, kept, side="right") - 1)
            out.append(
                {
                    "doc": self.docs.ids[-neg_d],
                    "unit": -neg_k,
                    "record_id": "",
                    "kept_doc": self.docs.ids[kept_doc],
                    "kept_unit": kept - int(self.unit_start[kept_doc]),
                    "similarity": round(-neg_sim, 4),
                    "text": text,
                    "kept_text": self.kept_texts.get(kept, ""),
                }
            )
        return out


_INT_COLUMNS = {"unit", "start", "end", "cluster", "kept_unit"}


def utf8_array(texts: list[str]) -> Any:
    """``texts`` as an Arrow string array, encoded by ``str.encode`` (about twice as fast as
    ``pa.array`` on non-ASCII text, which encodes each string through the C API)."""
    import pyarrow as pa

    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    if offsets[-1] >= 2**31:  # past 32-bit offsets: let pyarrow split it
        return pa.array(texts, pa.string())
    data = pa.py_buffer(b"".join(encoded))
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets.astype(np.int32)), data)
