"""The dedup engine: exact and near-duplicate units across a stream of documents.

Data flow: each document is normalised, split into units (:mod:`seedclean.segment`), and each
unit gets a dedup key, a 128-bit exact hash and a set of shingle hashes (:mod:`seedclean.shingle`).
Units with the same exact hash form exact groups; one representative per group is signed with
MinHash (:mod:`seedclean.minhash`) and banded (:mod:`seedclean.lsh`); candidate pairs from
shared buckets are verified (exact Jaccard by default) before union-find joins them
(:mod:`seedclean.cluster`). In each cluster one unit survives by the keep policy.

Documents are spooled to a temporary file while fingerprints are collected, so a one-shot
iterable of any size can be deduplicated and then read back, in input order, with the
duplicates removed.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from . import segment
from .cluster import UnionFind
from .lsh import band_keys, buckets, optimal_params
from .minhash import signatures
from .normalize import NormalizeOptions, normalize_and_explain
from .shingle import dedup_key, exact_hash, jaccard, shingle_hashes

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
]

DEFAULT_NORMALIZE = NormalizeOptions()
KEEP_POLICIES = ("first", "longest")
SHORT_POLICIES = ("exact", "char")
VERIFY_MODES = ("jaccard", "signature")


@dataclass(frozen=True)
class DedupOptions:
    """How documents are split, compared and pruned.

    Attributes:
        granularity: ``"paragraph"``, ``"line"`` or ``"sentence"``: the unit that is deduplicated.
        segmentation: ``"auto"`` (per document), ``"blank"`` (blank-line paragraphs) or ``"line"``.
        threshold: Jaccard similarity at or above which two units are near duplicates.
        num_perm: MinHash permutations.
        seed: MinHash seed (the same as ``datasketch.MinHash(seed=...)``).
        shingle: ``"word"`` (word n-grams; a Vietnamese word is a syllable) or ``"char"``.
        ngram: shingle size in words (or characters for ``shingle="char"``).
        short: units with fewer words than ``ngram``: ``"exact"`` (exact match only) or
            ``"char"`` (near-duplicate search on character ``char_ngram``-grams).
        char_ngram: character shingle size for ``short="char"``.
        keep: ``"first"`` (first occurrence in input order) or ``"longest"``.
        ignore_punctuation: punctuation does not tell exact duplicates apart.
        verify: ``"jaccard"`` (exact Jaccard of the shingles) or ``"signature"`` (MinHash estimate).
        bands, rows: LSH banding; by default chosen from the threshold like datasketch does.
        repair_line_breaks: join numbers broken across lines (``1.`` / ``000``).
        keep_empty: keep documents that lose every unit (as empty documents).
    """

    granularity: str = "paragraph"
    segmentation: str = "auto"
    threshold: float = 0.8
    num_perm: int = 128
    seed: int = 1
    shingle: str = "word"
    ngram: int = 2
    short: str = "exact"
    char_ngram: int = 5
    keep: str = "first"
    ignore_punctuation: bool = False
    verify: str = "jaccard"
    bands: int | None = None
    rows: int | None = None
    repair_line_breaks: bool = True
    keep_empty: bool = False

    def __post_init__(self) -> None:
        checks = [
            (self.granularity in segment.GRANULARITIES, f"granularity {self.granularity!r}"),
            (self.segmentation in segment.MODES, f"segmentation {self.segmentation!r}"),
            (0.0 < self.threshold < 1.0, f"threshold {self.threshold} (must be between 0 and 1)"),
            (self.num_perm >= 2, f"num_perm {self.num_perm} (must be at least 2)"),
            (self.shingle in ("word", "char"), f"shingle {self.shingle!r} (word or char)"),
            (self.ngram >= 1 and self.char_ngram >= 1, "ngram sizes must be at least 1"),
            (self.short in SHORT_POLICIES, f"short {self.short!r} (exact or char)"),
            (self.keep in KEEP_POLICIES, f"keep {self.keep!r} (first or longest)"),
            (self.verify in VERIFY_MODES, f"verify {self.verify!r} (jaccard or signature)"),
            ((self.bands is None) == (self.rows is None), "bands and rows go together"),
        ]
        for ok, what in checks:
            if not ok:
                raise ValueError(f"invalid dedup option: {what}")
        if self.bands is not None and self.bands * self.rows > self.num_perm:  # type: ignore[operator]
            raise ValueError(f"bands x rows = {self.bands * self.rows} exceeds num_perm {self.num_perm}")

    def lsh_params(self) -> tuple[int, int]:
        """(bands, rows) in force."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return optimal_params(self.threshold, self.num_perm)


@dataclass
class Document:
    """A document: an id (file path, record number), its text and any other fields."""

    id: str
    text: str
    meta: dict[str, Any] | None = None


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


@dataclass
class DedupResult:
    """What :func:`dedup` found. Iterate it for the cleaned records, in input order."""

    options: DedupOptions
    normalize_options: NormalizeOptions | None
    bands: int
    rows: int
    documents: list[DocStats]
    clusters: list[Cluster]
    changes: Counter[str]
    repairs: int
    timings: dict[str, float] = field(default_factory=dict)
    _spool: Any = None
    _keep: np.ndarray | None = None
    _unit_start: list[int] = field(default_factory=list)

    @property
    def units_in(self) -> int:
        return sum(d.units_in for d in self.documents)

    @property
    def units_out(self) -> int:
        return sum(d.units_out for d in self.documents)

    @property
    def exact_removed(self) -> int:
        return sum(d.exact_removed for d in self.documents)

    @property
    def near_removed(self) -> int:
        return sum(d.near_removed for d in self.documents)

    def __iter__(self) -> Iterator[Any]:
        """Cleaned records in input order (documents that lost everything are skipped unless
        ``keep_empty``): same type as given, text replaced."""
        for _doc, record, text in self.iter_documents():
            if text or self.options.keep_empty:
                yield record

    def iter_documents(self) -> Iterator[tuple[DocStats, Any, str]]:
        """(stats, cleaned record, cleaned text) for every document, empty ones included."""
        if self._spool is None or self._keep is None:
            return
        self._spool.seek(0)
        for d, stats in enumerate(self.documents):
            record, segments, trailer = pickle.load(self._spool)
            base = self._unit_start[d]
            kept = [s for k, s in enumerate(segments) if self._keep[base + k]]
            text = segment.join(kept, trailer) if kept else ""
            yield stats, _with_text(record, text), text

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None

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


def _with_text(record: Any, text: str) -> Any:
    if isinstance(record, str):
        return text
    if isinstance(record, Document):
        return replace(record, text=text)
    if isinstance(record, tuple) and len(record) == 2:  # (dict, text_field) from the spool
        rec, fld = record
        out = dict(rec)
        out[fld] = text
        return out
    return record


@dataclass
class Prepared:
    """One document normalised, split and fingerprinted: what :meth:`Deduplicator.add_prepared`
    needs. Plain data, so it can be computed in a worker process."""

    stats: DocStats
    stored: Any
    segments: list[segment.Segment]
    trailer: str
    hashes: list[bytes]
    shingles: list[np.ndarray]
    kinds: list[int]  # 0: exact match only, 1: main shingles, 2: char shingles (short units)
    changes: Counter[str]
    repairs: int
    timings: Counter[str]


def prepare(
    record: Any,
    options: DedupOptions,
    normalize_options: NormalizeOptions | None = DEFAULT_NORMALIZE,
    text_field: str = "text",
    doc_id: str | None = None,
) -> Prepared:
    """Normalise, split and fingerprint one record; a pure function of its arguments."""
    t0 = time.perf_counter()
    timings: Counter[str] = Counter()
    raw, rid, _meta = _text_of(record, text_field)
    stats = DocStats(id=doc_id or rid or "", bytes_in=len(raw.encode("utf-8", "replace")))
    changes: Counter[str] = Counter()
    text = raw
    if normalize_options is not None:
        result = normalize_and_explain(raw, normalize_options)
        text = result.text
        changes.update(result.changes)
        stats.legacy = {k[7:]: v for k, v in sorted(result.changes.items()) if k.startswith("legacy_")}
    repairs = 0
    if options.repair_line_breaks:
        text, repairs = segment.repair_broken_numbers(text)
    body = text.rstrip("\n")
    trailer = text[len(body) :]
    mode = options.segmentation if options.segmentation != "auto" else segment.detect_mode(body)
    stats.mode = "line" if options.granularity == "line" else mode
    segs = segment.split(body, mode, options.granularity)
    t1 = time.perf_counter()
    timings["normalize+segment"] += t1 - t0
    hashes, shingle_sets, kinds = [], [], []
    for seg in segs:
        key = dedup_key(seg.text, ignore_punctuation=options.ignore_punctuation)
        shingles = shingle_hashes(key, options.shingle, options.ngram)
        kind = 1
        if len(shingles) == 0:
            kind = 0
            if options.short == "char":
                shingles = shingle_hashes(key, "char", options.char_ngram)
                kind = 2 if len(shingles) else 0
        hashes.append(exact_hash(key))
        shingle_sets.append(shingles)
        kinds.append(kind)
    stats.units_in = len(segs)
    stored = record if not isinstance(record, dict) else (record, text_field)
    timings["fingerprint"] += time.perf_counter() - t1
    return Prepared(stats, stored, segs, trailer, hashes, shingle_sets, kinds, changes, repairs, timings)


class Deduplicator:
    """Collect documents with :meth:`add`, then :meth:`finish` to cluster and decide.

    The same object runs inside :func:`dedup`, the CLI and the distributed engine's driver.
    """

    def __init__(
        self,
        options: DedupOptions | None = None,
        normalize_options: NormalizeOptions | None = DEFAULT_NORMALIZE,
    ) -> None:
        self.options = options or DedupOptions()
        self.normalize_options = normalize_options
        self.bands, self.rows = self.options.lsh_params()
        self.docs: list[DocStats] = []
        self.unit_start: list[int] = []
        self.unit_doc: list[int] = []
        self.unit_index: list[int] = []
        self.unit_len: list[int] = []
        self.unit_text: list[str] = []
        self.unit_hash: list[bytes] = []
        self.unit_shingles: list[np.ndarray] = []
        self.unit_kind: list[int] = []  # 0: exact only, 1: main shingles, 2: char shingles
        self.changes: Counter[str] = Counter()
        self.repairs = 0
        self.timings: Counter[str] = Counter()
        self._spool = tempfile.TemporaryFile()
        self._pickler = pickle.Pickler(self._spool, protocol=pickle.HIGHEST_PROTOCOL)

    def add(self, record: Any, *, text_field: str = "text", doc_id: str | None = None) -> None:
        """Normalise, split and fingerprint one document (str, dict with ``text_field``, Document)."""
        self.add_prepared(prepare(record, self.options, self.normalize_options, text_field, doc_id))

    def add_prepared(self, p: Prepared) -> None:
        """Add a document fingerprinted by :func:`prepare` (possibly in another process)."""
        number = len(self.docs)
        if not p.stats.id:
            p.stats.id = str(number)
        self.unit_start.append(len(self.unit_doc))
        self.unit_doc.extend([number] * len(p.segments))
        self.unit_index.extend(range(len(p.segments)))
        self.unit_len.extend(len(s.text) for s in p.segments)
        self.unit_text.extend(s.text for s in p.segments)
        self.unit_hash.extend(p.hashes)
        self.unit_shingles.extend(p.shingles)
        self.unit_kind.extend(p.kinds)
        self.changes.update(p.changes)
        self.repairs += p.repairs
        self.timings.update(p.timings)
        self.docs.append(p.stats)
        self._pickler.dump((p.stored, p.segments, p.trailer))
        self._pickler.clear_memo()

    def _near_pairs(self, reps: np.ndarray, uf: UnionFind, kind: int) -> None:
        """Union representatives of one shingle kind whose similarity passes verification."""
        members = np.array([u for u in reps if self.unit_kind[u] == kind], dtype=np.int64)
        if len(members) < 2:
            return
        opts = self.options
        sets = [self.unit_shingles[u] for u in members]
        sigs = signatures(sets, opts.num_perm, opts.seed)
        keys = band_keys(sigs, self.bands, self.rows)
        checked: set[tuple[int, int]] = set()
        for bucket in buckets(keys):
            for j_pos in range(1, len(bucket)):
                j = int(bucket[j_pos])
                for i in bucket[: min(j_pos, 64)]:  # bounded: buckets of near-copies are small
                    i = int(i)
                    a, b = int(members[i]), int(members[j])
                    if uf.find(a) == uf.find(b) or (i, j) in checked:
                        continue
                    checked.add((i, j))
                    if opts.verify == "jaccard":
                        sim = jaccard(sets[i], sets[j])
                    else:
                        sim = float(np.mean(sigs[i] == sigs[j]))
                    if sim >= opts.threshold:
                        uf.union(a, b)

    def finish(self) -> DedupResult:
        """Cluster all units and decide which survive; returns the result (iterate it)."""
        t0 = time.perf_counter()
        n = len(self.unit_doc)
        uf = UnionFind(n)
        first_of: dict[bytes, int] = {}
        for u, h in enumerate(self.unit_hash):
            root = first_of.setdefault(h, u)
            if root != u:
                uf.union(root, u)
        reps = np.array(sorted(first_of.values()), dtype=np.int64)
        self.timings["exact"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        self._near_pairs(reps, uf, 1)
        if self.options.short == "char":
            self._near_pairs(reps, uf, 2)
        self.timings["near"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        keep, clusters = self._decide(uf, n)
        self.timings["decide"] += time.perf_counter() - t0
        self._spool.flush()
        return DedupResult(
            options=self.options,
            normalize_options=self.normalize_options,
            bands=self.bands,
            rows=self.rows,
            documents=self.docs,
            clusters=clusters,
            changes=self.changes,
            repairs=self.repairs,
            timings={k: round(v, 4) for k, v in self.timings.items()},
            _spool=self._spool,
            _keep=keep,
            _unit_start=self.unit_start,
        )

    def _member(self, u: int, kind: str, similarity: float) -> Member:
        d = self.unit_doc[u]
        return Member(d, self.docs[d].id, self.unit_index[u], self.unit_text[u], kind, similarity)

    def _similar(self, center: int, u: int) -> float:
        """Similarity of a unit to a cluster centre: 1.0 for the same key, else shingle Jaccard."""
        if self.unit_hash[u] == self.unit_hash[center]:
            return 1.0
        if self.unit_kind[u] != self.unit_kind[center] or self.unit_kind[u] == 0:
            return 0.0
        return jaccard(self.unit_shingles[center], self.unit_shingles[u])

    def _stars(self, members: list[int]) -> list[tuple[int, list[tuple[int, float]]]]:
        """Split a connected component into stars around kept units.

        Union-find chains A~B~C even when A and C are not alike; removing C for A's sake would
        lose text. So the component is split greedily: the best remaining unit by the keep
        policy is kept, every remaining unit at least ``threshold`` similar to it is removed
        with it, and the rest repeat. Every removed unit is then a near (or exact) copy of the
        unit kept in its place.
        """
        if self.options.keep == "longest":
            order = sorted(members, key=lambda u: (-self.unit_len[u], u))
        else:
            order = sorted(members)
        threshold = self.options.threshold
        stars = []
        remaining = order
        while remaining:
            center, rest = remaining[0], remaining[1:]
            taken, left = [], []
            for u in rest:
                sim = self._similar(center, u)
                (taken if sim >= threshold else left).append((u, sim))
            stars.append((center, taken))
            remaining = [u for u, _ in left]
        return stars

    def _decide(self, uf: UnionFind, n: int) -> tuple[np.ndarray, list[Cluster]]:
        keep = np.ones(n, dtype=bool)
        groups: dict[int, list[int]] = {}
        for u in range(n):
            groups.setdefault(uf.find(u), []).append(u)
        clusters = []
        for component in groups.values():
            if len(component) < 2:
                continue
            for kept, taken in self._stars(component):
                if not taken:
                    continue
                removed = []
                for u, sim in sorted(taken):
                    keep[u] = False
                    doc = self.docs[self.unit_doc[u]]
                    if self.unit_hash[u] == self.unit_hash[kept]:
                        removed.append(self._member(u, "exact", 1.0))
                        doc.exact_removed += 1
                    else:
                        removed.append(self._member(u, "near", round(sim, 4)))
                        doc.near_removed += 1
                clusters.append(Cluster(0, self._member(kept, "kept", 1.0), tuple(removed)))
        clusters.sort(key=lambda c: (c.kept.doc, c.kept.index))
        clusters = [replace(c, id=i) for i, c in enumerate(clusters)]
        for d, stats in enumerate(self.docs):
            start = self.unit_start[d]
            stats.units_out = int(keep[start : start + stats.units_in].sum())
        return keep, clusters

    def result_with_bytes(self, result: DedupResult) -> DedupResult:
        """Fill in ``bytes_out`` per document (needs one pass over the spool)."""
        for stats, _record, text in result.iter_documents():
            stats.bytes_out = len(text.encode("utf-8"))
        return result


def dedup(
    records: Iterable[Any],
    options: DedupOptions | None = None,
    *,
    normalize_options: NormalizeOptions | None = DEFAULT_NORMALIZE,
    text_field: str = "text",
    **overrides: Any,
) -> DedupResult:
    """Normalise and deduplicate an iterable of str, dict (``text_field``) or Document records.

    Keyword arguments override fields of ``options``. Iterate the result for the cleaned
    records; ``result.clusters`` says what was removed and why.

    Example:
        >>> result = dedup(["Xin chào.\\n\\nXin chào.", "Xin chào."])
        >>> list(result), result.units_in, result.units_out
        (['Xin chào.'], 3, 1)
    """
    opts = replace(options or DedupOptions(), **overrides) if overrides else (options or DedupOptions())
    engine = Deduplicator(opts, normalize_options)
    for record in records:
        engine.add(record, text_field=text_field)
    return engine.result_with_bytes(engine.finish())


def options_dict(options: DedupOptions) -> dict[str, Any]:
    """The options as plain JSON-able data."""
    return asdict(options)
