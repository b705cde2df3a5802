"""The removal table: one row per removed unit, complete at any scale, joinable by record id.

Built from arrays: the clusters (which unit was removed in favour of which, exact or near, with
what similarity), the units' texts as the engine stored them (UTF-8 with offsets), and the
files and record ids of the documents involved, noted while the corpus is written. No Python
object per row: columns are gathered, and compressed on a background thread. Columns are
described in ``SCHEMA_DOC``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from seedclean.clustering.dedup import ClusterList, DedupResult
from seedclean.clustering.units import string_array
from seedclean.fingerprint.kernels import gather_ranges, pack_utf8

__all__ = ["RemovalCollector", "SCHEMA_DOC", "REMOVED_FILE"]

REMOVED_FILE = "removed.parquet"
SCHEMA_DOC = {
    "file": "input file of the removed unit (relative path, as in the output)",
    "record_id": "the record's id: its --id-field value when it has one, else its line (JSONL) or row (Parquet)"
    " number; empty for a text file",
    "id_from": "where record_id came from: the id field's name, 'line', 'row' or 'file'",
    "doc": "the document id seedclean uses (file, or file:line / file:row)",
    "unit": "index of the unit in its document (0-based)",
    "start": "character offset of the unit in the normalised document text (as written with every unit kept:"
    " without leading line breaks)",
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
_CHUNK_ROWS = 8_192  # rows per row group (and per batch handed to the compression thread)


class RemovalCollector:
    """Writes the removal table of ``result`` to ``path``: ``on_document`` notes the file and
    record id of each document ``wants`` names (while the corpus is written), ``finish`` gathers
    the columns and writes them. Memory: per-unit arrays, and one batch of rows at a time."""

    def __init__(self, result: DedupResult, path: Path, with_text: bool = True) -> None:
        if not isinstance(result.clusters, ClusterList):
            raise TypeError("this result has no cluster arrays to build a removal table from")
        arrays = result.clusters.arrays()
        # units the document policy dropped are rows too, with no unit kept in their place
        extra = np.asarray(result.dropped_units, dtype=np.int64)
        order = np.argsort(np.concatenate((arrays["removed"], extra)), kind="stable")
        self.removed = np.concatenate((arrays["removed"], extra))[order]
        self.kept = np.concatenate((arrays["kept"], np.full(len(extra), -1, dtype=np.int64)))[order]
        if np.any(self.kept >= self.removed):  # chunks are made once their rows' documents are noted
            raise ValueError("a unit is removed in favour of a later one: the removal table cannot be streamed")
        self.kind = np.concatenate((np.where(arrays["exact"], 0, 1), np.full(len(extra), 2)))[order].astype(np.int8)
        self.similarity = np.concatenate((arrays["similarity"], np.full(len(extra), np.nan)))[order]
        self.cluster = np.concatenate((arrays["cluster"], np.full(len(extra), -1, dtype=np.int64)))[order]
        docs = result.documents
        per_doc = docs.units_in
        self.unit_start = np.concatenate(([0], np.cumsum(per_doc)[:-1])).astype(np.int64) if len(docs) else per_doc
        self.result = result
        self.docs = docs
        self.with_text = with_text
        # the documents whose file and record id the rows name: those of removed and of kept units
        involved = np.zeros(len(docs), dtype=bool)
        involved[self._doc_of(self.removed)] = True
        involved[self._doc_of(self.kept[self.kept >= 0])] = True
        self.doc_wanted: list[bool] = involved.tolist()
        self.doc_meta: dict[int, tuple[str, str, str]] = {}  # doc -> (file, record id, id from)
        self.seconds = 0.0  # time spent making and writing the table
        self.path = path
        self._writer: Any = None
        self._thread: Any = None
        self._cancelled = threading.Event()

    def _doc_of(self, uids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.unit_start, uids, side="right") - 1

    def wants(self, d: int) -> bool:
        """Whether the table names document ``d`` (it holds a removed unit or one kept for another)."""
        return self.doc_wanted[d]

    def on_document(self, d: int, file: str, record_id: str, id_from: str) -> None:
        """Note where document ``d`` came from (for each document ``wants`` names)."""
        self.doc_meta[d] = (file, record_id, id_from)

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

    def _meta_columns(self, docs: np.ndarray, prefix: str) -> dict[str, Any]:
        """file, record_id and id_from (named with ``prefix``) of each row's document, -1 for none;
        made once per distinct document and spread over the rows."""
        distinct, spread = np.unique(docs, return_inverse=True)
        meta = [self.doc_meta.get(d, ("", "", "")) for d in distinct.tolist()]
        ids = self.docs.ids
        spread = spread.reshape(-1)
        columns = {
            f"{prefix}file": _spread_strings([m[0] for m in meta], spread),
            f"{prefix}record_id": _spread_strings([m[1] for m in meta], spread),
            f"{prefix}doc": _spread_strings([ids[d] if d >= 0 else "" for d in distinct.tolist()], spread),
        }
        if not prefix:
            columns["id_from"] = _spread_strings([m[2] for m in meta], spread)
        return columns

    def _texts(self, uids: np.ndarray) -> tuple[Any, np.ndarray]:
        """(text column of the units ``uids``, their (start, end) characters in their documents);
        ``-1``: no unit, empty text. Each distinct unit's text is fetched once, then copied to its
        rows."""
        distinct, spread = np.unique(uids, return_inverse=True)
        real = distinct >= 0
        data, offsets, spans = self.result.unit_texts(distinct[real])
        if not real.all():  # the document policy's rows: no kept unit (an empty text first)
            offsets = np.concatenate(([0], offsets))
            spans = np.concatenate((np.zeros((1, 2), dtype=np.int64), spans))
        if len(distinct) < len(uids) or not (np.diff(uids) > 0).all():  # not already one per unit, in order
            spread = spread.reshape(-1)
            data, offsets = gather_ranges(data, offsets[spread], offsets[spread + 1])
            spans = spans[spread]
        return string_array(data, offsets), spans

    def _rows(self, lo: int, hi: int) -> Any:
        """Rows ``lo:hi`` as an Arrow table."""
        import pyarrow as pa

        rows = np.arange(lo, hi)
        removed, kept, kind = self.removed[rows], self.kept[rows], self.kind[rows]
        docs, kept_docs = self._doc_of(removed), np.where(kept >= 0, self._doc_of(kept), -1)
        if self.with_text:
            texts, spans = self._texts(removed)
        else:  # spans without reading the texts (a unit is removed once: ``removed`` is ascending)
            spans = self.result.unit_spans(removed)
        columns: dict[str, Any] = {
            **self._meta_columns(docs, ""),
            **self._meta_columns(kept_docs, "kept_"),
            "unit": pa.array(removed - self.unit_start[docs], pa.int64()),
            "start": pa.array(spans[:, 0], pa.int64()),
            "end": pa.array(spans[:, 1], pa.int64()),
            "kind": pa.array(np.array(["exact", "near", "document"])[kind], pa.string()),
            "similarity": pa.array(np.where(kind == 0, 1.0, np.round(self.similarity[rows], 4))),
            "cluster": pa.array(self.cluster[rows], pa.int64()),
            "kept_unit": pa.array(
                np.where(kept >= 0, kept - self.unit_start[np.maximum(kept_docs, 0)], -1), pa.int64()
            ),
        }
        if self.with_text:
            columns["text"] = texts
            columns["kept_text"] = self._texts(kept)[0]
        schema = self._schema()
        return pa.table([columns[name] for name in schema.names], schema=schema)

    def _tables(self, lo: int, hi: int) -> list[Any]:
        """Rows ``lo:hi`` as Arrow tables: one, or halves while a text column would pass 2 GiB."""
        try:
            return [self._rows(lo, hi)]
        except ValueError:
            if hi - lo < 2:
                raise
            mid = (lo + hi) // 2
            return [*self._tables(lo, mid), *self._tables(mid, hi)]

    def finish(self) -> None:
        """Make the rows, chunk by chunk, and write them (an empty table when nothing was removed).

        Rows are made once every document is noted: made while the corpus is written, on a
        thread of their own, they slowed the writing more than they saved (the two share the
        GIL; benchmarks/results/report-share-*.md). A chunk is compressed on a second thread
        while the next one is made (the compression releases the GIL)."""
        from concurrent.futures import ThreadPoolExecutor

        import pyarrow.parquet as pq

        t0 = time.perf_counter()
        try:
            # every unit the rows name, in one round (the Ray engine's texts are in its pieces)
            named = np.concatenate((self.removed, self.kept[self.kept >= 0])) if self.with_text else self.removed
            self.result.prefetch_units(named)
            self._writer = pq.ParquetWriter(
                self.path,
                self._schema(),
                compression="zstd",
                compression_level=1,
                use_dictionary=_REPEATING_COLUMNS,  # not the texts and ids: hashing them is wasted work
            )
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="seedclean-removed")
            pending = None
            for lo in range(0, len(self.removed), _CHUNK_ROWS):
                if self._cancelled.is_set():
                    raise RuntimeError("the removal table was cancelled: the run is stopping")
                for table in self._tables(lo, min(lo + _CHUNK_ROWS, len(self.removed))):
                    if pending is not None:
                        pending.result()
                    pending = self._thread.submit(self._writer.write_table, table)
            if pending is not None:
                pending.result()
        finally:
            self.close()
        self.seconds += time.perf_counter() - t0

    def cancel(self) -> None:
        """Ask a ``finish`` running on another thread to stop at its next chunk."""
        self._cancelled.set()

    def close(self) -> None:
        """Stop the table's thread and close the file (its content is complete only after ``finish``)."""
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self._thread = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def lowest(self) -> list[dict[str, Any]]:
        """The near removals with the lowest similarity (ties: input order), kept side included."""
        near = np.flatnonzero(self.kind == 1)
        rows = near[np.lexsort((self.removed[near], self.similarity[near]))[:AUDIT_ROWS]]
        removed, kept = self.removed[rows], self.kept[rows]
        order = np.argsort(removed)
        texts = dict(zip(removed[order].tolist(), self.result.unit_strings(removed[order])))
        kept_distinct = np.unique(kept)
        kept_texts = dict(zip(kept_distinct.tolist(), self.result.unit_strings(kept_distinct)))
        out = []
        for row, uid, twin in zip(rows.tolist(), removed.tolist(), kept.tolist()):
            d, kept_doc = int(self._doc_of(np.array([uid]))[0]), int(self._doc_of(np.array([twin]))[0])
            out.append(
                {
                    "doc": self.docs.ids[d],
                    "unit": uid - int(self.unit_start[d]),
                    "record_id": "",
                    "kept_doc": self.docs.ids[kept_doc],
                    "kept_unit": twin - int(self.unit_start[kept_doc]),
                    "similarity": round(float(self.similarity[row]), 4),
                    "text": texts[uid],
                    "kept_text": kept_texts[twin],
                }
            )
        return out


def _spread_strings(values: list[str], index: np.ndarray) -> Any:
    """``[values[i] for i in index]`` as an Arrow string array, copied by a compiled gather."""
    data, offsets = pack_utf8(values)
    return string_array(*gather_ranges(data, offsets[index], offsets[index + 1]))


_REPEATING_COLUMNS = ["file", "id_from", "kind", "kept_file"]
_INT_COLUMNS = {"unit", "start", "end", "cluster", "kept_unit"}
