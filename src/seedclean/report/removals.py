"""The removal table: one row per removed unit, complete at any scale, joinable by record id.

Built from arrays: the clusters (which unit was removed in favour of which, exact or near, with
what similarity), the units' texts as the engine stored them (UTF-8 with offsets), and the
files and record ids of the documents involved, from the document table. No Python
object per row: columns are gathered, and compressed on a background thread. Columns are
described in ``SCHEMA_DOC``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seedclean.clustering.dedup import ClusterList, DedupResult
from seedclean.clustering.units import StringColumn, string_array
from seedclean.fingerprint.kernels import gather_ranges

__all__ = ["RemovalCollector", "SCHEMA_DOC", "REMOVED_FILE"]

REMOVED_FILE = "removed.parquet"
SCHEMA_DOC = {
    "file": "input file of the removed unit (relative path, as in the output)",
    "record_id": "the record's id: its --id-field value when it has one (null is none), else its line (JSONL)"
    " or row (Parquet) number; empty for a text file",
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
    """Writes the removal table of ``result`` to ``path``. Each row names its documents: from
    the document table and ``file_names`` (a run), or by ``on_document`` for each document
    ``wants`` (a library result, whose records carry their own ids); ``finish`` gathers the
    columns and writes them. Memory: per-unit arrays, and one batch of rows at a time."""

    def __init__(
        self, result: DedupResult, path: Path, with_text: bool = True, file_names: Sequence[str] | None = None
    ) -> None:
        if not isinstance(result.clusters, ClusterList):
            raise TypeError("this result has no cluster arrays to build a removal table from")
        arrays = result.clusters.arrays()
        # units the document policy dropped are rows too, with no unit kept in their place
        extra = np.asarray(result.dropped_units, dtype=np.int64)
        order = np.argsort(np.concatenate((arrays["removed"], extra)), kind="stable")
        self.removed = np.concatenate((arrays["removed"], extra))[order]
        # a unit may be removed for a later one (keep="longest"): the rows are made once every
        # document they name is noted, so the kept side need not come first
        self.kept = np.concatenate((arrays["kept"], np.full(len(extra), -1, dtype=np.int64)))[order]
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
        # where each noted document came from, as columns (documents are noted in ascending order):
        # files and id sources are few, so they are codes into small lists of names
        self._noted: list[int] = []
        self._noted_file: list[int] = []
        self._noted_id: list[str] = []
        self._noted_from: list[int] = []
        self._codes: dict[str, dict[str, int]] = {"file": {"": 0}, "from": {"": 0}}
        self._lookup: Any = None  # the noted columns packed, made once by the first rows
        if file_names is not None:  # a run's documents: their files and record ids are in the table already
            self._note_from_table(involved, list(file_names))
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
        """Note where document ``d`` came from (for each document ``wants`` names, in ascending order)."""
        if self._noted and d <= self._noted[-1]:
            raise ValueError(f"documents must be noted in ascending order: {d} after {self._noted[-1]}")
        files, sources = self._codes["file"], self._codes["from"]
        self._noted.append(d)
        self._noted_file.append(files.setdefault(file, len(files)))
        self._noted_id.append(record_id)
        self._noted_from.append(sources.setdefault(id_from, len(sources)))

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

    def _note_from_table(self, involved: np.ndarray, file_names: list[str]) -> None:
        """Take every involved document's file, record id and id source from the document table,
        so that the writer notes nothing. A document read from a file without a record id is
        named by the file."""
        docs = self.docs
        noted = np.flatnonzero(involved)
        names = ["", *file_names]  # file number -1: no file
        self._lookup = self._lookup_of(
            noted,
            [names[k] for k in (docs.files[noted] + 1).tolist()],
            docs.record_ids.take(noted),
            [docs.id_from[d] or "file" for d in noted.tolist()],
        )
        self.doc_wanted = [False] * len(self.doc_wanted)  # nothing left for the writer to note

    def _lookup_of(
        self, noted: np.ndarray, files: list[str], record_ids: StringColumn, id_from: list[str]
    ) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
        """The noted documents' numbers and, packed as UTF-8 with offsets, their files, record
        ids, document ids and id sources, each with one last empty entry (for a document not
        noted, or none: -1): rows copy their values out by position."""
        return noted, {
            "file": _packed([*files, ""]),
            "record_id": _with_empty(record_ids),
            "doc": _with_empty(self.docs.ids.take(noted)),
            "id_from": _packed([*id_from, ""]),
        }

    def _noted_columns(self) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
        """:meth:`_lookup_of` the documents noted one by one (made once, by the first rows)."""
        if self._lookup is None:
            files, sources = list(self._codes["file"]), list(self._codes["from"])
            self._lookup = self._lookup_of(
                np.asarray(self._noted, dtype=np.int64),
                [files[c] for c in self._noted_file],
                StringColumn.of(self._noted_id),
                [sources[c] for c in self._noted_from],
            )
        return self._lookup  # type: ignore[no-any-return]

    def _meta_columns(self, docs: np.ndarray, prefix: str) -> dict[str, Any]:
        """file, record_id and doc (named with ``prefix``; and id_from without one) of each row's
        document, empty for -1: copied from the noted columns by position, no Python string per row."""
        noted, lookup = self._noted_columns()
        at = np.minimum(np.searchsorted(noted, docs), len(noted))
        found = at < len(noted)
        found[found] = noted[at[found]] == docs[found]
        at = np.where(found, at, len(noted))  # the empty last entry
        names = ["file", "record_id", "doc"] if prefix else ["file", "record_id", "doc", "id_from"]
        columns = {}
        for name in names:
            data, offsets = lookup[name]
            columns[f"{prefix}{name}"] = string_array(*gather_ranges(data, offsets[at], offsets[at + 1]))
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

        A chunk is compressed on a second thread while the next one is made (the compression
        releases the GIL). A run calls this once the corpus is written: the rows need nothing
        from the writing, but made beside it they slowed it by more than they took (session 24)."""
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


def _with_empty(column: StringColumn) -> tuple[np.ndarray, np.ndarray]:
    """The column's UTF-8 bytes and offsets, with one empty string after its last."""
    return column.data, np.concatenate((column.offsets, column.offsets[-1:]))


def _packed(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The strings as UTF-8 bytes and int64 offsets, converted by Arrow (no Python bytes per value)."""
    import pyarrow as pa

    array = pa.array(values, pa.large_string())
    _, offsets, data = array.buffers()
    return (
        np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8),
        np.frombuffer(offsets, dtype=np.int64)[: len(values) + 1],
    )


_REPEATING_COLUMNS = ["file", "id_from", "kind", "kept_file"]
_INT_COLUMNS = {"unit", "start", "end", "cluster", "kept_unit"}
