"""The removal table: one row per removed unit, complete at any scale, joinable by record id.

Built from the cluster arrays (which unit was removed in favour of which, exact or near, with
what similarity) and, during the one pass that writes the corpus, the texts of the removed
units and of the units kept in their place. Columns are described in ``SCHEMA_DOC``.
"""

from __future__ import annotations

import heapq
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .dedup import ClusterList, DocumentTable

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
_FLUSH_ROWS = 65_536  # removed rows buffered before they go to the temporary file


class RemovalCollector:
    """Streams the removal table while documents go by (``on_document``), then ``write`` fills in
    the kept side and writes removed.parquet. Memory: the texts of the units kept for others and
    one buffer of rows; the removed units' rows and texts go to a temporary file as they come."""

    def __init__(
        self, clusters: ClusterList, docs: DocumentTable, with_text: bool = True, dropped: np.ndarray | None = None
    ) -> None:
        arrays = clusters.arrays()
        # units the document policy dropped (``dropped``) are rows too, with no unit kept in their place
        extra = dropped if dropped is not None else np.zeros(0, dtype=np.int64)
        order = np.argsort(np.concatenate((arrays["removed"], extra)), kind="stable")
        self.removed = np.concatenate((arrays["removed"], extra))[order]
        self.kept = np.concatenate((arrays["kept"], np.full(len(extra), -1, dtype=np.int64)))[order]
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
        self.buffer: list[tuple[Any, ...]] = []
        self.audit: list[tuple[float, int, int, int, str]] = []  # max-heap (negated) of the lowest near rows
        self.spool = tempfile.TemporaryDirectory(prefix="seedclean-removed-")
        self.parts: list[Path] = []

    def wants(self, d: int, units: int) -> bool:
        """Whether document ``d`` (of ``units`` units) holds a removed unit or one kept for another."""
        if units == 0:
            return False
        return self.doc_wanted[d]

    def on_document(
        self, d: int, file: str, record_id: str, id_from: str, prefixes: list[str], texts: list[str]
    ) -> None:
        """Called in input order for each document ``wants`` accepted, with its units (normalised)."""
        base = int(self.unit_start[d])
        doc_id = self.docs.ids[d]
        pos = 0
        for k, (prefix, text) in enumerate(zip(prefixes, texts)):
            pos += len(prefix.lstrip("\n") if k == 0 else prefix)
            uid = base + k
            if self.is_kept[uid]:
                self.doc_meta[d] = (file, record_id)
                if self.with_text:
                    self.kept_texts[uid] = text
            row = int(self.row_of[uid])
            if row >= 0 and self.kind[row] == 1:  # near
                item = (-float(self.similarity[row]), -d, -k, row, text)
                if len(self.audit) < AUDIT_ROWS:
                    heapq.heappush(self.audit, item)
                elif item > self.audit[0]:
                    heapq.heapreplace(self.audit, item)
            if row >= 0:
                self.buffer.append(
                    (row, file, record_id, id_from, doc_id, k, pos, pos + len(text), text if self.with_text else "")
                )
            pos += len(text)
        if len(self.buffer) >= _FLUSH_ROWS:
            self._flush()

    def _buffered(self) -> Any:
        """The buffered rows as an Arrow table (and the buffer emptied)."""
        import pyarrow as pa

        cols = list(zip(*self.buffer)) if self.buffer else [()] * 9
        names = ("row", "file", "record_id", "id_from", "doc", "unit", "start", "end", "text")
        types = (pa.int64(), *[pa.string()] * 4, pa.int64(), pa.int64(), pa.int64(), pa.string())
        self.buffer = []
        return pa.table({n: pa.array(c, t) for n, c, t in zip(names, cols, types)})

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        if not self.buffer:
            return
        path = Path(self.spool.name) / f"{len(self.parts):06d}.parquet"
        pq.write_table(self._buffered(), path)
        self.parts.append(path)

    def write(self, path: Path) -> None:
        """Write removed.parquet to ``path``: the streamed rows with the kept side filled in."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        starts = self.unit_start
        ids = self.docs.ids
        schema = pa.schema(
            [
                (name, pa.int64() if name in _INT_COLUMNS else pa.float64() if name == "similarity" else pa.string())
                for name in SCHEMA_DOC
                if self.with_text or name not in ("text", "kept_text")
            ],
            metadata={f"column:{k}".encode(): v.encode() for k, v in SCHEMA_DOC.items()},
        )
        with pq.ParquetWriter(path, schema) as out:
            # the parts spooled on the way, then the rows still buffered (all of them in a small run)
            for part in [*self.parts, None]:
                batch = pq.read_table(part) if part is not None else self._buffered()
                if not batch.num_rows:
                    continue
                rows = batch.column("row").to_numpy()
                kept = self.kept[rows]
                twin = kept >= 0  # False for the rows of the document policy
                kept_doc = np.where(twin, np.searchsorted(starts, kept, side="right") - 1, -1)
                kept_docs = kept_doc.tolist()
                meta = [self.doc_meta.get(d, ("", "")) for d in kept_docs]
                columns: dict[str, Any] = {
                    name: batch.column(name) for name in ("file", "record_id", "id_from", "doc", "unit", "start", "end")
                }
                columns["kind"] = pa.array(np.array(["exact", "near", "document"])[self.kind[rows]], pa.string())
                exact = self.kind[rows] == 0
                columns["similarity"] = pa.array(np.where(exact, 1.0, np.round(self.similarity[rows], 4)))
                columns["cluster"] = pa.array(self.cluster[rows], pa.int64())
                columns["kept_file"] = pa.array([m[0] for m in meta], pa.string())
                columns["kept_record_id"] = pa.array([m[1] for m in meta], pa.string())
                columns["kept_doc"] = pa.array([ids[d] if d >= 0 else "" for d in kept_docs], pa.string())
                columns["kept_unit"] = pa.array(np.where(twin, kept - starts[np.maximum(kept_doc, 0)], -1), pa.int64())
                if self.with_text:
                    columns["text"] = batch.column("text")
                    texts = self.kept_texts
                    columns["kept_text"] = pa.array([texts.get(u, "") for u in kept.tolist()], pa.string())
                out.write_table(pa.table([columns[n] for n in schema.names], schema=schema))
        self.spool.cleanup()

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

    def table(self) -> Any:
        """The removal table in memory (for the library; the command streams it to a file)."""
        import pyarrow.parquet as pq

        with tempfile.TemporaryDirectory(prefix="seedclean-removed-") as folder:
            path = Path(folder) / REMOVED_FILE
            self.write(path)
            return pq.read_table(path)


_INT_COLUMNS = {"unit", "start", "end", "cluster", "kept_unit"}
