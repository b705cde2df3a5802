"""The array steps both engines share, against simple references (no Ray needed)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from seedclean.clustering import stages as cluster
from seedclean.clustering.units import BandKeys
from seedclean.engines.ray_engine import _large_star, _route, _small_star, _split_rows
from seedclean.fingerprint.lsh import candidate_pairs

keys_matrix = st.integers(1, 40).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=n, max_size=n)
)


@given(keys_matrix, st.integers(1, 4))
def test_bucket_pairs_equal_candidate_pairs_for_any_split(rows: list[list[int]], parts: int) -> None:
    keys = np.array(rows, dtype=np.uint64)
    i, j = candidate_pairs(keys)
    uid = np.arange(len(rows), dtype=np.int64) * 3 + 5  # ids need not be dense
    band = np.tile(np.arange(3), len(rows))
    key = keys.reshape(-1)
    uids = np.repeat(uid, 3)
    got = set()
    for chunk in _split_rows(_route(key, parts), parts, band=band, key=key, uid=uids):
        a, b = cluster.bucket_pairs(chunk["band"], chunk["key"], chunk["uid"])
        got |= set(zip(a.tolist(), b.tolist()))
    assert got == set(zip(uid[i].tolist(), uid[j].tolist()))


@given(keys_matrix, st.data())
def test_candidate_pairs_with_differing_labels_are_the_pairs_whose_labels_differ(
    rows: list[list[int]], data: st.DataObject
) -> None:
    """The guard's count asks only for pairs whose guard words differ: the same pairs as filtering
    every candidate pair afterwards."""
    keys = np.array(rows, dtype=np.uint64)
    labels = np.array(data.draw(st.lists(st.integers(0, 2), min_size=len(rows), max_size=len(rows))), dtype=np.uint64)
    i, j = candidate_pairs(keys)
    apart = labels[i] != labels[j]
    got_i, got_j = candidate_pairs(keys, differing=labels)
    assert got_i.tolist() == i[apart].tolist() and got_j.tolist() == j[apart].tolist()


@given(keys_matrix, st.data())
def test_candidate_pairs_of_picked_salted_rows_equal_those_of_the_copied_matrix(
    rows: list[list[int]], data: st.DataObject
) -> None:
    """The near stage buckets a subset of the units by (band key, guard words) one band at a
    time instead of copying the key matrix: the same pairs as the copy ``keys[rows] ^ salt``."""
    keys = np.array(rows, dtype=np.uint64)
    picked = np.array(sorted(data.draw(st.sets(st.integers(0, len(rows) - 1), max_size=len(rows)))), dtype=np.int64)
    salt = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(picked), max_size=len(picked))), dtype=np.uint64)
    i, j = candidate_pairs(keys[picked] ^ salt[:, None])
    got_i, got_j = candidate_pairs(keys, rows=picked, salt=salt)
    assert got_i.tolist() == i.tolist() and got_j.tolist() == j.tolist()
    labels = salt + 1
    i, j = candidate_pairs(keys[picked], differing=labels)
    got_i, got_j = candidate_pairs(keys, rows=picked, differing=labels)
    assert got_i.tolist() == i.tolist() and got_j.tolist() == j.tolist()


@given(keys_matrix, st.integers(0, 40))
def test_band_keys_spooled_per_band_give_the_matrix_and_its_pairs(rows: list[list[int]], cut: int) -> None:
    """The local engine keeps band keys in one file per band, added batch by batch: reading
    them back gives the matrix, and candidate pairs over the files equal those over the matrix."""
    keys = np.array(rows, dtype=np.uint64)
    spooled = BandKeys(keys.shape[1])
    try:
        spooled.extend(keys[:cut])
        spooled.extend(keys[cut:])
        assert np.array_equal(spooled.matrix(), keys)
        want_i, want_j = candidate_pairs(keys)
        got_i, got_j = candidate_pairs(spooled)
        assert got_i.tolist() == want_i.tolist() and got_j.tolist() == want_j.tolist()
    finally:
        spooled.close()


def _stars_reference(items: list[int], edges: dict[frozenset[int], float]) -> tuple[list[int], list[float]]:
    """The definition, run literally: the first remaining item is a centre and takes every
    remaining item it shares an edge with; repeat with the rest."""
    center, sim = {}, {}
    remaining = list(items)
    while remaining:
        head, rest = remaining[0], remaining[1:]
        center[head], sim[head] = head, 1.0
        taken = [x for x in rest if frozenset((head, x)) in edges]
        for x in taken:
            center[x], sim[x] = head, edges[frozenset((head, x))]
        remaining = [x for x in rest if x not in taken]
    return [center[x] for x in items], [sim[x] for x in items]


@given(
    st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25), st.floats(0.5, 1.0)), max_size=60),
    st.randoms(use_true_random=False),
)
def test_split_stars_matches_the_definition(raw: list[tuple[int, int, float]], rnd) -> None:
    edges = {frozenset((x, y)): s for x, y, s in raw if x != y}
    nodes = sorted({n for e in edges for n in e})
    rnd.shuffle(nodes)  # any priority order
    items = np.array(nodes, dtype=np.int64) * 3  # ids need not be dense or sorted
    a = np.array([min(e) * 3 for e in edges], dtype=np.int64)
    b = np.array([max(e) * 3 for e in edges], dtype=np.int64)
    sims = np.array(list(edges.values()))
    center, sim = cluster.split_stars(items, a, b, sims)
    want_center, want_sim = _stars_reference(nodes, edges)
    assert center.tolist() == [c * 3 for c in want_center]
    assert sim.tolist() == want_sim


def _components_by_stars(a: np.ndarray, b: np.ndarray, parts: int) -> dict[int, int]:
    """Large-star / small-star rounds run in process, partitions as lists (what the Ray driver does)."""
    u, v = np.concatenate((a, b)), np.concatenate((b, a))
    edges = [_split_rows(_route(u.astype(np.uint64), parts), parts, u=u, v=v)]
    for _ in range(100):
        large = [_large_star(parts, *[e[r] for e in edges]) for r in range(parts)]
        if all(x[0] for x in large):
            break
        edges = [_small_star(parts, *[x[1 + q] for x in large]) for q in range(parts)]
        edges = [e if isinstance(e, tuple) else (e,) for e in edges]
    else:
        raise AssertionError("no convergence")
    label = {}
    for x in large:
        for chunk in x[1 + parts :]:
            label.update(zip(chunk["item"].tolist(), chunk["root"].tolist()))
    return label


@settings(max_examples=60)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=80),
    st.integers(1, 5),
)
def test_large_small_star_components_equal_scipy(pairs: list[tuple[int, int]], parts: int) -> None:
    pairs = [(x, y) for x, y in pairs if x != y]
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    label = _components_by_stars(a, b, parts)
    nodes = sorted(set(a.tolist()) | set(b.tolist()))
    assert sorted(label) == nodes
    if nodes:
        _n, comp = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(61, 61)), directed=False)
        for x in nodes:  # each node's root is the least node of its scipy component
            assert label[x] == min(y for y in nodes if comp[y] == comp[x])


def test_exact_champions_first_and_longest() -> None:
    hashes = np.array([5, 7, 5, 5, 7], dtype=np.uint64)
    uids = np.array([10, 11, 12, 13, 14])
    lengths = np.array([3, 9, 8, 8, 9])
    assert cluster.exact_champions(hashes, uids, lengths, "first").tolist() == [10, 11, 10, 10, 11]
    assert cluster.exact_champions(hashes, uids, lengths, "longest").tolist() == [12, 11, 12, 12, 11]


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(1, 4)), max_size=40),
    st.sampled_from(["first", "longest"]),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_exact_champions_equal_the_unique_twin(rows, keep: str, structured: bool, rng) -> None:
    """Any hashes (plain, or two fields compared in order), lengths with ties, uids in any order."""
    uids = np.array(rng.sample(range(1000), len(rows)), dtype=np.int64)
    hi = np.array([r[0] for r in rows], dtype=np.uint64)
    lo = np.array([r[1] for r in rows], dtype=np.uint64)
    lengths = np.array([r[2] for r in rows], dtype=np.int32)
    if structured:
        hashes = np.stack((hi, lo), axis=1).view([("hi", "<u8"), ("lo", "<u8")]).reshape(-1)
    else:
        hashes = hi * np.uint64(3) + lo
    got = cluster.exact_champions(hashes, uids, lengths, keep)
    assert got.tolist() == cluster.exact_champions_reference(hashes, uids, lengths, keep).tolist()
