"""The removal table: one row per removed unit, complete at any scale, joinable by record id.

Built from the cluster arrays (which unit was removed in favour of which, exact or near, with
what similarity) and, during the one pass that writes the corpus, the texts of the removed
units and of the units kept in their place. Columns are described in ``SCHEMA_DOC``.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from .dedup import ClusterList, DocStats

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
    "kind": "'exact' or 'near'",
    "similarity": "Jaccard similarity of the shingle sets with the kept unit (1.0 for exact copies)",
    "cluster": "number of the cluster (as in report.json)",
    "kept_file": "input file of the unit kept in its place",
    "kept_record_id": "record id of the kept unit",
    "kept_doc": "document id of the kept unit",
    "kept_unit": "index of the kept unit in its document",
    "text": "normalised text of the removed unit",
    "kept_text": "normalised text of the kept unit",
}


class RemovalCollector:
    """Collects the texts the table needs while documents stream by (``on_units``), then builds
    the table (``table``); memory: the texts of removed units and of the units kept for them."""

    def __init__(self, clusters: ClusterList, docs: list[DocStats]) -> None:
        arrays = clusters.arrays()
        self.removed, self.kept = arrays["removed"], arrays["kept"]
        self.exact, self.similarity, self.cluster = arrays["exact"], arrays["similarity"], arrays["cluster"]
        per_doc = np.fromiter((d.units_in for d in docs), dtype=np.int64, count=len(docs))
        self.unit_start = np.concatenate(([0], np.cumsum(per_doc)[:-1])).astype(np.int64) if len(docs) else per_doc
        self.docs = docs
        self.wanted = np.zeros(int(per_doc.sum()), dtype=bool)
        self.wanted[self.removed] = True
        self.wanted[self.kept] = True
        self.texts: dict[int, str] = {}
        self.spans: dict[int, tuple[int, int]] = {}
        self.files: list[str] = [""] * len(docs)
        self.record_ids: list[str] = [""] * len(docs)
        self.id_from: list[str] = ["file"] * len(docs)

    def wants(self, d: int, units: int) -> bool:
        """Whether document ``d`` (of ``units`` units) holds a removed unit or one kept for another."""
        base = int(self.unit_start[d])
        return bool(self.wanted[base : base + units].any())

    def on_document(
        self, d: int, file: str, record_id: str, id_from: str, prefixes: list[str], texts: list[str]
    ) -> None:
        """Called for each document in order with its units (as normalised, before dedup)."""
        self.files[d], self.record_ids[d], self.id_from[d] = file, record_id, id_from
        base = int(self.unit_start[d])
        pos = 0
        for k, (prefix, text) in enumerate(zip(prefixes, texts)):
            pos += len(prefix.lstrip("\n") if k == 0 else prefix)
            if self.wanted[base + k]:
                self.texts[base + k] = text
                self.spans[base + k] = (pos, pos + len(text))
            pos += len(text)

    def table(self, with_text: bool = True) -> Any:
        """The removal table as a pyarrow Table, in order of the removed units."""
        import pyarrow as pa

        starts = np.asarray(self.unit_start, dtype=np.int64)
        doc_of = np.searchsorted(starts, self.removed, side="right") - 1
        kept_doc = np.searchsorted(starts, self.kept, side="right") - 1
        ids = [d.id for d in self.docs]
        columns: dict[str, Any] = {
            "file": [self.files[d] for d in doc_of],
            "record_id": [self.record_ids[d] for d in doc_of],
            "id_from": [self.id_from[d] for d in doc_of],
            "doc": [ids[d] for d in doc_of],
            "unit": pa.array(self.removed - starts[doc_of], pa.int64()),
            "start": pa.array([self.spans.get(int(u), (0, 0))[0] for u in self.removed], pa.int64()),
            "end": pa.array([self.spans.get(int(u), (0, 0))[1] for u in self.removed], pa.int64()),
            "kind": ["exact" if x else "near" for x in self.exact],
            "similarity": pa.array(np.where(self.exact, 1.0, np.round(self.similarity, 4)), pa.float64()),
            "cluster": pa.array(self.cluster, pa.int64()),
            "kept_file": [self.files[d] for d in kept_doc],
            "kept_record_id": [self.record_ids[d] for d in kept_doc],
            "kept_doc": [ids[d] for d in kept_doc],
            "kept_unit": pa.array(self.kept - starts[kept_doc], pa.int64()),
        }
        if with_text:
            columns["text"] = [self.texts.get(int(u), "") for u in self.removed]
            columns["kept_text"] = [self.texts.get(int(u), "") for u in self.kept]
        table = pa.table({k: v if isinstance(v, pa.Array) else pa.array(v, pa.string()) for k, v in columns.items()})
        meta = {f"column:{k}".encode(): v.encode() for k, v in SCHEMA_DOC.items() if k in columns}
        return table.replace_schema_metadata(meta)


def parquet_bytes(table: Any) -> bytes:
    """A pyarrow Table as Parquet bytes."""
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
