"""The dedup engine: exact and near-duplicate units across a stream of documents.

Data flow: each document is normalised, split into units (:mod:`seedclean.text.segment`), and each
unit gets a dedup key, a 128-bit exact hash and a set of shingle hashes (:mod:`seedclean.fingerprint.shingle`).
Units with the same exact hash form exact groups; one representative per group is signed with
MinHash (:mod:`seedclean.fingerprint.minhash`) and banded (:mod:`seedclean.fingerprint.lsh`); candidate pairs from
shared buckets are verified (exact Jaccard by default); connected components of the verified
edges are split into stars around the unit the keep policy prefers, so that every removed unit
is a near copy of the unit kept in its place.

Documents are spooled to a temporary file while fingerprints are collected, so a one-shot
iterable of any size can be deduplicated and then read back, in input order, with the
duplicates removed.
"""

from __future__ import annotations

import mmap
import pickle
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, overload

import numpy as np

from seedclean.clustering import stages as cluster
from seedclean.clustering.units import (
    BandKeys,
    Growing,
    StringColumn,
    UnitTexts,
    close_map,
    fewer_collections,
    read_at,
    read_spans,
    release_pages,
    return_free_memory,
    split_units,
    unit_spans,
)
from seedclean.fingerprint.kernels import (
    HAVE_NUMBA,
    blocked_intersections,
    compiled,
    dedup_keys,
    exact_hashes,
    hash_slots,
    pack_utf8,
    signatures_flat,
    sorted_unique,
    unpack,
    word_char_table,
    word_shingles_guarded,
    word_shingles_packed,
)
from seedclean.fingerprint.lsh import band_keys, candidate_pairs, optimal_params, recall_params
from seedclean.fingerprint.shingle import shingle_hashes, tokens, word_hash
from seedclean.io.jsonline import JsonLine, JsonlRecords
from seedclean.text import segment
from seedclean.text.mojibake import fix_surrogates
from seedclean.text.normalize import CHANGE_KINDS, NormalizeOptions, normalize_many

__all__ = [
    "DedupOptions",
    "Document",
    "DedupResult",
    "Cluster",
    "Member",
    "dedup",
    "Deduplicator",
    "Prepared",
    "prepare",
    "prepare_batch",
]

DEFAULT_NORMALIZE = NormalizeOptions()
KEEP_POLICIES = ("first", "longest")
SHORT_POLICIES = ("exact", "char")
VERIFY_MODES = ("jaccard", "signature")
BANDINGS = ("recall", "datasketch")
DEDUP_MODES = ("near", "exact", "off")


class Timings(dict[str, float]):
    """Seconds per stage; missing stages read as 0 and ``add`` sums another's figures in."""

    def __missing__(self, key: str) -> float:
        return 0.0

    def add(self, other: dict[str, float]) -> None:
        for key, value in other.items():
            self[key] += value


@dataclass(frozen=True)
class DedupOptions:
    """How documents are split, compared and pruned.

    Attributes:
        granularity: ``"paragraph"``, ``"line"``, ``"sentence"`` or ``"document"`` (whole
            documents, what datatrove, NeMo Curator and text-dedup deduplicate): the unit that is
            deduplicated.
        segmentation: ``"auto"`` (per document: blank-line paragraphs if it has blank lines, else
            lines, hard-wrapped ones joined back into their paragraph, and a short document of
            narrow lines whole), ``"blank"`` (blank-line paragraphs) or ``"line"`` (every line a unit).
        threshold: Jaccard similarity at or above which two units are near duplicates.
        num_perm: MinHash permutations.
        seed: MinHash seed (the same as ``datasketch.MinHash(seed=...)``).
        shingle: ``"word"`` (word n-grams; a Vietnamese word is a syllable) or ``"char"``.
        ngram: shingle size in words (or characters for ``shingle="char"``).
        short: units with fewer than ``min_shingles`` shingles (a unit of fewer words than
            ``ngram`` has none): ``"exact"`` (exact match only) or ``"char"`` (near-duplicate
            search on character ``char_ngram``-grams).
        min_shingles: a unit needs at least this many shingles for near-duplicate search; with
            few, one changed word moves Jaccard across any threshold (2 shingles: 0.33 or 1.0).
        char_ngram: character shingle size for ``short="char"``.
        keep: ``"first"`` (first occurrence in input order) or ``"longest"``.
        ignore_punctuation: punctuation does not tell exact duplicates apart.
        verify: ``"jaccard"`` (exact Jaccard of the shingles) or ``"signature"`` (MinHash
            estimate; a removed unit is then a near copy by the estimate, which can be a little
            under the threshold in exact Jaccard).
        banding: how bands and rows follow from the threshold when they are not given:
            ``"recall"`` (every candidate is verified, so pair 99% of the units at exactly the
            threshold with the fewest candidates) or ``"datasketch"`` (``MinHashLSH``'s choice,
            which at 0.8 pairs only 40% of them).
        bands, rows: LSH banding, overriding ``banding``.
        guard_words: words that flip what a sentence says, space-separated: negation and
            prohibition (``không``, ``đừng`` ...), on/off and lock/unlock, left/right, rows and
            columns, axes. Two units whose counts of these words differ are never near
            duplicates (``Đừng sử dụng X.`` is not a copy of ``Sử dụng X.``, nor ``Bật X`` of
            ``Tắt X``). Chosen on hand-labelled real removals (benchmarks/results/dedup-labels.md).
            Empty: no guard. Exact duplicates are not affected.
        repair_line_breaks: join numbers broken across lines (``1.`` / ``000``).
        keep_empty: keep documents that lose every unit (as empty documents).
        min_kept: the document policy: a document keeping less than this share of its text
            (characters of its kept units over all its units) after unit-level dedup is dropped
            whole, so a mostly copied article leaves no orphan fragments; a document whose kept
            unit stands in for a removed copy elsewhere is never dropped. 0 (default): off.
        mode: ``"near"`` (exact and near duplicates), ``"exact"`` (exact duplicates only) or
            ``"off"`` (normalise only: every unit is kept).
    """

    granularity: str = "paragraph"
    segmentation: str = "auto"
    threshold: float = 0.8
    num_perm: int = 128
    seed: int = 1
    shingle: str = "word"
    ngram: int = 3
    short: str = "exact"
    char_ngram: int = 5
    min_shingles: int = 1
    keep: str = "first"
    ignore_punctuation: bool = True
    verify: str = "jaccard"
    banding: str = "recall"
    guard_words: str = "không chẳng chả chưa đừng chớ bật tắt mở khóa hủy bỏ tháo trái phải ngang dọc hàng cột x y z"
    bands: int | None = None
    rows: int | None = None
    repair_line_breaks: bool = True
    keep_empty: bool = False
    min_kept: float = 0.0
    mode: str = "near"

    def __post_init__(self) -> None:
        checks = [
            (self.granularity in segment.GRANULARITIES, f"granularity {self.granularity!r}"),
            (self.segmentation in segment.MODES, f"segmentation {self.segmentation!r}"),
            (0.0 < self.threshold < 1.0, f"threshold {self.threshold} (must be between 0 and 1)"),
            (self.num_perm >= 2, f"num_perm {self.num_perm} (must be at least 2)"),
            (self.shingle in ("word", "char"), f"shingle {self.shingle!r} (word or char)"),
            (self.ngram >= 1 and self.char_ngram >= 1, "ngram sizes must be at least 1"),
            (self.min_shingles >= 1, f"min_shingles {self.min_shingles} (must be at least 1)"),
            (self.short in SHORT_POLICIES, f"short {self.short!r} (exact or char)"),
            (self.keep in KEEP_POLICIES, f"keep {self.keep!r} (first or longest)"),
            (self.verify in VERIFY_MODES, f"verify {self.verify!r} (jaccard or signature)"),
            ((self.bands is None) == (self.rows is None), "bands and rows go together"),
            (self.mode in DEDUP_MODES, f"mode {self.mode!r} (near, exact or off)"),
            (self.banding in BANDINGS, f"banding {self.banding!r} (recall or datasketch)"),
            (0.0 <= self.min_kept <= 1.0, f"min_kept {self.min_kept} (a share between 0 and 1)"),
        ]
        for ok, what in checks:
            if not ok:
                raise ValueError(f"invalid dedup option: {what}")
        if self.bands is not None and self.rows is not None and self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows = {self.bands * self.rows} exceeds num_perm {self.num_perm}")

    def lsh_params(self) -> tuple[int, int]:
        """(bands, rows) in force."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        if self.banding == "datasketch":
            return optimal_params(self.threshold, self.num_perm)
        return recall_params(self.threshold, self.num_perm)


@dataclass
class Document:
    """A document: an id (file path, record number), its text and any other fields."""

    id: str
    text: str
    meta: dict[str, Any] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled by its fields: about twice as fast as a dataclass's default (the spool holds one per record)
        return (Document, (self.id, self.text, self.meta))


@dataclass(frozen=True)
class Member:
    """One unit in a cluster."""

    doc: int
    doc_id: str
    index: int
    text: str
    kind: str  # "kept", "exact" or "near"
    similarity: float  # Jaccard with the kept unit (1.0 for exact duplicates and the kept unit)


@dataclass(frozen=True)
class Cluster:
    """A group of duplicate units and the one that survives."""

    id: int
    kept: Member
    removed: tuple[Member, ...]

    @property
    def size(self) -> int:
        return 1 + len(self.removed)


@dataclass
class DocStats:
    """Per-document figures for the report."""

    id: str
    units_in: int = 0
    units_out: int = 0
    exact_removed: int = 0
    near_removed: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    mode: str = ""
    legacy: dict[str, int] = field(default_factory=dict)  # lines converted, per legacy encoding
    fixes: dict[str, int] = field(default_factory=dict)  # the normaliser's fixes in this document, per kind
    record_id: str = ""  # the record's id field, or its line / row number (see id_from)
    id_from: str = ""  # the id field's name, "line", "row", or "" for a text file / library record


class DocumentTable(Sequence[DocStats]):
    """Per-document figures as columns, one entry per document in input order: what the report
    and documents.parquet are made of, with no Python object per document. Indexing gives a
    :class:`DocStats` copy; figures change through the columns (``bytes_out[d] = ...``).

    The normaliser's fixes are sparse: ``fix_docs`` (ascending document numbers) and one row of
    ``fix_counts`` per listed document, a column per kind of ``CHANGE_KINDS``.
    """

    def __init__(
        self,
        ids: Sequence[str],
        record_ids: Sequence[str],
        id_from: list[str],
        modes: list[str],
        units_in: np.ndarray,
        bytes_in: np.ndarray,
        fix_docs: np.ndarray | None = None,
        fix_counts: np.ndarray | None = None,
        files: np.ndarray | None = None,
    ) -> None:
        n = len(ids)
        # ids as packed columns (millions of distinct short strings); id sources and modes are a
        # few shared strings, so a list of references is smaller
        self.ids = ids if isinstance(ids, StringColumn) else StringColumn.of(ids)
        self.record_ids = record_ids if isinstance(record_ids, StringColumn) else StringColumn.of(record_ids)
        self.id_from, self.modes = id_from, modes
        # each document's input file (its number in the run's file list), -1 for a library record
        self.files = np.asarray(files, dtype=np.int32) if files is not None else np.full(n, -1, dtype=np.int32)
        self.units_in = np.asarray(units_in, dtype=np.int64)
        self.bytes_in = np.asarray(bytes_in, dtype=np.int64)
        self.units_out = self.units_in.copy()
        self.exact_removed = np.zeros(n, dtype=np.int64)
        self.near_removed = np.zeros(n, dtype=np.int64)
        self.bytes_out = np.zeros(n, dtype=np.int64)
        self.dropped = np.zeros(n, dtype=bool)  # dropped whole by the document policy (``min_kept``)
        self.fix_docs = fix_docs if fix_docs is not None else np.zeros(0, dtype=np.int64)
        self.fix_counts = fix_counts if fix_counts is not None else np.zeros((0, len(CHANGE_KINDS)), dtype=np.int64)

    @classmethod
    def concat(cls, tables: Sequence[DocumentTable]) -> DocumentTable:
        """The tables one after the other (documents renumbered)."""
        if not tables:
            return cls([], [], [], [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        firsts = np.cumsum([0] + [len(t) for t in tables[:-1]])
        out = cls(
            StringColumn.concat([t.ids for t in tables]),
            StringColumn.concat([t.record_ids for t in tables]),
            [i for t in tables for i in t.id_from],
            [m for t in tables for m in t.modes],
            np.concatenate([t.units_in for t in tables]),
            np.concatenate([t.bytes_in for t in tables]),
            np.concatenate([t.fix_docs + first for t, first in zip(tables, firsts)]),
            np.concatenate([t.fix_counts for t in tables]),
            np.concatenate([t.files for t in tables]),
        )
        for name in ("units_out", "exact_removed", "near_removed", "bytes_out", "dropped"):
            setattr(out, name, np.concatenate([getattr(t, name) for t in tables]))
        return out

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> DocStats: ...

    @overload
    def __getitem__(self, i: slice) -> list[DocStats]: ...

    def __getitem__(self, i: int | slice) -> DocStats | list[DocStats]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("document number out of range")
        fixes = self.fixes_of(i)
        return DocStats(
            id=self.ids[i],
            units_in=int(self.units_in[i]),
            units_out=int(self.units_out[i]),
            exact_removed=int(self.exact_removed[i]),
            near_removed=int(self.near_removed[i]),
            bytes_in=int(self.bytes_in[i]),
            bytes_out=int(self.bytes_out[i]),
            mode=self.modes[i],
            legacy={k[7:]: v for k, v in fixes.items() if k.startswith("legacy_")},
            fixes=fixes,
            record_id=self.record_ids[i],
            id_from=self.id_from[i],
        )

    def fixes_of(self, i: int) -> dict[str, int]:
        """The normaliser's fixes in document ``i``, per kind (sorted; kinds with none left out)."""
        at = int(np.searchsorted(self.fix_docs, i))
        if at == len(self.fix_docs) or self.fix_docs[at] != i:
            return {}
        return {k: int(n) for k, n in sorted(zip(CHANGE_KINDS, self.fix_counts[at].tolist())) if n}

    def set_removed(self, exact_per_doc: np.ndarray, near_per_doc: np.ndarray) -> None:
        """Record how many units of each document went as exact and as near copies."""
        self.exact_removed = np.asarray(exact_per_doc, dtype=np.int64)
        self.near_removed = np.asarray(near_per_doc, dtype=np.int64)
        self.units_out = self.units_in - self.exact_removed - self.near_removed

    def set_dropped(self, dropped: np.ndarray) -> None:
        """Mark the documents the document policy dropped (bool per document): nothing of them is kept."""
        self.dropped = np.asarray(dropped, dtype=bool)
        self.units_out[self.dropped] = 0


@dataclass(frozen=True)
class RenderJob:
    """A run of documents to write: their spool entries and unit texts as read from the run's
    files, and which of their units are kept. Plain bytes and arrays, so that a worker process
    can render it (:func:`seedclean.io.write.render_lines`)."""

    first: int  # number of the first document
    spool: bytes  # the documents' pickled spool entries, one after the other
    spool_ends: np.ndarray  # int64: each entry's end in ``spool``
    units_in: np.ndarray  # int64: units of each document
    unit_utf8: bytes  # the units' texts, one after the other
    unit_ends: np.ndarray  # int64: each unit's end in ``unit_utf8``
    unit_lengths: np.ndarray  # int64: each unit's length in characters
    keep: np.ndarray  # bool: which units are kept
    keep_empty: bool
    bytes_in: int = 0  # the documents' input size (for progress)

    def __len__(self) -> int:
        return len(self.units_in)

    @classmethod
    def of_prepared(cls, p: Prepared, first: int, keep: np.ndarray, keep_empty: bool) -> RenderJob:
        """The job of a whole prepared batch (a Ray piece), whose first document is ``first``."""
        return cls(
            first=first,
            spool=p.payload,
            spool_ends=np.cumsum(p.payload_sizes).astype(np.int64),
            units_in=p.docs.units_in,
            unit_utf8=p.unit_utf8.tobytes(),
            unit_ends=np.asarray(p.unit_bounds[1:], dtype=np.int64),
            unit_lengths=p.unit_spans[:, 1] - p.unit_spans[:, 0],
            keep=keep,
            keep_empty=keep_empty,
            bytes_in=int(p.docs.bytes_in.sum()),
        )

    def documents(self) -> Iterator[tuple[Any, str]]:
        """(record as spooled, cleaned text) of each document, in order."""
        first_unit = 0
        for k, entry in enumerate(read_spans(self.spool, self.spool_ends)):
            yield self.document(pickle.loads(entry), first_unit, int(self.units_in[k]))
            first_unit += int(self.units_in[k])

    def document(self, entry: tuple[Any, ...], first_unit: int, units: int) -> tuple[Any, str]:
        """(record as spooled, cleaned text) of the document whose unpickled spool entry is
        ``entry``, whose units are ``first_unit`` and the ``units - 1`` after it."""
        record, prefixes, trailer = from_spool(entry)
        last = first_unit + units
        start = int(self.unit_ends[first_unit - 1]) if first_unit else 0
        texts = (
            split_units(
                memoryview(self.unit_utf8)[start : self.unit_ends[last - 1]], self.unit_lengths[first_unit:last]
            )
            if units
            else []
        )
        return record, _kept_text(prefixes, texts, trailer, self.keep, first_unit)


@dataclass
class DedupResult:
    """What :func:`dedup` found. Iterate it for the cleaned records, in input order."""

    options: DedupOptions
    normalize_options: NormalizeOptions | None
    bands: int
    rows: int
    documents: DocumentTable
    clusters: Sequence[Cluster]  # a ClusterList from the engines: clusters are built when looked at
    changes: Counter[str]
    repairs: int
    timings: dict[str, float] = field(default_factory=dict)
    _spool: Any = None
    _spool_ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # per document
    _units: UnitTexts | None = None  # every unit's text (the Ray engine's stay in its pieces)
    _keep: np.ndarray | None = None
    _unit_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _offset_runs: list[tuple[int, int]] = field(default_factory=list)  # (first document, line offset) runs
    dropped_units: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # by ``min_kept``
    guard_kept_apart: int = 0  # candidate pairs similar enough whose guard words differ: not near copies
    _closed: bool = False
    _arrow_schema: Any = None  # the schema of the Arrow table dedup() was given, for to_arrow()

    @property
    def units_in(self) -> int:
        return int(self.documents.units_in.sum())

    @property
    def units_out(self) -> int:
        return int(self.documents.units_out.sum())

    @property
    def exact_removed(self) -> int:
        return int(self.documents.exact_removed.sum())

    @property
    def near_removed(self) -> int:
        return int(self.documents.near_removed.sum())

    def __iter__(self) -> Iterator[Any]:
        """Cleaned records in input order (documents that lost everything are skipped unless
        ``keep_empty``; a record that had no text to begin with is kept): same type as given,
        text replaced."""
        units_in = self.documents.units_in
        for d, record, text in self.iter_documents():
            if text or self.options.keep_empty or units_in[d] == 0:
                yield record

    def to_arrow(self) -> Any:
        """The cleaned records (what iterating gives) as a ``pyarrow.Table``: with the schema of
        the table :func:`dedup` was given, else the dicts' fields, or a ``text`` column for str
        (and ``id`` for Documents). Made a batch of rows at a time, never all as Python objects."""
        import pyarrow as pa

        def table_of(rows: list[Any]) -> Any:
            dicts = [
                r if isinstance(r, dict) else {"id": r.id, "text": r.text} if isinstance(r, Document) else {"text": r}
                for r in rows
            ]
            return pa.Table.from_pylist(dicts, schema=self._arrow_schema)

        tables, rows = [], []
        for record in self:
            rows.append(record)
            if len(rows) == _ROWS_PER_TABLE:
                tables.append(table_of(rows))
                rows = []
        if rows or not tables:
            tables.append(table_of(rows))
        return pa.concat_tables(tables) if len(tables) > 1 else tables[0]

    def iter_documents(
        self, on_record: Callable[[int, Any], None] | None = None, as_spooled: bool = False
    ) -> Iterator[tuple[int, Any, str]]:
        """(document number, cleaned record, cleaned text) for every document, empty ones
        included (its figures: ``documents[d]``); ``on_record(doc number, record as read)`` sees
        each one first. ``as_spooled``: the record as it was spooled instead (its text not set,
        a line number counted from its piece), for a writer that needs only its file and line."""
        if self._spool is None or self._keep is None or self._units is None:
            if self._closed:
                raise ValueError("this DedupResult is closed (its with block has ended): iterate it inside the block")
            return
        runs = [*self._offset_runs, (len(self.documents), 0)]
        run, offset = 0, 0
        # read as the writers' jobs read them: one reader of the spool and the unit texts
        for job in self.render_jobs(_DOCUMENTS_PER_READ):
            for d, (record, text) in enumerate(job.documents(), start=job.first):
                if as_spooled:
                    yield d, record, text
                    continue
                while runs[run][0] <= d:
                    offset = runs[run][1]
                    run += 1
                record = shift_record(record, offset)
                if on_record is not None:
                    on_record(d, record)
                yield d, _with_text(record, text), text

    @property
    def renders_jobs(self) -> bool:
        """Whether :meth:`render_jobs` can read this result's documents (its spool and unit texts
        are local files; a Ray result's documents stay in its pieces)."""
        return self._spool is not None and self._units is not None and self._keep is not None

    @property
    def renders_lines(self) -> bool:
        """Whether :meth:`rendered_lines` can give this result's documents as JSONL lines."""
        return self.renders_jobs

    def rendered_lines(
        self,
        text_field: str,
        mapper: Callable[[Callable[[Any], Any], Iterator[Any]], Iterable[Any]] = map,
        documents_per_job: int = 4096,
    ) -> Iterable[Any]:
        """Every document as the JSONL line it is written as (records read from JSONL), in runs:
        :class:`seedclean.io.write.Rendered`, one per job, in order. ``mapper`` maps the render
        function over the jobs (``map``, or a process pool's)."""
        from seedclean.io.write import render_lines

        return mapper(partial(render_lines, text_field=text_field), self.render_jobs(documents_per_job))

    def render_jobs(self, documents_per_job: int) -> Iterator[RenderJob]:
        """The documents in runs of ``documents_per_job``, as jobs a worker can render: each
        reads its spool entries and unit texts from the files once. Records come as spooled
        (see ``iter_documents(as_spooled=True)``)."""
        if self._closed:
            raise ValueError("this DedupResult is closed (its with block has ended): iterate it inside the block")
        if self._spool is None or self._keep is None or self._units is None:
            raise ValueError("this result's documents are not in local files: use iter_documents")
        self._spool.flush()
        units_in = self.documents.units_in
        ends = self._spool_ends
        for first in range(0, len(units_in), documents_per_job):
            last = min(first + documents_per_job, len(units_in))
            start = int(ends[first - 1]) if first else 0
            u0, u1 = int(self._unit_start[first]), int(self._unit_start[first]) + int(units_in[first:last].sum())
            raw, unit_ends, lengths = self._units.run(u0, u1)
            yield RenderJob(
                first=first,
                spool=read_at(self._spool, int(ends[last - 1]) - start, start),
                spool_ends=ends[first:last] - start,
                units_in=units_in[first:last],
                unit_utf8=raw,
                unit_ends=unit_ends,
                unit_lengths=lengths,
                keep=self._keep[u0:u1],
                keep_empty=self.options.keep_empty,
                bytes_in=int(self.documents.bytes_in[first:last].sum()),
            )

    @property
    def removed(self) -> Any:
        """Every removed unit as a pyarrow Table (columns in ``seedclean.report.removals.SCHEMA_DOC``):
        record id (a dict's ``id`` field, else the record's position), unit, kind, similarity,
        the unit kept in its place and both texts. Reads the spooled records once (for their ids)."""
        import pyarrow.parquet as pq

        from seedclean.report.removals import RemovalCollector

        folder = tempfile.TemporaryDirectory(prefix="seedclean-removed-")
        path = Path(folder.name) / "removed.parquet"
        collector = RemovalCollector(self, path)

        def on_record(d: int, record: Any) -> None:
            if not collector.wants(d):
                return
            rid, source = str(d), "position"
            if isinstance(record, tuple) and isinstance(record[0], dict) and record[0].get("id") is not None:
                rid, source = str(record[0]["id"]), "id"
            elif isinstance(record, Document):
                meta = record.meta or {}
                rid, source = meta.get("record_id", record.id), meta.get("id_from", "doc")
            collector.on_document(d, "", rid, source)

        with folder:
            try:
                for _ in self.iter_documents(on_record):
                    pass
                collector.finish()
            finally:
                collector.close()
            return pq.read_table(path)

    def explain(self, record_id: Any) -> list[dict[str, Any]]:
        """What happened to each unit of the record named ``record_id`` (see :attr:`removed`):
        one dict per removed unit with its kind, similarity, the kept twin and both texts."""
        table = self.removed
        rows: list[dict[str, Any]] = [r for r in table.to_pylist() if r["record_id"] == str(record_id)]
        return rows

    def unit_texts(self, uids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(UTF-8 bytes of the units ``uids``, ascending unit numbers, one after the other; their
        offsets; each one's (start, end) characters in its document's normalised text)."""
        if self._units is None:
            raise ValueError("this DedupResult is closed (its with block has ended): ask for texts inside the block")
        return self._units.gather(uids)

    def unit_spans(self, uids: np.ndarray) -> np.ndarray:
        """Each unit's (start, end) characters in its document's normalised text, without its
        text (a removal table without texts needs only these)."""
        if self._units is None:
            raise ValueError("this DedupResult is closed (its with block has ended): ask for spans inside the block")
        return self._units.spans(uids)

    def prefetch_units(self, uids: np.ndarray) -> None:
        """Say that the texts of ``uids`` will be asked for (an engine that keeps them remotely
        fetches them at once); here they are at hand already."""

    def unit_strings(self, uids: np.ndarray) -> list[str]:
        """The normalised texts of the units ``uids`` (ascending), as Python strings."""
        data, offsets, _spans = self.unit_texts(uids)
        raw = data.tobytes()
        return [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]

    def close(self) -> None:
        """Delete the spooled documents and unit texts; iterating afterwards raises ValueError."""
        if isinstance(self.clusters, ClusterList):
            self.clusters.fetch_texts = None  # the texts the report lists stay
        if self._units is not None:
            self._units.close()
            self._units = None
        if self._spool is not None:
            self._spool.close()
            self._spool = None
            self._closed = True

    def __enter__(self) -> DedupResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text_of(record: Any, text_field: str) -> tuple[str, str | None, dict[str, Any] | None]:
    if isinstance(record, str):
        return record, None, None
    if isinstance(record, Document):
        return record.text, record.id, record.meta
    if isinstance(record, dict):
        if text_field not in record:
            raise KeyError(f"record has no {text_field!r} field (fields: {sorted(record)[:8]})")
        text = record[text_field]
        if not isinstance(text, str):
            raise TypeError(f"field {text_field!r} is {type(text).__name__}, not str")
        return text, None, None
    raise TypeError(f"cannot deduplicate a {type(record).__name__}; give str, dict or Document")


_DOCUMENTS_PER_READ = 4096  # documents read back from the spool at a time
_ROWS_PER_TABLE = 65_536  # rows turned from Python objects into Arrow at a time (DedupResult.to_arrow)
_JSONL_META = ("file", "record", "record_id", "id_from")  # what the JSONL reader puts in a Document


def to_spool(record: Any, prefixes: list[str], trailer: str, without_text: str | None = None) -> tuple[Any, ...]:
    """What is pickled for one document: a JSONL record (a ``Document`` with the reader's meta) as
    one flat tuple of its fields, which pickles and unpickles about 7x faster than the objects;
    any other record as it is. With ``without_text`` (the text field), the record's text is left
    out (it is rebuilt from the units). :func:`from_spool` is the inverse."""
    meta = record.meta if type(record) is Document else None
    if meta is not None and tuple(meta) == _JSONL_META and type(meta["record"]) is JsonLine:
        line = meta["record"]
        return (
            record.id,
            "" if without_text is not None else record.text,
            meta["file"],
            line.head,
            line.tail,
            meta["record_id"],
            meta["id_from"],
            prefixes,
            trailer,
        )
    return (_without_text(record, without_text) if without_text is not None else record, prefixes, trailer)


def one_line_spooled(entry: tuple[Any, ...], units: int) -> tuple[str, str] | None:
    """(head, tail) of the line of a spooled JSONL record whose cleaned text is its one unit as
    it stands (no separator, no trailer) or empty (no unit); None for any other entry."""
    if len(entry) == 9 and (units == 0 or (units == 1 and entry[7] == [""] and not entry[8])):
        return entry[3], entry[4]
    return None


def from_spool(entry: tuple[Any, ...]) -> tuple[Any, list[str], str]:
    """(record, separators, trailer) from what :func:`to_spool` made."""
    if len(entry) == 3:
        return entry
    doc_id, text, file, head, tail, record_id, id_from, prefixes, trailer = entry
    meta = {"file": file, "record": JsonLine(head, tail), "record_id": record_id, "id_from": id_from}
    return Document(doc_id, text, meta), prefixes, trailer


def _kept_text(prefixes: list[str], texts: list[str], trailer: str, keep: np.ndarray, base: int) -> str:
    """A document rebuilt from the units ``keep[base:base + len(texts)]`` says it keeps ("" if none)."""
    if len(texts) == 1:  # the common one-unit record, without building segments
        return prefixes[0].lstrip("\n") + texts[0] + trailer if keep[base] else ""
    mask = keep[base : base + len(texts)]
    kept = [segment.Segment(t, p) for t, p, k in zip(texts, prefixes, mask) if k]
    return segment.join(kept, trailer) if kept else ""


def shift_record(record: Any, offset: int) -> Any:
    """A record read from a byte range of a file, its id and line number (when the line names
    it) counted from the file's start: ``offset`` lines came before the range."""
    if not offset or not isinstance(record, Document):
        return record
    rel, line = record.id.rsplit(":", 1)
    meta = dict(record.meta or {})
    if meta.get("id_from") == "line":
        meta["record_id"] = str(int(meta["record_id"]) + offset)
    return Document(f"{rel}:{int(line) + offset}", record.text, meta)


def _with_text(record: Any, text: str) -> Any:
    if isinstance(record, str):
        return text
    if isinstance(record, Document):
        return Document(record.id, text, record.meta)
    if isinstance(record, tuple) and len(record) == 2:  # (dict, text_field) from the spool
        rec, fld = record
        out = dict(rec)
        out[fld] = text
        return out
    return record


@dataclass
class Prepared:
    """Documents normalised, split and fingerprinted: what :meth:`Deduplicator.add_prepared`
    needs. Plain data (numpy arrays and one bytes payload, no object per unit), so a batch can
    be computed in a worker process or on a Ray node and shipped cheaply."""

    docs: DocumentTable  # one row per document, in order; ``units_in`` says how many units each has
    payload: bytes  # the pickled (record, separators, trailer) of each document, concatenated (texts: unit_utf8)
    payload_sizes: np.ndarray  # int64 per document: its bytes in ``payload``
    hashes: bytes  # 16 bytes per unit
    shingles: np.ndarray  # uint32, sorted unique per unit, concatenated
    counts: np.ndarray  # int32 shingles per unit
    kinds: np.ndarray  # int8 per unit: 0 exact match only, 1 main shingles, 2 char shingles
    band_keys: np.ndarray  # uint64 (units, bands): LSH bucket of each band (rows of kind 0 unused)
    guard: np.ndarray  # uint64 per unit: digest of its guard words (0: none); differing units are never near copies
    signatures: np.ndarray | None  # uint32 (units, num_perm), kept only for verify="signature"
    changes: Counter[str]
    repairs: int
    timings: Timings
    unit_utf8: np.ndarray  # uint8: every unit's normalised text as UTF-8, one after the other
    unit_bounds: np.ndarray  # int64, units + 1 offsets into ``unit_utf8``
    unit_spans: np.ndarray  # int64 (units, 2): each unit's (start, end) characters in its document's text

    @property
    def lengths(self) -> np.ndarray:
        """int32 characters per unit (for keep="longest" and the document policy), from its span."""
        lengths: np.ndarray = (self.unit_spans[:, 1] - self.unit_spans[:, 0]).astype(np.int32)
        return lengths


def guard_words_list(guard_words: str) -> list[str]:
    """The guard words, sorted and unique: a word's index in this list is what the digest mixes."""
    return sorted(set(guard_words.split()))


def guard_digest(counts: list[tuple[int, int]]) -> int:
    """64-bit FNV-1a over (guard word index, occurrences) pairs in index order; never 0."""
    h = 0xCBF29CE484222325
    for index, count in counts:
        h = ((h ^ index) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        h = ((h ^ count) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h or 1


def guard_profile(data: np.ndarray, bounds: np.ndarray, guard_words: str) -> np.ndarray:
    """Per unit of the packed UTF-8 keys, a 64-bit digest of how many times each guard word
    occurs among its tokens (0 when none does).

    Near edges come from LSH buckets of (band key, digest), so units whose guard words differ
    never become candidates; a second pass over the band keys alone counts the similar pairs the
    guard kept apart. :func:`guard_profile_reference` is its twin. (A run computes it with the
    word shingles, in one pass: :func:`fingerprint`.)
    """
    words = guard_words_list(guard_words)
    if not words or not HAVE_NUMBA:
        keys = [
            data[bounds[i] : bounds[i + 1]].tobytes().decode("utf-8", "surrogatepass") for i in range(len(bounds) - 1)
        ]
        return guard_profile_reference(keys, guard_words)
    out: np.ndarray = compiled().guard_profiles_kernel(data, bounds, word_char_table(), *guard_arrays(words))
    return out


def guard_arrays(words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The guard words as the kernels take them: UTF-8 bytes, word bounds, each word's FNV-1a-32
    (:func:`seedclean.fingerprint.shingle.word_hash`, what the shingles hash a token by) and a
    :func:`seedclean.fingerprint.kernels.hash_slots` table of the words by that hash."""
    encoded = [w.encode("utf-8") for w in words]
    packed = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    word_bounds = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=word_bounds[1:])
    hashes = np.array([word_hash(w) for w in words], dtype=np.uint64)
    return packed, word_bounds, hashes, hash_slots(hashes)


def guard_profile_reference(keys: list[str], guard_words: str) -> np.ndarray:
    """:func:`guard_profile` the plain way: count each guard word among the key's tokens."""
    words = guard_words_list(guard_words)
    out = np.zeros(len(keys), dtype=np.uint64)
    for i, key in enumerate(keys):
        found = tokens(key)
        counts = [(j, found.count(w)) for j, w in enumerate(words) if w in found]
        if counts:
            out[i] = guard_digest(counts)
    return out


def fingerprint(
    data: np.ndarray, bounds: np.ndarray, options: DedupOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(flat shingles, shingles per unit, kind per unit, guard digest per unit) for a batch of
    dedup keys packed as UTF-8. Word shingles and guard digests come from one pass over the
    tokens when numba is there."""
    words = guard_words_list(options.guard_words)
    if options.shingle == "word" and words and HAVE_NUMBA:
        flat, offsets, guard = word_shingles_guarded(data, bounds, options.ngram, guard_arrays(words))
        counts = np.diff(offsets).astype(np.int32)
    elif options.shingle == "word":
        flat, offsets = word_shingles_packed(data, bounds, options.ngram)
        counts = np.diff(offsets).astype(np.int32)
        guard = guard_profile(data, bounds, options.guard_words)
    else:
        sets = [shingle_hashes(k, "char", options.ngram) for k in unpack(data, bounds)]
        counts = np.array([len(x) for x in sets], dtype=np.int32)
        flat = np.concatenate(sets).astype(np.uint32) if sets else np.empty(0, dtype=np.uint32)
        guard = guard_profile(data, bounds, options.guard_words)
    kinds = (counts >= options.min_shingles).astype(np.int8)
    if options.short == "char" and not kinds.all():
        parts, new_counts = [], counts.copy()
        offsets = np.concatenate(([0], np.cumsum(counts)))
        for i in range(len(counts)):
            if kinds[i]:
                parts.append(flat[offsets[i] : offsets[i + 1]])
                continue
            key = data[bounds[i] : bounds[i + 1]].tobytes().decode("utf-8", "surrogatepass")
            short = shingle_hashes(key, "char", options.char_ngram)
            parts.append(short)
            new_counts[i] = len(short)
            kinds[i] = 2 if len(short) else 0
        flat = np.concatenate(parts).astype(np.uint32) if parts else flat
        counts = new_counts
    return flat, counts, kinds, guard


BATCH_CHARS = 1 << 20  # records are prepared together (one call per kernel) up to this many characters
BATCH_RECORDS = 4096  # or this many records, whichever comes first


def record_batches(
    records: Iterable[Any], text_field: str = "text", chars: int = BATCH_CHARS, most: int = BATCH_RECORDS
) -> Iterator[list[Any]]:
    """Consecutive records in lists of about ``chars`` characters of text and at most ``most``
    records: one-paragraph records share each kernel call (a batch of 64 records cost 0.5 s of a
    100k run in per-call overheads), while whole books still go one or a few at a time. A record
    that cannot be deduplicated raises here, where it is met, naming its position."""
    batch: list[Any] = []
    size = 0
    for n, record in enumerate(records):
        try:
            size += len(_text_of(record, text_field)[0])
        except (TypeError, KeyError) as exc:
            raise type(exc)(f"record {n} (counted from 0): {exc.args[0]}") from None
        batch.append(record)
        if size >= chars or len(batch) >= most:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def prepare(
    record: Any,
    options: DedupOptions,
    normalize_options: NormalizeOptions | None = DEFAULT_NORMALIZE,
    text_field: str = "text",
    doc_id: str | None = None,
) -> Prepared:
    """Normalise, split and fingerprint one record; a pure function of its arguments."""
    return prepare_batch([record], options, normalize_options, text_field, [doc_id])


def prepare_batch(
    records: list[Any] | JsonlRecords,
    options: DedupOptions,
    normalize_options: NormalizeOptions | None = DEFAULT_NORMALIZE,
    text_field: str = "text",
    doc_ids: list[str | None] | None = None,
) -> Prepared:
    """:func:`prepare` for many records at once, in order: shingling, signing and banding run
    once over all units of the batch, so per-call overheads are paid once, not per document.
    ``records`` may be the JSONL reader's columns (:class:`JsonlRecords`)."""
    t0 = time.perf_counter()
    payloads: list[bytes] = []
    texts: list[str] = []
    repairs = 0
    spans: list[tuple[int, int]] = []
    modes: list[str] = []
    units_in: list[int] = []
    if isinstance(records, JsonlRecords):  # the reader's columns: no object per record to unpack
        raws, ids, record_ids, id_from = records.texts, records.doc_ids(), records.record_ids, records.id_from
        files = records.files
        raw_utf8: list[bytes | None] | None = records.utf8  # each text's UTF-8 as read (or None)
        columns = records

        def spooled(i: int, prefixes: list[str], trailer: str) -> tuple[Any, ...]:
            # what to_spool makes of the Document the reader would have made
            return (
                ids[i],
                "",
                files[i],
                columns.heads[i],
                columns.tails[i],
                record_ids[i],
                id_from[i],
                prefixes,
                trailer,
            )

    else:
        sources = [_text_of(record, text_field) for record in records]
        raws = [raw for raw, _, _ in sources]
        raw_utf8 = None
        ids, record_ids, id_from, files = [], [], [], []
        for i, (_raw, rid, meta) in enumerate(sources):
            ids.append((doc_ids[i] if doc_ids else None) or rid or "")
            files.append(meta["file"] if meta and "file" in meta else -1)
            if meta and "record_id" in meta:
                record_ids.append(str(meta["record_id"]))
                id_from.append(str(meta.get("id_from", "")))
            else:
                record_ids.append("")
                id_from.append("")

        def spooled(i: int, prefixes: list[str], trailer: str) -> tuple[Any, ...]:
            return to_spool(records[i], prefixes, trailer, without_text=text_field)

    # a record whose text is its one unit as it came in takes its input size from the unit's
    # UTF-8 (below); the others are encoded here (a lone surrogate counts one byte, as replaced)
    whole_unit: list[tuple[int, int]] = []  # (record, unit)
    unit_known: list[bytes | None] = []  # per unit, its UTF-8 as read (a whole unchanged record) or None
    if normalize_options is not None:
        # one pre-scan over the batch: clean texts are not touched one by one
        normalized = normalize_many(raws, normalize_options)
        cleaned, fix_docs = normalized.texts, normalized.changed()
        fix_counts = normalized.changes[fix_docs]
    else:  # lone surrogates cannot be written as UTF-8 (nor hashed): repaired and counted anyway
        repaired = [fix_surrogates(r) if not r.isascii() else (r, 0) for r in raws]
        cleaned = [text for text, _ in repaired]
        fix_docs = np.flatnonzero([n for _, n in repaired]).astype(np.int64)
        fix_counts = np.zeros((len(fix_docs), len(CHANGE_KINDS)), dtype=np.int64)
        fix_counts[:, CHANGE_KINDS.index("surrogates")] = [repaired[i][1] for i in fix_docs.tolist()]
    # what _split_one makes of a text without a line break, at paragraph or line granularity
    one_line_units = options.granularity in ("paragraph", "line")
    one_line_mode = "line" if options.granularity == "line" or options.segmentation == "line" else "blank"
    for i, text in enumerate(cleaned):
        _raw = raws[i]
        if one_line_units and "\n" not in text:  # one-line records: one unit or none, no separator
            trailer, mode = "", one_line_mode
            if text.strip():
                prefixes = [""]
                if text is _raw:  # unchanged: so without lone surrogates (the normaliser repairs them)
                    whole_unit.append((i, len(texts)))
                unit_known.append(raw_utf8[i] if raw_utf8 is not None and text is _raw else None)
                texts.append(text)
                spans.append((0, len(text)))
                units_in.append(1)
            else:
                prefixes = []
                units_in.append(0)
        else:
            segs, trailer, mode, doc_repairs = _split_one(text, options)
            units_in.append(len(segs))
            repairs += doc_repairs
            prefixes, unit_texts = [seg.prefix for seg in segs], [seg.text for seg in segs]
            texts += unit_texts
            unit_known += [None] * len(unit_texts)
            spans += unit_spans(prefixes, unit_texts)
        modes.append(mode)
        payloads.append(pickle.dumps(spooled(i, prefixes, trailer), protocol=pickle.HIGHEST_PROTOCOL))
    unit_utf8, unit_bounds = pack_utf8(texts, unit_known if raw_utf8 is not None else None)
    docs = DocumentTable(
        ids,
        record_ids,
        id_from,
        modes,
        np.array(units_in, dtype=np.int64),
        _input_sizes(raws, whole_unit, unit_bounds, raw_utf8),
        fix_docs,
        fix_counts,
        np.array(files, dtype=np.int32),
    )
    totals = fix_counts.sum(axis=0).tolist()
    changes = Counter({kind: int(n) for kind, n in zip(CHANGE_KINDS, totals) if n})
    t1 = time.perf_counter()
    placed = normalize_options is not None and normalize_options.tones and normalize_options.tone_style == "hòa"
    key_data, key_bounds = dedup_keys(texts, options.ignore_punctuation, placed, packed=(unit_utf8, unit_bounds))
    flat, counts, kinds, guard = fingerprint(key_data, key_bounds, options)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    sigs = signatures_flat(flat, offsets, options.num_perm, options.seed)
    raw_keys = key_data.tobytes()
    timings = Timings({"normalize+segment": t1 - t0})
    prepared = Prepared(
        docs=docs,
        payload=b"".join(payloads),
        payload_sizes=np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads)),
        hashes=exact_hashes(raw_keys, key_bounds.tolist()),
        shingles=flat,
        counts=counts,
        kinds=kinds,
        band_keys=band_keys(sigs, *options.lsh_params()),
        guard=guard,
        signatures=sigs if options.verify == "signature" else None,
        changes=changes,
        repairs=repairs,
        timings=timings,
        unit_utf8=unit_utf8,
        unit_bounds=unit_bounds,
        unit_spans=np.array(spans, dtype=np.int64).reshape(-1, 2),
    )
    timings["fingerprint"] = time.perf_counter() - t1
    return prepared


def _input_sizes(
    raws: list[str], whole_unit: list[tuple[int, int]], unit_bounds: np.ndarray, utf8: list[bytes | None] | None
) -> np.ndarray:
    """UTF-8 bytes of each raw text: a record that is one unit as it came in has its unit's size,
    one whose UTF-8 the reader kept its length, every other text is encoded (lone surrogates
    replaced: one byte each)."""
    sizes = np.full(len(raws), -1, dtype=np.int64)
    if whole_unit:
        docs, units = np.array(whole_unit, dtype=np.int64).T
        sizes[docs] = unit_bounds[units + 1] - unit_bounds[units]
    for i in np.flatnonzero(sizes < 0).tolist():
        known = utf8[i] if utf8 is not None else None
        sizes[i] = len(known) if known is not None else len(raws[i].encode("utf-8", "replace"))
    return sizes


def _split_one(text: str, options: DedupOptions) -> tuple[list[segment.Segment], str, str, int]:
    """Split one normalised text: (segments, trailer, segmentation mode, line-break repairs)."""
    repairs = 0
    if options.repair_line_breaks:
        text, repairs = segment.repair_broken_numbers(text)
    body = text.rstrip("\n")
    trailer = text[len(body) :]
    segs, mode = segment.split_with_mode(body, options.segmentation, options.granularity)
    return segs, trailer, mode, repairs


def _without_text(record: Any, text_field: str) -> Any:
    """The record as spooled: its text is rebuilt from the segments, so it is not kept twice."""
    if isinstance(record, str):
        return ""
    if isinstance(record, Document):
        return Document(record.id, "", record.meta)
    if isinstance(record, dict):
        return ({**record, text_field: ""}, text_field)
    return record


def round_like_python(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(float(x), digits)`` of each value: numpy's rounding (scale, round half to even,
    unscale) can differ from Python's correctly rounded one next to a half-way case, so those
    few values are rounded by Python."""
    out: np.ndarray = np.round(values, digits)
    scaled = values * 10.0**digits
    close = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if close.any():
        out[close] = [round(float(x), digits) for x in values[close].tolist()]
    return out


def priority_order(uids: np.ndarray, lengths: np.ndarray, keep: str) -> np.ndarray:
    """``uids`` in keep-priority order: input order, or longest first (ties in input order);
    ``lengths[k]`` is the length of ``uids[k]``."""
    if keep != "longest":
        return np.sort(uids)
    return uids[np.lexsort((uids, -lengths.astype(np.int64)))]


class ClusterList(Sequence[Cluster]):
    """The clusters of a run as a read-only sequence, built on demand from compact arrays.

    A run at 10M paragraphs removes millions of units; one Python object per removed unit
    would cost a minute and gigabytes, so :class:`Cluster` / :class:`Member` objects are made
    only when a cluster is looked at. Clusters are numbered in the order of their kept unit,
    members in input order. Members carry their text while the result is open (fetched when
    their cluster is looked at); after it closes, only those the report lists of the largest.
    """

    def __init__(
        self,
        docs: DocumentTable,
        unit_start: np.ndarray,
        removed: np.ndarray,
        kept: np.ndarray,
        exact: np.ndarray,
        similarity: np.ndarray,
    ) -> None:
        order = np.lexsort((removed, kept))
        self._removed, self._kept = removed[order], kept[order]
        self._exact, self._similarity = exact[order], similarity[order]
        cuts = np.flatnonzero(np.diff(self._kept)) + 1
        self._bounds = np.concatenate(([0], cuts, [len(order)])) if len(order) else np.zeros(1, dtype=np.int64)
        self._docs, self._unit_start = docs, unit_start
        self.texts: dict[int, str] = {}  # uid -> text, kept after the result closes (the report's members)
        # the texts of any other units, fetched when their cluster is looked at (while the result is open)
        self.fetch_texts: Callable[[np.ndarray], list[str]] | None = None

    def __len__(self) -> int:
        return len(self._bounds) - 1

    def sizes(self) -> np.ndarray:
        """Members per cluster, the kept unit included."""
        return np.diff(self._bounds) + 1

    def largest(self, count: int) -> list[int]:
        """Numbers of the ``count`` largest clusters, largest first (ties: lower number first)."""
        sizes = self.sizes()
        return [int(i) for i in np.lexsort((np.arange(len(sizes)), -sizes))[:count]]

    def uids(self, i: int) -> np.ndarray:
        """Unit ids of cluster ``i``: the kept unit, then the removed ones."""
        lo, hi = self._bounds[i], self._bounds[i + 1]
        return np.concatenate((self._kept[lo : lo + 1], self._removed[lo:hi]))

    def arrays(self) -> dict[str, np.ndarray]:
        """Every removed unit (ascending), the unit kept in its place, exact or not, similarity
        and cluster number: the removal table's columns, no object per unit."""
        cluster = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self._bounds))
        order = np.argsort(self._removed, kind="stable")
        return {
            "removed": self._removed[order],
            "kept": self._kept[order],
            "exact": self._exact[order],
            "similarity": self._similarity[order],
            "cluster": cluster[order],
        }

    def near_similarities(self) -> list[float]:
        """Similarity of every near-duplicate member to its kept unit (as the members say it)."""
        values: list[float] = self.near_similarity_array().tolist()
        return values

    def near_similarity_array(self) -> np.ndarray:
        """:meth:`near_similarities` as a float64 array (no Python float per member)."""
        return round_like_python(self._similarity[~self._exact].astype(np.float64), 4)

    def _members(self, uids: np.ndarray, kinds: list[str], similarities: list[float]) -> list[Member]:
        """The members of units ``uids``: their documents found in one search, not one per member."""
        docs = np.searchsorted(self._unit_start, uids, side="right") - 1
        held, fetched = self.texts, {}
        missing = sorted({u for u in uids.tolist() if u not in held})
        if missing and self.fetch_texts is not None:  # fetched for this look only: memory stays bounded
            fetched = dict(zip(missing, self.fetch_texts(np.array(missing, dtype=np.int64))))
        return [
            Member(
                d, self._docs.ids[d], u - int(self._unit_start[d]), held.get(u) or fetched.get(u, ""), kind, similarity
            )
            for u, d, kind, similarity in zip(uids.tolist(), docs.tolist(), kinds, similarities)
        ]

    def listed(self, i: int, near: int, exact: int) -> tuple[Member, int, int, list[Member]]:
        """What a report shows of cluster ``i`` without making every member: (kept member, size,
        near members, listed members) where the listed are the ``near`` near members of lowest
        similarity (ties in input order) and the first ``exact`` exact copies, in that order."""
        uids, kinds, sims, near_members = self._listed(i, near, exact)
        members = self._members(uids, kinds, sims)
        return members[0], int(self._bounds[i + 1] - self._bounds[i]) + 1, near_members, members[1:]

    def listed_uids(self, i: int, near: int, exact: int) -> np.ndarray:
        """The units :meth:`listed` shows of cluster ``i`` (kept first)."""
        return self._listed(i, near, exact)[0]

    def _listed(self, i: int, near: int, exact: int) -> tuple[np.ndarray, list[str], list[float], int]:
        lo, hi = int(self._bounds[i]), int(self._bounds[i + 1])
        removed, is_exact, sim = self._removed[lo:hi], self._exact[lo:hi], self._similarity[lo:hi]
        near_at = np.flatnonzero(~is_exact)
        shown_sim = np.array([round(float(x), 4) for x in sim[near_at]])  # ordered as the members say it
        lowest = near_at[np.lexsort((removed[near_at], shown_sim))[:near]]
        copies = np.flatnonzero(is_exact)[:exact]
        uids = np.concatenate((self._kept[lo : lo + 1], removed[lowest], removed[copies]))
        kinds = ["kept"] + ["near"] * len(lowest) + ["exact"] * len(copies)
        sims = [1.0] + [round(float(x), 4) for x in sim[lowest]] + [1.0] * len(copies)
        return uids, kinds, sims, len(near_at)

    def _cluster(self, i: int) -> Cluster:
        if not -len(self) <= i < len(self):
            raise IndexError(f"cluster {i} out of range ({len(self)} clusters)")
        i %= len(self)
        lo, hi = int(self._bounds[i]), int(self._bounds[i + 1])
        exact = self._exact[lo:hi].tolist()
        kinds = ["kept"] + ["exact" if x else "near" for x in exact]
        sims = [1.0] + [1.0 if x else round(float(s), 4) for x, s in zip(exact, self._similarity[lo:hi])]
        head, *members = self._members(self.uids(i), kinds, sims)
        return Cluster(i, head, tuple(members))

    @overload
    def __getitem__(self, i: int) -> Cluster: ...
    @overload
    def __getitem__(self, i: slice) -> list[Cluster]: ...
    def __getitem__(self, i: int | slice) -> Cluster | list[Cluster]:
        if isinstance(i, slice):
            return [self._cluster(k) for k in range(*i.indices(len(self)))]
        return self._cluster(i)

    def __iter__(self) -> Iterator[Cluster]:
        return (self._cluster(k) for k in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ClusterList of {len(self):,} clusters>"


def build_clusters(
    docs: DocumentTable,
    unit_start: np.ndarray,
    removed: np.ndarray,
    kept: np.ndarray,
    exact: np.ndarray,
    similarity: np.ndarray,
) -> ClusterList:
    """Clusters (texts empty) from the removed units (uids ascending), the uid kept in place of
    each, whether it is an exact copy and its similarity; fills the per-document counts."""
    unit_doc = np.searchsorted(unit_start, removed, side="right") - 1
    docs.set_removed(
        np.bincount(unit_doc[exact], minlength=len(docs)), np.bincount(unit_doc[~exact], minlength=len(docs))
    )
    return ClusterList(docs, unit_start, removed, kept, exact, similarity)


def apply_document_policy(
    min_kept: float,
    docs: DocumentTable,
    unit_start: np.ndarray,
    unit_len: np.ndarray,
    removed: np.ndarray,
    kept: np.ndarray,
) -> np.ndarray:
    """The document policy, the same for both engines: documents keeping less than ``min_kept``
    of their characters after unit-level dedup lose their remaining units too, unless one of
    those units is what a removed unit was kept for (dropping it would lose that content).
    Marks the dropped documents in ``docs``; returns the units it drops (ascending)."""
    n_docs = len(docs)
    if min_kept <= 0 or not n_docs or not len(unit_len):
        return np.zeros(0, dtype=np.int64)
    doc_of = np.repeat(np.arange(n_docs), docs.units_in)
    keep = np.ones(len(unit_len), dtype=bool)
    keep[removed] = False
    lengths = unit_len.astype(np.float64)
    total = np.bincount(doc_of, weights=lengths, minlength=n_docs)
    left = np.bincount(doc_of[keep], weights=lengths[keep], minlength=n_docs)
    relied_on = np.bincount(doc_of[np.unique(kept)], minlength=n_docs) > 0
    thin = (left > 0) & (left < min_kept * total) & ~relied_on
    dropped = np.flatnonzero(keep & thin[doc_of]).astype(np.int64)
    docs.set_dropped(thin)
    return dropped


_HASH_DTYPE = np.dtype([("hi", "<u8"), ("lo", "<u8")])
SHINGLE_BLOCK = 1 << 22  # shingles (16 MiB) per block of the verification's memory map


class Deduplicator:
    """Collect documents with :meth:`add`, then :meth:`finish` to cluster and decide.

    Per unit it keeps about 30 bytes plus 8 bytes per LSH band in numpy arrays; shingles (4
    bytes each) go to a temporary file that is memory-mapped for verification, and the text
    itself waits in a spool file. The same object runs inside :func:`dedup` and the CLI.
    """

    def __init__(
        self,
        options: DedupOptions | None = None,
        normalize_options: NormalizeOptions | None = DEFAULT_NORMALIZE,
        threads: int = 1,
    ) -> None:
        self.options = options or DedupOptions()
        self.normalize_options = normalize_options
        # threads the clustering may use at once (the guard's count beside the near edges: numpy
        # sorts and the compiled verification release the GIL); the results do not depend on it
        self.threads = threads
        self.bands, self.rows = self.options.lsh_params()
        self.doc_parts: list[DocumentTable] = []  # joined into one table when the run finishes
        self.dropped_units = np.zeros(0, dtype=np.int64)  # units the document policy dropped
        self.n_docs = 0
        self.line_offsets: list[tuple[int, int]] = []  # (first document, line offset) of pieces read from ranges
        self.unit_start = Growing(np.int64)  # first unit of each document
        self.unit_doc = Growing(np.int32)
        self.unit_index = Growing(np.int32)
        self.unit_len = Growing(np.int32)
        self.unit_kind = Growing(np.int8)
        self.unit_count = Growing(np.int32)
        self.unit_hash = Growing(_HASH_DTYPE)
        self.unit_keys = BandKeys(self.bands)
        self.unit_guard = Growing(np.uint64)
        self.guard_kept_apart = 0  # near pairs the guard words refused
        self.unit_sigs = Growing(np.uint32, self.options.num_perm)
        self._shingle_file = tempfile.TemporaryFile()
        self._shingle_count = 0
        self._shingle_map: mmap.mmap | None = None
        self.changes: Counter[str] = Counter()
        self.repairs = 0
        self.timings = Timings()
        self._spool = tempfile.TemporaryFile()
        self._spool_ends = Growing(np.int64)  # end offset of each document in the spool
        self._spool_size = 0
        self.units = UnitTexts()  # every unit's text, for the removal table and the report's clusters

    @property
    def documents(self) -> DocumentTable:
        """Every document's figures so far, as one table (the batches' tables joined once)."""
        if len(self.doc_parts) != 1:
            self.doc_parts = [DocumentTable.concat(self.doc_parts)]
        return self.doc_parts[0]

    def add(self, record: Any, *, text_field: str = "text", doc_id: str | None = None) -> None:
        """Normalise, split and fingerprint one document (str, dict with ``text_field``, Document)."""
        self.add_prepared(prepare(record, self.options, self.normalize_options, text_field, doc_id))

    def add_many(self, records: Iterable[Any], *, text_field: str = "text") -> None:
        """:meth:`add` for a stream of records, prepared in batches (much faster for short ones)."""
        with fewer_collections():
            for batch in record_batches(records, text_field):
                self.add_prepared(prepare_batch(batch, self.options, self.normalize_options, text_field))

    def add_prepared(self, p: Prepared, line_offset: int = 0) -> None:
        """Add documents fingerprinted by :func:`prepare_batch` (possibly in another process);
        ``line_offset``: they were read from a byte range after that many lines of their file."""
        first = self.n_docs
        if line_offset or self.line_offsets:
            self.line_offsets.append((first, line_offset))
        units = p.docs.units_in
        starts = np.zeros(len(units), dtype=np.int64)
        np.cumsum(units[:-1], out=starts[1:])
        unnamed = p.docs.ids.empty()  # a library record without an id: its number
        if len(unnamed):
            p.docs.ids = p.docs.ids.replaced(unnamed.tolist(), [str(first + k) for k in unnamed.tolist()])
        self.unit_start.extend(self.unit_doc.size + starts)
        self.unit_doc.extend(np.repeat(np.arange(first, first + len(units), dtype=np.int32), units))
        self.unit_index.extend((np.arange(int(units.sum())) - np.repeat(starts, units)).astype(np.int32))
        self.unit_len.extend(p.lengths)
        self.unit_kind.extend(p.kinds)
        self.unit_count.extend(p.counts)
        self.unit_hash.extend(np.frombuffer(p.hashes, dtype=_HASH_DTYPE))
        self.unit_keys.extend(p.band_keys)
        self.unit_guard.extend(p.guard)
        if p.signatures is not None:
            self.unit_sigs.extend(p.signatures)
        self._shingle_file.write(np.ascontiguousarray(p.shingles, dtype=np.uint32).tobytes())
        self._shingle_count += len(p.shingles)
        self.changes.update(p.changes)
        self.repairs += p.repairs
        self.timings.add(p.timings)
        self.doc_parts.append(p.docs)
        self.n_docs += len(p.docs)
        self._spool.write(p.payload)
        self._spool_ends.extend(self._spool_size + np.cumsum(p.payload_sizes))
        self._spool_size += len(p.payload)
        self.units.extend(p.unit_utf8, p.unit_bounds, p.unit_spans)

    # ---- clustering -------------------------------------------------------------------------

    def _passing(
        self,
        flat: np.ndarray,
        offsets: np.ndarray,
        counts: np.ndarray,
        sigs: np.ndarray | None,
        ua: np.ndarray,
        ub: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(which pairs verify at the threshold, their Jaccard similarity)."""
        inter = self._intersections(flat, offsets, ua, ub)
        jac: np.ndarray = inter / np.maximum(counts[ua] + counts[ub] - inter, 1)
        if sigs is not None:
            ok: np.ndarray = (sigs[ua] == sigs[ub]).mean(axis=1) >= self.options.threshold
        else:
            ok = jac >= self.options.threshold
        return ok, jac

    def _intersections(self, flat: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Intersection sizes of pairs, block pair by block pair of the memory-mapped shingles;
        after each, the mapped pages are handed back (they stay in the page cache), so the
        resident set stays about two blocks whatever the size of the corpus."""
        shingle_map = self._shingle_map
        return blocked_intersections(flat, offsets, a, b, SHINGLE_BLOCK, lambda: release_pages(shingle_map))

    def _release_shingles(self) -> None:
        """Close the shingles' memory map and file (verification is over)."""
        close_map(self._shingle_map)
        self._shingle_map = None
        self._shingle_file.close()

    def _shingles(self) -> np.ndarray:
        """All shingles, memory-mapped from their temporary file (paged in as verification needs)."""
        self._shingle_file.flush()
        if not self._shingle_count:
            return np.empty(0, dtype=np.uint32)
        self._shingle_map = mmap.mmap(self._shingle_file.fileno(), 0, access=mmap.ACCESS_READ)
        return np.frombuffer(self._shingle_map, dtype=np.uint32, count=self._shingle_count)

    def finish(self) -> DedupResult:
        """Cluster all units and decide which survive; returns the result (iterate it)."""
        t0 = time.perf_counter()
        opts = self.options
        n = self.unit_doc.size
        # join the batches' document tables now, while the least else is held: the join holds
        # both copies for a moment (about 130 bytes a document each)
        self.doc_parts = [self.documents]
        return_free_memory()
        uids = np.arange(n, dtype=np.int64)
        if opts.mode == "off":  # every unit its own group: nothing is removed
            champ_of_unit = uids
        else:  # each exact group is represented by its champion under the keep policy
            champ_of_unit = cluster.exact_champions(self.unit_hash.view(), uids, self.unit_len.view(), opts.keep)
        del uids
        champion = sorted_unique(champ_of_unit)
        self.timings["exact"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        # the near stage's per-unit arrays (8 bytes a unit each) go before the decision makes its own
        edges_a, edges_b, edges_sim = self._near_edges(champion) if opts.mode == "near" else ([], [], [])
        self._release_shingles()
        self.unit_keys.close()  # their files (16 x 8 bytes a unit of disk) are done with
        return_free_memory()  # what the pair stages freed (the guard's thread has its own arena)
        self.timings["near"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        keep, clusters = self._decide(n, champ_of_unit, edges_a, edges_b, edges_sim)
        self.timings["decide"] += time.perf_counter() - t0
        self._spool.flush()
        result = DedupResult(
            options=opts,
            normalize_options=self.normalize_options,
            bands=self.bands,
            rows=self.rows,
            documents=self.documents,
            clusters=clusters,
            changes=self.changes,
            repairs=self.repairs,
            timings={k: round(v, 4) for k, v in self.timings.items()},
            _spool=self._spool,
            _spool_ends=self._spool_ends.view(),
            _units=self.units,
            _keep=keep,
            _unit_start=self.unit_start.view(),
            _offset_runs=self.line_offsets,
            dropped_units=self.dropped_units,
            guard_kept_apart=self.guard_kept_apart,
        )
        fill_cluster_texts(result)
        return result

    def _near_edges(self, champion: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """Verified near-duplicate edges (a, b, similarity) among exact champions, per shingle
        kind, from buckets of (band key, guard words); counts on the side the pairs the guard
        words keep apart."""
        opts = self.options
        counts = self.unit_count.view().astype(np.int64)
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = self._shingles()
        keys = self.unit_keys
        sigs = self.unit_sigs.view() if opts.verify == "signature" else None
        kinds = self.unit_kind.view()
        guard = self.unit_guard.view()
        edges_a, edges_b, edges_sim = [], [], []

        def refusals(reps: np.ndarray) -> int:
            """Pairs the guard words keep apart: they share a band but not their guard words, and
            would verify (counted only)."""
            i, j = candidate_pairs(keys, rows=reps, differing=guard[reps])
            refused, _ = self._passing(flat, offsets, counts, sigs, reps[i], reps[j])
            return int(refused.sum())

        counting = ThreadPoolExecutor(1, thread_name_prefix="seedclean-guard") if self.threads > 1 else None
        counts_pending = []
        try:
            for kind in (1, 2):
                reps = np.sort(champion[kinds[champion] == kind])
                if len(reps) < 2:
                    continue
                if (guard[reps] != guard[reps[0]]).any():  # a second candidate pass only when guard words differ
                    if counting is not None:
                        counts_pending.append(counting.submit(refusals, reps))
                    else:
                        self.guard_kept_apart += refusals(reps)
                i, j = candidate_pairs(keys, rows=reps, salt=guard[reps])
                if not len(i):
                    continue
                ua, ub = reps[i], reps[j]
                ok, jac = self._passing(flat, offsets, counts, sigs, ua, ub)
                ok &= guard[ua] == guard[ub]
                edges_a.append(ua[ok])
                edges_b.append(ub[ok])
                edges_sim.append(jac[ok])
            self.guard_kept_apart += sum(job.result() for job in counts_pending)
        finally:
            if counting is not None:
                counting.shutdown(wait=True, cancel_futures=True)
        return edges_a, edges_b, edges_sim

    def _decide(
        self,
        n: int,
        champ_of_unit: np.ndarray,
        edges_a: list[np.ndarray],
        edges_b: list[np.ndarray],
        edges_sim: list[np.ndarray],
    ) -> tuple[np.ndarray, ClusterList]:
        """Split the verified near edges between champions into stars around the units the keep
        policy prefers; exact copies follow their champion (``champ_of_unit``). Returns the keep mask and the
        clusters (texts empty)."""
        a = np.concatenate(edges_a) if edges_a else np.empty(0, dtype=np.int64)
        b = np.concatenate(edges_b) if edges_b else np.empty(0, dtype=np.int64)
        sim = np.concatenate(edges_sim) if edges_sim else np.empty(0)
        nodes = sorted_unique(np.concatenate((a, b)))
        items = priority_order(nodes, self.unit_len.view()[nodes], self.options.keep)
        center, center_sim = cluster.split_stars(items, a, b, sim)
        removed, kept = cluster.removed_units(n, champ_of_unit, items, center)
        sim_of = np.ones(n)
        sim_of[items] = center_sim
        exact = champ_of_unit[removed] == champ_of_unit[kept]
        keep = np.ones(n, dtype=bool)
        keep[removed] = False
        starts = self.unit_start.view()
        clusters = build_clusters(self.documents, starts, removed, kept, exact, sim_of[champ_of_unit[removed]])
        self.dropped_units = apply_document_policy(
            self.options.min_kept, self.documents, starts, self.unit_len.view(), removed, kept
        )
        keep[self.dropped_units] = False
        return keep, clusters

    def result_with_bytes(self, result: DedupResult) -> DedupResult:
        """Fill in ``bytes_out`` per document (needs one pass over the spool)."""
        bytes_out = result.documents.bytes_out
        for d, _record, text in result.iter_documents():
            bytes_out[d] = len(text.encode("utf-8"))
        return result


def fill_cluster_texts(result: DedupResult) -> None:
    """Give clusters their members' texts (both engines): while the result is open any cluster
    looked at fetches them; the members the report lists of the largest clusters keep theirs
    after it closes. Holding every member of the largest clusters instead (session 23) cost
    millions of strings at 10M paragraphs and kept most of the unit store's pages resident."""
    from seedclean.report.summary import EXACT_LISTED, NEAR_LISTED, TOP_CLUSTERS_JSON

    clusters = result.clusters
    if not isinstance(clusters, ClusterList) or not len(clusters):
        return
    clusters.fetch_texts = result.unit_strings
    largest = clusters.largest(TOP_CLUSTERS_JSON)
    wanted = np.unique(np.concatenate([clusters.listed_uids(i, NEAR_LISTED, EXACT_LISTED) for i in largest]))
    clusters.texts.update(zip(wanted.tolist(), result.unit_strings(wanted)))


def is_arrow_table(value: Any) -> bool:
    """Whether ``value`` is a ``pyarrow.Table`` or ``RecordBatch`` (told without importing pyarrow)."""
    kind = type(value)
    return kind.__module__.startswith("pyarrow") and kind.__name__ in ("Table", "RecordBatch")


def require_column(table: Any, text_field: str) -> None:
    """Refuse an Arrow table without the ``text_field`` column, naming the columns it has."""
    if text_field not in table.schema.names:
        raise KeyError(f"the table has no {text_field!r} column (columns: {table.schema.names[:8]})")


def arrow_rows(table: Any, text_field: str) -> Iterator[dict[str, Any]]:
    """The rows of an Arrow table as dicts, one record batch at a time (not the whole table as
    Python objects at once); a table without ``text_field`` is refused before any row."""
    require_column(table, text_field)
    for batch in table.to_batches() if hasattr(table, "to_batches") else [table]:
        yield from batch.to_pylist()


def _check_records(records: Any) -> None:
    """Refuse the iterables that iterate into something other than documents."""
    if isinstance(records, (str, bytes)):
        raise TypeError(
            f"dedup() takes an iterable of documents, not one {type(records).__name__} "
            "(it would deduplicate its characters): use dedup([text])"
        )
    if isinstance(records, dict):
        raise TypeError(
            "dedup() takes an iterable of records, not one dict (it would iterate its keys): use dedup([record])"
        )
    if is_arrow_table(records):
        return
    if hasattr(records, "columns") and hasattr(records, "shape"):  # pandas / polars DataFrame
        raise TypeError(
            "dedup(df) would iterate the DataFrame's column names: give its rows, e.g. "
            "dedup(df.to_dict('records'), text_field='text') (pandas) or dedup(df.iter_rows(named=True)) (polars)"
        )
    if not isinstance(records, Iterable):
        raise TypeError(f"dedup() takes an iterable of str, dict or Document, not {type(records).__name__}")


def dedup(
    records: Iterable[Any],
    options: DedupOptions | None = None,
    *,
    normalize_options: NormalizeOptions | None = DEFAULT_NORMALIZE,
    text_field: str = "text",
    **overrides: Any,
) -> DedupResult:
    """Normalise and deduplicate an iterable of str, dict (``text_field``) or Document records,
    or the rows of a ``pyarrow.Table`` / ``RecordBatch``.

    Keyword arguments override fields of ``options``. Iterate the result for the cleaned
    records (``result.to_arrow()`` for a table, with the input's schema when it was one);
    ``result.clusters`` says what was removed and why.

    Example:
        >>> result = dedup(["Xin chào.\\n\\nXin chào.", "Xin chào."])
        >>> list(result), result.units_in, result.units_out
        (['Xin chào.'], 3, 1)
    """
    _check_records(records)
    if options is not None and not isinstance(options, DedupOptions):
        raise TypeError(f"options must be a DedupOptions, not {type(options).__name__}")
    opts = replace(options or DedupOptions(), **overrides) if overrides else (options or DedupOptions())
    schema = getattr(records, "schema", None) if is_arrow_table(records) else None
    engine = Deduplicator(opts, normalize_options)
    engine.add_many(arrow_rows(records, text_field) if schema is not None else records, text_field=text_field)
    result = engine.result_with_bytes(engine.finish())
    result._arrow_schema = schema
    return result
