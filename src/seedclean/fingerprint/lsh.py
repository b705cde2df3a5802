"""LSH banding without an index object: band keys, sort, and candidate pairs per bucket.

Bands and rows come from the threshold in one of two ways. :func:`recall_params` (the default):
every candidate pair is verified by exact Jaccard, so banding can favour recall: the fewest
candidates among the ``b * r <= num_perm`` whose chance of pairing two units at exactly the
threshold is at least 0.99. :func:`optimal_params` is how ``datasketch.MinHashLSH`` chooses them
(minimise the weighted false-positive and false-negative probability); at 0.8 and 128
permutations that is 9 x 13, which pairs only 40% of the units at exactly the threshold.
Instead of a dict of buckets, each band's keys are hashed to 64 bits and sorted; equal runs are
the buckets. That keeps memory at 8 bytes per unit per band and makes the order of work
irrelevant to the result.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from seedclean.fingerprint.kernels import argsort_u64, sorted_unique, union_sorted

__all__ = [
    "optimal_params",
    "recall_params",
    "candidate_probability",
    "band_keys",
    "bucket_neighbours",
    "candidate_pairs",
]


@lru_cache(maxsize=1)
def _gauss_legendre() -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of 100-point Gauss-Legendre quadrature on [-1, 1]: exact to ~1e-15 for
    these smooth integrands; the (bands, rows) it chooses equal datasketch's (scipy.quad) on the
    grid of thresholds and permutation counts in tests/test_minhash.py, without scipy."""
    return np.polynomial.legendre.leggauss(100)


def _integral(f: Any, lo: float, hi: float) -> float:
    nodes, weights = _gauss_legendre()
    xs = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)
    return 0.5 * (hi - lo) * float(np.dot(weights, f(xs)))


def _false_positive(threshold: float, b: int, r: int) -> float:
    return _integral(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)


def _false_negative(threshold: float, b: int, r: int) -> float:
    return _integral(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)


@lru_cache(maxsize=64)
def optimal_params(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising ``fp_weight * P(false positive) + fn_weight * P(false negative)``."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be strictly between 0 and 1, not {threshold}")
    if abs(fp_weight + fn_weight - 1.0) > 1e-9:
        raise ValueError("fp_weight and fn_weight must add up to 1")
    best, best_err = (0, 0), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            err = fp_weight * _false_positive(threshold, b, r) + fn_weight * _false_negative(threshold, b, r)
            if err < best_err:
                best, best_err = (b, r), err
    return best


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Chance that two units of this Jaccard similarity share at least one band."""
    return float(1.0 - (1.0 - similarity**rows) ** bands)


@lru_cache(maxsize=64)
def recall_params(threshold: float, num_perm: int, recall: float = 0.99) -> tuple[int, int]:
    """(bands, rows) with the least false-positive area among those that pair units at exactly
    ``threshold`` with probability ``recall`` or more (the most likely pairing if none does)."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be strictly between 0 and 1, not {threshold}")
    best, best_key = (0, 0), (True, float("inf"))
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = candidate_probability(threshold, b, r)
            key = (p < recall, -p if p < recall else _false_positive(threshold, b, r))
            if key < best_key:
                best, best_key = (b, r), key
    return best


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """64-bit key of each band of each signature: shape (units, bands), uint64."""
    n = sigs.shape[0]
    if bands * rows > sigs.shape[1]:
        raise ValueError(f"{bands} bands x {rows} rows exceed {sigs.shape[1]} permutations")
    cut = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    h = np.full((n, bands), 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    for k in range(rows):
        h ^= cut[:, :, k]
        h *= prime
        h ^= h >> np.uint64(29)
    h ^= np.arange(bands, dtype=np.uint64)  # buckets of different bands never meet
    return h


class BandColumns(Protocol):
    """Band keys read one band at a time: ``columns[band]`` is every row's key in that band."""

    def __len__(self) -> int: ...

    def __getitem__(self, band: int) -> np.ndarray: ...


def bucket_neighbours(same: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs buckets contribute, the one rule both engines use: ``members`` (int64) sorted by
    bucket, then ascending, and ``same[k]`` whether members ``k`` and ``k + 1`` share a bucket.
    Each member after its bucket's first is paired with that first (a star) and with the member
    before it (a chain). Returns (lo, hi), lo < hi, a member never paired with itself."""
    n = len(members)
    head = np.maximum.accumulate(np.where(np.concatenate(([False], same)), 0, np.arange(n)))
    k = np.arange(1, n)[same]
    lo = np.concatenate((members[head[k]], members[k - 1]))
    hi = np.concatenate((members[k], members[k]))
    distinct = lo != hi
    return lo[distinct], hi[distinct]


def candidate_pairs(
    keys: np.ndarray | BandColumns,
    rows: np.ndarray | None = None,
    salt: np.ndarray | None = None,
    differing: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of rows sharing a key in some band: each bucket contributes a star to its
    first member and a chain between neighbours (ids ascending), so that every member meets
    both the bucket's oldest unit and its nearest ones; pairs are deduplicated and sorted.
    ``keys`` is a (rows, bands) array or a sequence of band columns (read one at a time).
    ``rows`` picks the rows taken part (ids are then positions in ``rows``) and ``salt`` (one
    per picked row) is XORed into each of its band keys, so buckets split by a label; both are
    applied one band at a time, so no copy of the whole key matrix is made (at 10M units it is
    1.3 GB). With ``differing`` (a label per picked row), only the pairs whose labels differ,
    dropped before the deduplication rather than after it (the guard's count wants the few
    that differ)."""
    columns: BandColumns = [keys[:, band] for band in range(keys.shape[1])] if isinstance(keys, np.ndarray) else keys
    # each pair as one int64 (lo * n + hi), merged band by band into the distinct pairs so far:
    # the same pair turns up in several bands (about 5 band pairs per distinct one on the
    # reference corpus), so collecting them all first would hold 5x the memory
    pair = np.empty(0, dtype=np.int64)
    n = 1
    for band in range(len(columns)):
        col = columns[band] if rows is None else columns[band][rows]
        n = len(col)  # the same in every band (read from the column: a band file is read once)
        if salt is not None:
            col = col ^ salt
        order = argsort_u64(col)  # stable: a bucket's members stay in ascending order
        same = col[order][1:] == col[order][:-1]
        if not same.any():
            continue
        a, b = bucket_neighbours(same, order)
        if differing is not None:
            apart = differing[a] != differing[b]
            a, b = a[apart], b[apart]
        pair = union_sorted(pair, sorted_unique(a * n + b))
    return pair // n, pair % n
