"""The Ray engine: every stage of the dedup as Ray tasks, with output identical to the local run.

Only imported when ``engine="ray"`` is asked for; the core package never imports Ray.
Connects to ``RAY_ADDRESS`` when set, else starts a local Ray instance.

Stages (data stays in Ray's object store; the driver holds object references, per-document
figures and, at the end, the list of removed units):

1. *prepare*: documents are read on the driver and sent in pieces of ``batch_size`` to tasks
   running :func:`seedclean.clustering.dedup.prepare_batch` (normalise, split, shingle, sign, band keys).
   Unit ids are positions in input order, so they do not depend on the piece size.
2. *exact*: (hash, uid, length) rows are hash-partitioned; each partition picks the champion
   of each exact group (:func:`seedclean.clustering.stages.exact_champions`).
3. *bands*: champions' (band, key, uid) rows are hash-partitioned by band key; each partition
   sorts its rows and emits star + chain pairs per bucket (:func:`seedclean.clustering.stages.bucket_pairs`).
4. *verify*: pairs are partitioned by their first unit; each partition asks the pieces for the
   shingles it needs (a request / serve join) and keeps pairs at or above the threshold.
5. *components*: large-star / small-star iterations (Kiveris et al. 2014) over edges
   partitioned by node, until the graph is a forest of stars around each component's least id.
6. *stars*: members are partitioned by component and split into stars around the unit the keep
   policy prefers (:func:`seedclean.clustering.stages.split_stars`), again fetching shingles by request.
7. *write*: each piece renders its cleaned documents in a task; the driver appends them in order.

No stage's result depends on the number of partitions, the piece size, worker count or
scheduling order: rows are routed by content, and every group is decided as a whole.
"""

from __future__ import annotations

import os
import socket
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np

from seedclean.clustering import stages as cluster
from seedclean.clustering.dedup import (
    ClusterList,
    DedupOptions,
    DedupResult,
    DocumentTable,
    Prepared,
    RenderJob,
    Timings,
    _with_text,
    apply_document_policy,
    build_clusters,
    fill_cluster_texts,
    guard_words_list,
    prepare_batch,
    priority_order,
    shift_record,
)
from seedclean.clustering.units import StringColumn, UnitTexts, fewer_collections
from seedclean.engines.local import read_prepare
from seedclean.errors import EngineUnavailable
from seedclean.fingerprint.kernels import gather_ranges, intersections, sorted_unique
from seedclean.io.read import MAX_RECORD_BYTES, InputError, InputFile, Piece, PieceMerger, Warnings, plan_pieces
from seedclean.io.write import render_lines
from seedclean.text.normalize import NormalizeOptions

__all__ = ["dedup_on_ray", "dedup_files_on_ray", "init_ray"]

_MIX = np.uint64(0x9E3779B97F4A7C15)
Progress = Callable[[Iterable[Any], str, "int | None"], Iterable[Any]]


def init_ray(workers: int | None = None) -> Any:
    """Import Ray and connect (``RAY_ADDRESS``) or start a local instance with ``workers`` CPUs."""
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - message checked by hand
        raise EngineUnavailable('the Ray engine needs Ray: pip install "seedclean[ray]"') from exc
    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS")
        kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False, "include_dashboard": False}
        if address:
            # Ray waits on an address nobody answers at without end (its own retries and logs)
            why = unreachable(address)
            if why is not None:
                raise EngineUnavailable(f"cannot reach the Ray cluster at RAY_ADDRESS={address}: {why}")
            kwargs["address"] = address
        elif workers:
            kwargs["num_cpus"] = workers
        try:
            ray.init(**kwargs)
        except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:  # an address or a cluster Ray refuses
            raise EngineUnavailable(f"cannot start or join Ray ({address or 'a local instance'}): {exc}") from exc
    return ray


def unreachable(address: str, timeout: float = 5.0) -> str | None:
    """Why nothing accepts a TCP connection at a ``RAY_ADDRESS`` of the form ``[ray://]host:port``
    within ``timeout`` seconds, or None (also for ``auto``, ``local`` and forms Ray alone parses)."""
    host, _, port = address.split("://", 1)[-1].rstrip("/").rpartition(":")
    if not host or not port.isdigit():
        return None
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return None
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__


def _route(values: np.ndarray, parts: int) -> np.ndarray:
    """Partition of each uint64 value: a multiplicative mix, so that ids and keys spread evenly."""
    mixed = values.astype(np.uint64) * _MIX
    out: np.ndarray = ((mixed >> np.uint64(33)) % np.uint64(parts)).astype(np.int64)
    return out


ROWS_PER_WAVE = 8_000_000  # band rows one wave of the band stage makes at most (about 250 MB of them)
ROWS_PER_PARTITION = 2_000_000  # band rows a shuffle partition of one wave holds at most
MAX_PARTITIONS = 64  # beyond this, pieces x partitions small objects cost more than they save


def _band_waves(band_rows: int, bands: int) -> list[tuple[int, int]]:
    """The bands split into consecutive ranges of about :data:`ROWS_PER_WAVE` rows each: the band
    stage runs one range after another (two in flight), so the object store holds a few waves'
    rows, not every band's. Buckets never span bands: the pairs are the same for any split."""
    waves = min(bands, max(1, -(-band_rows // ROWS_PER_WAVE)))
    cuts = [bands * w // waves for w in range(waves + 1)]
    return list(zip(cuts[:-1], cuts[1:]))


def _default_partitions(wave_rows: int, cpus: int) -> int:
    """Partitions of the shuffle stages: two per CPU, more when one wave's band rows would make a
    partition's task hold more than :data:`ROWS_PER_PARTITION` (its sort and pairs hold a few
    times that in the worker). Results never depend on it."""
    return max(2, 2 * cpus, min(MAX_PARTITIONS, -(-wave_rows // ROWS_PER_PARTITION)))


def _split_rows(part: np.ndarray, parts: int, **columns: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Rows (columns of equal length) grouped by partition number, one dict per partition."""
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    return [{k: v[order[bounds[p] : bounds[p + 1]]] for k, v in columns.items()} for p in range(parts)]


def _concat(chunks: tuple[dict[str, np.ndarray], ...]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def _out(parts: list[Any]) -> Any:
    """Ray returns a bare value, not a list, for ``num_returns=1``."""
    return parts[0] if len(parts) == 1 else tuple(parts)


# ---- stage functions (run inside Ray tasks; plain numpy in, plain numpy out) ------------------


def _stored(p: Prepared) -> tuple[Prepared, np.ndarray]:
    """The piece as the object store keeps it, and its band keys apart (read only by the band
    stage, then freed). Its texts (read only to write the output and the removal table) are
    zstd-compressed, a fifth to a third of their size (:func:`_texts_back` undoes it), and of
    its documents it keeps what rendering reads: units and bytes in (the driver has the rest)."""
    import pyarrow as pa

    n = len(p.docs)
    blank = StringColumn.of([""] * n)
    figures = DocumentTable(blank, blank, [""] * n, [""] * n, p.docs.units_in, p.docs.bytes_in)
    stored = replace(
        p,
        docs=figures,
        band_keys=p.band_keys[:, :0],
        payload=pa.compress(p.payload, codec="zstd", asbytes=True),
        unit_utf8=np.frombuffer(pa.compress(p.unit_utf8, codec="zstd", asbytes=True), dtype=np.uint8),
    )
    return stored, p.band_keys


def _texts_back(p: Prepared) -> Prepared:
    """A stored piece with its texts as :func:`prepare_batch` made them (the sizes are in it)."""
    import pyarrow as pa

    payload = pa.decompress(p.payload, decompressed_size=int(p.payload_sizes.sum()), codec="zstd", asbytes=True)
    utf8 = pa.decompress(p.unit_utf8, decompressed_size=int(p.unit_bounds[-1]), codec="zstd", asbytes=True)
    return replace(p, payload=payload, unit_utf8=np.frombuffer(utf8, dtype=np.uint8))


def _prepare(records: list[Any], options: DedupOptions, nopts: NormalizeOptions | None, field: str) -> Any:
    with fewer_collections():
        p = prepare_batch(records, options, nopts, field)
    meta = (p.docs, p.lengths, p.changes, p.repairs, p.timings, None)
    return (*_stored(p), meta)


def _read_prepare(
    piece: Piece,
    options: DedupOptions,
    nopts: NormalizeOptions | None,
    field: str,
    id_field: str | None = "id",
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Any:
    """Read a piece of the input on the node that prepares it (no text passes the driver)."""
    with fewer_collections():
        p, read = read_prepare(piece, options, nopts, field, id_field, max_record_bytes)
    meta = (p.docs, p.lengths, p.changes, p.repairs, p.timings, read)
    return (*_stored(p), meta)


def _exact_map(p: Prepared, base: int, parts: int) -> Any:
    hashes = np.frombuffer(p.hashes, dtype=np.uint64).reshape(-1, 2)
    uid = base + np.arange(len(hashes), dtype=np.int64)
    return _out(
        _split_rows(_route(hashes[:, 0], parts), parts, hi=hashes[:, 0], lo=hashes[:, 1], uid=uid, length=p.lengths)
    )


def _exact_reduce(keep: str, *chunks: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(uids that are not champions, their champion), sorted by uid."""
    rows = _concat(chunks)
    hashes = np.stack((rows["hi"], rows["lo"]), axis=1).copy().view([("hi", "<u8"), ("lo", "<u8")]).reshape(-1)
    champ = cluster.exact_champions(hashes, rows["uid"], rows["length"], keep)
    other = champ != rows["uid"]
    order = np.argsort(rows["uid"][other])
    return rows["uid"][other][order], champ[other][order]


def _band_map(
    p: Prepared,
    keys: np.ndarray,
    base: int,
    parts: int,
    bands: int,
    wave: tuple[int, int],
    count_guard: bool,
    *exact: tuple[np.ndarray, np.ndarray],
) -> Any:
    """Band rows of the piece's exact champions (band keys ``keys``) for the bands ``wave``
    (lo, hi), routed by band key: per partition, stream 0 (band, key mixed with the guard digest,
    uid), where near edges come from, and with guard words stream 1 (band, band key alone, uid,
    guard digest), for the pairs the guard words keep apart (counted, never edges)."""
    n = len(p.counts)
    uid = base + np.arange(n, dtype=np.int64)
    champion = np.ones(n, dtype=bool)
    for others, _champ in exact:
        inside = others[(others >= base) & (others < base + n)]
        champion[inside - base] = False
    rows = np.flatnonzero(champion & (p.kinds > 0))
    lo, hi = wave
    band = (p.kinds[rows].astype(np.int16)[:, None] * bands + np.arange(lo, hi, dtype=np.int16)).reshape(-1)
    raw = keys[rows, lo:hi].reshape(-1)
    uids = np.repeat(uid[rows], hi - lo)
    guard = np.repeat(p.guard[rows], hi - lo)
    key = raw ^ guard
    edges = _split_rows(_route(key, parts), parts, band=band, key=key, uid=uids)
    if not count_guard:
        return _out(edges)
    counted = _split_rows(_route(raw, parts), parts, band=band, key=raw, uid=uids, guard=guard)
    return _out([{**e, **{f"c_{k}": v for k, v in c.items()}} for e, c in zip(edges, counted)])


def _band_reduce(parts: int, *chunks: dict[str, np.ndarray]) -> Any:
    rows = _concat(chunks)
    a, b = cluster.bucket_pairs(rows["band"], rows["key"], rows["uid"])
    if "c_uid" in rows:
        ca, cb = cluster.bucket_pairs(rows["c_band"], rows["c_key"], rows["c_uid"])
        uid, at = np.unique(rows["c_uid"], return_index=True)
        guard = rows["c_guard"][at]
        apart = guard[np.searchsorted(uid, ca)] != guard[np.searchsorted(uid, cb)] if len(ca) else np.zeros(0, bool)
        ca, cb = ca[apart], cb[apart]
    else:
        ca = cb = np.empty(0, dtype=np.int64)
    del rows
    a, b = np.concatenate((a, ca)), np.concatenate((b, cb))
    counted = np.concatenate((np.zeros(len(a) - len(ca), dtype=np.int8), np.ones(len(ca), dtype=np.int8)))
    return _out(_split_rows(_route(a.astype(np.uint64), parts), parts, a=a, b=b, counted=counted))


def _request(*chunks: dict[str, np.ndarray]) -> np.ndarray:
    """The uids a partition needs (sorted, unique)."""
    rows = _concat(chunks)
    return sorted_unique(np.concatenate([rows[k] for k in rows if k in ("a", "b", "item")]))


def _serve(p: Prepared, base: int, want_sigs: bool, *requests: np.ndarray) -> Any:
    """For each request: (uids, counts, lengths, shingles, signatures) of the units in this piece."""
    n = len(p.counts)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(p.counts, out=offsets[1:])
    answers = []
    for req in requests:
        local = req[(req >= base) & (req < base + n)] - base
        sizes = offsets[local + 1] - offsets[local]
        starts = np.zeros(len(local) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        take = np.repeat(offsets[local] - starts[:-1], sizes) + np.arange(starts[-1])
        sigs = p.signatures[local] if want_sigs and p.signatures is not None else None
        answers.append((local + base, p.counts[local], p.lengths[local], p.shingles[take], sigs, p.guard[local]))
    return _out(answers)


class _Units:
    """Shingles of the units a partition asked for, gathered from every piece."""

    def __init__(self, answers: tuple[Any, ...]) -> None:
        self.uid = np.concatenate([a[0] for a in answers])
        self.counts = np.concatenate([a[1] for a in answers]).astype(np.int64)
        self.lengths = np.concatenate([a[2] for a in answers])
        self.flat = np.concatenate([a[3] for a in answers])
        sigs = [a[4] for a in answers if a[4] is not None]
        self.sigs = np.concatenate(sigs) if sigs else None
        self.guard = np.concatenate([a[5] for a in answers])
        self.offsets = np.zeros(len(self.uid) + 1, dtype=np.int64)
        np.cumsum(self.counts, out=self.offsets[1:])

    def pos(self, uids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.uid, uids)

    def jaccard(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        px, py = self.pos(x), self.pos(y)
        inter = intersections(self.flat, self.offsets, px, py).astype(np.float64)
        similarity: np.ndarray = inter / (self.counts[px] + self.counts[py] - inter)
        return similarity


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (a, b) pairs, sorted."""
    if not len(a):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    packed = np.unique(np.stack((a, b), axis=1), axis=0)
    return packed[:, 0], packed[:, 1]


def _verify(threshold: float, by_signature: bool, parts: int, chunks: int, npieces: int, *args: Any) -> Any:
    """Verified edges of one pair partition (its ``chunks`` chunks of pairs, then ``npieces``
    answers), routed both ways to the ``parts`` partitions of their ends, and how many pairs the
    guard words kept apart (last)."""
    pairs = _concat(args[:chunks])
    units = _Units(args[chunks : chunks + npieces])

    def passing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if by_signature and len(a):
            sa, sb = units.sigs[units.pos(a)], units.sigs[units.pos(b)]  # type: ignore[index]
            ok: np.ndarray = (sa == sb).mean(axis=1) >= threshold
            return ok
        return units.jaccard(a, b) >= threshold

    counted = pairs["counted"] == 1
    kept_apart = int(passing(*_unique_pairs(pairs["a"][counted], pairs["b"][counted])).sum())
    a, b = _unique_pairs(pairs["a"][~counted], pairs["b"][~counted])
    ok = passing(a, b) & (units.guard[units.pos(a)] == units.guard[units.pos(b)])
    a, b, sim = a[ok], b[ok], units.jaccard(a[ok], b[ok])
    u, v = np.concatenate((a, b)), np.concatenate((b, a))
    rows = _split_rows(_route(u.astype(np.uint64), parts), parts, u=u, v=v, sim=np.concatenate((sim, sim)))
    return (*rows, kept_apart)


def _large_star(parts: int, *chunks: dict[str, np.ndarray]) -> Any:
    """One large-star step over edges owned by ``u`` (both directions present). Also says whether
    the input already is a forest of stars around each component's least node (then done), and
    gives the (member, root) rows of the stars, routed by member like the edges they label."""
    rows = _concat(chunks)
    packed = (
        np.unique(np.stack((rows["u"], rows["v"]), axis=1), axis=0) if len(rows["u"]) else np.empty((0, 2), np.int64)
    )
    u, v = packed[:, 0], packed[:, 1]
    first = np.r_[True, u[1:] != u[:-1]] if len(u) else np.empty(0, dtype=bool)
    starts = np.flatnonzero(first)
    nodes = u[starts]
    low = np.minimum.reduceat(v, starts) if len(u) else v
    degree = np.diff(np.r_[starts, len(u)])
    is_root = low > nodes
    is_leaf = (degree == 1) & (low < nodes)
    done = bool(np.all(is_root | is_leaf))
    m = np.minimum(np.repeat(nodes, degree), np.repeat(low, degree))
    up = v > u
    x, y = v[up], m[up]  # (larger end, its new parent), x > y always
    small = _split_rows(_route(x.astype(np.uint64), parts), parts, u=x, v=y)
    labels = _split_rows(_route(nodes.astype(np.uint64), parts), parts, item=nodes, root=np.where(is_root, nodes, low))
    return (done, *small, *labels)


def _small_star(parts: int, *chunks: dict[str, np.ndarray]) -> Any:
    """One small-star step over edges (u, v), v < u, owned by ``u``: every neighbour of ``u`` and
    ``u`` itself hang from the least of them. Output routed both ways for the next large-star."""
    rows = _concat(chunks)
    u, v = rows["u"], rows["v"]
    if len(u):
        order = np.lexsort((v, u))
        u, v = u[order], v[order]
        starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
        degree = np.diff(np.r_[starts, len(u)])
        m = np.repeat(np.minimum.reduceat(v, starts), degree)
        x = np.concatenate((v, u[starts]))
        y = np.concatenate((m, m[starts]))
        keep = x != y
        x, y = x[keep], y[keep]
    else:
        x = y = u
    a, b = np.concatenate((x, y)), np.concatenate((y, x))
    return _out(_split_rows(_route(a.astype(np.uint64), parts), parts, u=a, v=b))


def _label_edges(parts: int, *args: dict[str, np.ndarray]) -> Any:
    """Join verified edges (owned by ``u``) with the component of ``u``: edges (once, u > v) and
    members, both routed by component, for the star split."""
    edges, labels = _concat(args[:parts]), _concat(args[parts:])
    order = np.argsort(labels["item"])
    item, root = labels["item"][order], labels["root"][order]
    one_way = edges["u"] > edges["v"]
    u, v, sim = edges["u"][one_way], edges["v"][one_way], edges["sim"][one_way]
    comp = root[np.searchsorted(item, u)] if len(u) else u
    by_comp = _split_rows(_route(comp.astype(np.uint64), parts), parts, a=u, b=v, sim=sim)
    members = _split_rows(_route(root.astype(np.uint64), parts), parts, item=item)
    return (*by_comp, *members)


def _stars(keep: str, parts: int, npieces: int, *args: Any) -> tuple[np.ndarray, ...]:
    """Split the components of one partition into stars: (item, centre, similarity) of the
    champions that are not centres, sorted by item."""
    edges, members = _concat(args[:parts]), _concat(args[parts : 2 * parts])
    units = _Units(args[2 * parts : 2 * parts + npieces])
    nodes = sorted_unique(members["item"])
    items = priority_order(nodes, units.lengths[units.pos(nodes)], keep)
    center, sim = cluster.split_stars(items, edges["a"], edges["b"], edges["sim"])
    moved = center != items
    order = np.argsort(items[moved])
    return items[moved][order], center[moved][order], sim[moved][order]


def _render(p: Prepared, base: int, removed: np.ndarray, line_offset: int) -> list[tuple[Any, str]]:
    """(record with its cleaned text, cleaned text) of each document of a piece; ids of records
    read from a byte range get the earlier ranges' lines."""
    out = []
    p = _texts_back(p)
    for record, text in RenderJob.of_prepared(p, 0, _kept(p, base, removed), False).documents():
        out.append((_with_text(shift_record(record, line_offset), text), text))
    return out


def _kept(p: Prepared, base: int, removed: np.ndarray) -> np.ndarray:
    keep = np.ones(len(p.counts), dtype=bool)
    keep[removed - base] = False
    return keep


def _render_lines(p: Prepared, base: int, removed: np.ndarray, first: int, text_field: str, keep_empty: bool) -> Any:
    """A piece's documents as the JSONL lines they are written as (what the local engine's
    workers render: :func:`seedclean.io.write.render_lines`)."""
    p = _texts_back(p)
    return render_lines(RenderJob.of_prepared(p, first, _kept(p, base, removed), keep_empty), text_field)


def _unit_texts(p: Prepared, base: int, uids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`DedupResult.unit_texts` for the units ``uids`` (ascending) of one piece."""
    local = np.asarray(uids, dtype=np.int64) - base
    p = _texts_back(p)
    data, offsets = gather_ranges(p.unit_utf8, p.unit_bounds[local], p.unit_bounds[local + 1])
    return data, offsets, p.unit_spans[local]


# ---- the driver ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tasks() -> dict[str, Any]:
    ray = init_ray()
    names = [
        "_prepare",
        "_read_prepare",
        "_exact_map",
        "_exact_reduce",
        "_band_map",
        "_band_reduce",
        "_request",
        "_serve",
        "_verify",
        "_large_star",
        "_label_edges",
        "_small_star",
        "_stars",
        "_render",
        "_render_lines",
        "_unit_texts",
    ]
    return {name[1:]: ray.remote(globals()[name]) for name in names}


def _get(ray: Any, ref: Any) -> Any:
    """``ray.get``, but an input problem found by a task is raised as the InputError it is
    (one line for the user), not as Ray's wrapped task error with a remote traceback."""
    try:
        return ray.get(ref)
    except Exception as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, InputError):
            raise InputError(str(cause)) from None
        raise


def _call(name: str, returns: int, *args: Any) -> list[Any]:
    """Submit a task; always a list of ``returns`` references."""
    refs = _tasks()[name].options(num_returns=returns).remote(*args)
    return list(refs) if returns > 1 else [refs]


class RayDedupResult(DedupResult):
    """A :class:`DedupResult` whose documents are rendered by Ray tasks, piece by piece."""

    _pieces: list[Any]
    _bases: np.ndarray
    _removed: np.ndarray
    _line_offsets: list[int]
    _doc_firsts: np.ndarray = np.zeros(0, dtype=np.int64)  # first document of each piece
    _local: UnitTexts | None = None  # texts fetched ahead by ``prefetch_units``
    _local_uids: np.ndarray = np.zeros(0, dtype=np.int64)  # replaced, never changed in place

    def iter_documents(
        self, on_record: Callable[[int, Any], None] | None = None, as_spooled: bool = False
    ) -> Iterator[tuple[int, Any, str]]:
        """Documents in input order; a few pieces are rendered ahead, not the whole output at once
        (records always cleaned: the rendering tasks make them)."""
        ray = init_ray()
        bounds = np.searchsorted(self._removed, self._bases)
        ahead = max(2, 2 * int(ray.available_resources().get("CPU", 1)))

        def submit(i: int) -> Any:
            removed = self._removed[bounds[i] : bounds[i + 1]]
            return _call("render", 1, self._pieces[i], int(self._bases[i]), removed, self._line_offsets[i])[0]

        pending = deque(submit(i) for i in range(min(ahead, len(self._pieces))))
        number = 0
        for i in range(len(self._pieces)):
            ref = pending.popleft()
            if i + ahead < len(self._pieces):
                pending.append(submit(i + ahead))
            for record, text in ray.get(ref):
                if on_record is not None:
                    on_record(number, record)
                yield number, record, text
                number += 1

    @property
    def renders_lines(self) -> bool:
        return True

    def rendered_lines(
        self,
        text_field: str,
        mapper: Callable[[Callable[[Any], Any], Iterator[Any]], Iterable[Any]] = map,
        documents_per_job: int = 4096,
    ) -> Iterator[Any]:
        """Each piece's documents as JSONL lines, rendered by a task per piece (a few ahead)."""
        ray = init_ray()
        bounds = np.searchsorted(self._removed, self._bases)
        ahead = max(2, 2 * int(ray.available_resources().get("CPU", 1)))
        firsts = self._doc_firsts
        keep_empty = self.options.keep_empty

        def submit(i: int) -> Any:
            removed = self._removed[bounds[i] : bounds[i + 1]]
            args = (self._pieces[i], int(self._bases[i]), removed, int(firsts[i]), text_field, keep_empty)
            return _call("render_lines", 1, *args)[0]

        pending = deque(submit(i) for i in range(min(ahead, len(self._pieces))))
        for i in range(len(self._pieces)):
            ref = pending.popleft()
            if i + ahead < len(self._pieces):
                pending.append(submit(i + ahead))
            yield ray.get(ref)

    def prefetch_units(self, uids: np.ndarray) -> None:
        """Fetch the texts of ``uids`` from the pieces in one round of tasks and keep them in a
        local store (a file), piece by piece, so the many asks that follow (the removal table's
        chunks) need no task and the driver never holds them all in memory."""
        wanted = sorted_unique(np.asarray(uids, dtype=np.int64))
        store = UnitTexts()
        for part in self._fetch_parts(wanted):
            store.extend(*part)
        if self._local is not None:
            self._local.close()
        self._local, self._local_uids = store, wanted

    def unit_spans(self, uids: np.ndarray) -> np.ndarray:
        """The units' spans: they live beside the texts in the pieces (or the prefetched store)."""
        return self.unit_texts(uids)[2]

    def unit_texts(self, uids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The units' texts: from the prefetched store when it holds them all, else gathered by
        the pieces that hold them (one task per piece concerned)."""
        uids = np.asarray(uids, dtype=np.int64)
        if self._local is not None and len(self._local_uids):
            at = np.minimum(np.searchsorted(self._local_uids, uids), len(self._local_uids) - 1)
            if np.array_equal(self._local_uids[at], uids):
                return self._local.gather(at)
        return self._fetch(uids)

    def _fetch_parts(self, uids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """:meth:`unit_texts` of ``uids`` (ascending), one piece concerned at a time, in order
        (every piece's task submitted at once)."""
        if not self._pieces:
            raise ValueError("this DedupResult is closed (its with block has ended): ask for texts inside the block")
        ray = init_ray()
        bounds = np.searchsorted(uids, self._bases)
        refs = deque(
            _call("unit_texts", 1, p, int(self._bases[i]), uids[bounds[i] : bounds[i + 1]])[0]
            for i, p in enumerate(self._pieces)
            if bounds[i + 1] > bounds[i]
        )
        while refs:
            yield ray.get(refs.popleft())

    def _fetch(self, uids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        parts = list(self._fetch_parts(uids))
        data = np.concatenate([d for d, _o, _p in parts]) if parts else np.zeros(0, dtype=np.uint8)
        sizes = np.concatenate([np.diff(o) for _d, o, _p in parts]) if parts else np.zeros(0, dtype=np.int64)
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        spans = np.concatenate([q for _d, _o, q in parts]) if parts else np.zeros((0, 2), dtype=np.int64)
        return data, offsets, spans

    def close(self) -> None:
        if isinstance(self.clusters, ClusterList):
            self.clusters.fetch_texts = None  # the pieces go: the texts the report lists stay
        self._pieces = []
        if self._local is not None:
            self._local.close()
            self._local = None


def dedup_on_ray(
    docs: Iterable[Any],
    options: DedupOptions,
    normalize_options: NormalizeOptions | None,
    text_field: str = "text",
    *,
    workers: int | None = None,
    batch_size: int = 256,
    partitions: int | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Deduplicate ``docs`` (read by the caller) on Ray; the result (clusters, counts, cleaned
    documents) is the one :func:`seedclean.dedup` gives for the same input and options."""
    ray = init_ray(workers)
    t0 = time.perf_counter()
    opts_ref, nopts_ref = ray.put(options), ray.put(normalize_options)
    it = iter(docs)
    submitted = []
    while batch := list(islice(it, batch_size)):
        submitted.append(_call("prepare", 3, batch, opts_ref, nopts_ref, text_field))
    return _dedup_pieces(ray, submitted, options, normalize_options, partitions, progress, t0)


def dedup_files_on_ray(
    files: list[InputFile],
    options: DedupOptions,
    normalize_options: NormalizeOptions | None,
    text_field: str,
    warnings: Warnings,
    *,
    workers: int | None = None,
    piece_bytes: int = 16 << 20,
    partitions: int | None = None,
    progress: Progress | None = None,
    id_field: str | None = "id",
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> DedupResult:
    """Like :func:`dedup_on_ray`, but the tasks read the files themselves, in pieces of about
    ``piece_bytes`` (a big JSONL file is split at line starts), so no text passes the driver.
    Warnings, document ids and line numbers come out as a local read gives them."""
    ray = init_ray(workers)
    t0 = time.perf_counter()
    opts_ref, nopts_ref = ray.put(options), ray.put(normalize_options)
    pieces = plan_pieces(files, piece_bytes)
    submitted = [
        _call("read_prepare", 3, piece, opts_ref, nopts_ref, text_field, id_field, max_record_bytes) for piece in pieces
    ]
    merger = PieceMerger(pieces, warnings, text_field)
    return _dedup_pieces(ray, submitted, options, normalize_options, partitions, progress, t0, merger.absorb)


def _dedup_pieces(
    ray: Any,
    submitted: list[list[Any]],
    options: DedupOptions,
    normalize_options: NormalizeOptions | None,
    partitions: int | None,
    progress: Progress | None,
    t0: float,
    absorb: Callable[[int, DocumentTable, Any], int] | None = None,
) -> DedupResult:
    """Every stage after *prepare*, for pieces already submitted as (stored piece, band keys,
    meta) refs (``submitted`` is emptied: each meta is freed once read)."""
    wrap: Progress = progress or (lambda it, _desc, _total: it)
    bands, rows = options.lsh_params()
    timings = Timings()
    pieces = [prep for prep, _keys, _meta in submitted]
    band_keys = [keys for _prep, keys, _meta in submitted]
    metas = deque(meta for _prep, _keys, meta in submitted)
    submitted.clear()  # each meta object leaves the store once read: no reference to it is left
    parts_of_table: list[DocumentTable] = []
    unit_lengths: list[np.ndarray] = []
    changes: Counter[str] = Counter()
    repairs, units, line_offsets = 0, [0], []
    for i in wrap(range(len(pieces)), "read+prepare", len(pieces)):
        doc_stats, lengths, doc_changes, doc_repairs, doc_timings, extra = _get(ray, metas.popleft())
        line_offsets.append(absorb(i, doc_stats, extra) if absorb is not None else 0)
        parts_of_table.append(doc_stats)
        unit_lengths.append(lengths.copy())  # for the document policy; a view would pin the object
        units.append(len(lengths))
        changes.update(doc_changes)
        repairs += doc_repairs
        timings.add(doc_timings)
    documents = DocumentTable.concat(parts_of_table)
    doc_counts = [len(t) for t in parts_of_table]
    del parts_of_table
    unnamed = documents.ids.empty()
    documents.ids = documents.ids.replaced(unnamed.tolist(), [str(k) for k in unnamed.tolist()])
    bases = np.cumsum(units).astype(np.int64)  # bases[i]: first uid of piece i; bases[-1] = total
    npieces = len(pieces)
    per_doc = documents.units_in
    unit_start = np.concatenate(([0], np.cumsum(per_doc)[:-1])).astype(np.int64) if len(per_doc) else per_doc
    timings["read_normalize_fingerprint"] = time.perf_counter() - t0

    count_guard = bool(guard_words_list(options.guard_words))
    waves = _band_waves(int(bases[-1]) * bands * (2 if count_guard else 1), bands)
    cpus = int(ray.available_resources().get("CPU", 1))
    parts = partitions or _default_partitions(int(bases[-1]) * max(hi - lo for lo, hi in waves), cpus)

    # Intermediate results are dropped by the driver as soon as the tasks that read them are
    # submitted: Ray keeps an object while a pending task holds it, and frees it after, so the
    # object store holds the pieces and the stages in flight, not every stage's output at once.
    t0 = time.perf_counter()
    maps = [_call("exact_map", parts, p, int(bases[i]), parts) for i, p in enumerate(pieces)]
    exact = [_call("exact_reduce", 1, options.keep, *[m[q] for m in maps])[0] for q in range(parts)]
    by_verify: list[list[Any]] = [[] for _ in range(parts)]
    in_flight: deque[list[Any]] = deque()
    for wave in waves:
        if len(in_flight) == 2:  # the wave before last has its pairs: its rows are freed
            ray.wait(in_flight.popleft(), num_returns=parts)
        maps = [
            _call("band_map", parts, p, band_keys[i], int(bases[i]), parts, bands, wave, count_guard, *exact)
            for i, p in enumerate(pieces)
        ]
        pairs = [_call("band_reduce", parts, parts, *[m[q] for m in maps]) for q in range(parts)]
        del maps
        for r in range(parts):
            by_verify[r].extend(pairs[q][r] for q in range(parts))
        in_flight.append([pairs[q][0] for q in range(parts)])
        del pairs
    del in_flight, band_keys  # each piece's keys are freed when its last band map ends
    requests = [_call("request", 1, *chunks)[0] for chunks in by_verify]
    want_sigs = options.verify == "signature"
    threshold = options.threshold if options.mode == "near" else 2.0  # exact / off: no near edge passes
    answers = [_call("serve", parts, p, int(bases[i]), want_sigs, *requests) for i, p in enumerate(pieces)]
    del requests
    verify_out = [
        _call(
            "verify",
            parts + 1,
            threshold,
            want_sigs,
            parts,
            len(by_verify[r]),
            npieces,
            *by_verify[r],
            *[a[r] for a in answers],
        )
        for r in range(parts)
    ]
    del by_verify, answers
    edges = [out[:parts] for out in verify_out]
    guard_kept_apart = sum(ray.get([out[parts] for out in verify_out]))
    del verify_out
    for _ in wrap(range(1), "bands+verify", 1):
        ray.wait([e[0] for e in edges], num_returns=len(edges))
    timings["near"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    verified = edges
    for _round in wrap(range(200), "components", None):
        large = [_call("large_star", 1 + 2 * parts, parts, *[e[r] for e in edges]) for r in range(parts)]
        if all(ray.get([x[0] for x in large])):
            break
        edges = [_call("small_star", parts, parts, *[x[1 + q] for x in large]) for q in range(parts)]
    else:  # pragma: no cover - large-star / small-star converges in O(log n) rounds
        raise RuntimeError("connected components did not converge in 200 rounds")
    joined = [
        _call("label_edges", 2 * parts, parts, *[e[r] for e in verified], *[x[1 + parts + r] for x in large])
        for r in range(parts)
    ]
    del verified, edges, large
    comp_edges = [[j[q] for j in joined] for q in range(parts)]
    members = [[j[parts + q] for j in joined] for q in range(parts)]
    del joined
    requests = [_call("request", 1, *chunks)[0] for chunks in members]
    answers = [_call("serve", parts, p, int(bases[i]), False, *requests) for i, p in enumerate(pieces)]
    del requests
    stars = [
        _call("stars", 1, options.keep, parts, npieces, *comp_edges[q], *members[q], *[a[q] for a in answers])[0]
        for q in range(parts)
    ]
    del comp_edges, members, answers
    star_rows = ray.get(stars)
    exact_rows = ray.get(exact)
    if options.mode == "off":  # normalise only: no unit follows a champion out
        exact_rows = [(e[0][:0], e[1][:0]) for e in exact_rows]
    timings["components+stars"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    items = np.concatenate([s[0] for s in star_rows])
    order = np.argsort(items)
    items, centers = items[order], np.concatenate([s[1] for s in star_rows])[order]
    sims = np.concatenate([s[2] for s in star_rows])[order]
    others = np.concatenate([e[0] for e in exact_rows])
    champs = np.concatenate([e[1] for e in exact_rows])
    pos = np.minimum(np.searchsorted(items, champs), max(len(items) - 1, 0))
    found = (items[pos] == champs) if len(items) else np.zeros(len(champs), dtype=bool)
    champ_center = np.where(found, centers[pos] if len(items) else champs, champs)
    champ_sim = np.where(found, sims[pos] if len(items) else 1.0, 1.0)
    removed = np.concatenate((others, items))
    order = np.argsort(removed, kind="stable")
    removed = removed[order]
    kept = np.concatenate((champ_center, centers))[order]
    exact_flag = np.concatenate((champ_center == champs, np.zeros(len(items), dtype=bool)))[order]
    similarity = np.concatenate((champ_sim, sims))[order]
    clusters = build_clusters(documents, unit_start, removed, kept, exact_flag, similarity)
    lengths_all = np.concatenate(unit_lengths) if unit_lengths else np.zeros(0, dtype=np.int32)
    dropped = apply_document_policy(options.min_kept, documents, unit_start, lengths_all, removed, kept)
    timings["decide"] = time.perf_counter() - t0
    result = RayDedupResult(
        options=options,
        normalize_options=normalize_options,
        bands=bands,
        rows=rows,
        documents=documents,
        clusters=clusters,
        changes=changes,
        repairs=repairs,
        timings={k: round(v, 4) for k, v in timings.items()},
        dropped_units=dropped,
        guard_kept_apart=int(guard_kept_apart),
    )
    result._pieces, result._bases, result._removed = pieces, bases, np.union1d(removed, dropped)
    result._line_offsets = line_offsets
    result._doc_firsts = np.cumsum([0] + doc_counts[:-1]).astype(np.int64)
    fill_cluster_texts(result)
    return result
