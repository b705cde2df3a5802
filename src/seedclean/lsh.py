"""LSH banding without an index object: band keys, sort, and candidate pairs per bucket.

Bands and rows come from the threshold the way ``datasketch.MinHashLSH`` chooses them (minimise
the weighted false-positive and false-negative probability over all ``b * r <= num_perm``).
Instead of a dict of buckets, each band's keys are hashed to 64 bits and sorted; equal runs are
the buckets. That keeps memory at 8 bytes per unit per band and makes the order of work
irrelevant to the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np
from scipy.integrate import quad

__all__ = ["optimal_params", "band_keys", "buckets"]


def _false_positive(threshold: float, b: int, r: int) -> float:
    return quad(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)[0]


def _false_negative(threshold: float, b: int, r: int) -> float:
    return quad(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)[0]


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


def buckets(keys: np.ndarray) -> Iterator[np.ndarray]:
    """Yield, for each band, each group (size >= 2) of unit ids sharing a band key, ids sorted."""
    n = keys.shape[0]
    for band in range(keys.shape[1]):
        col = keys[:, band]
        order = np.argsort(col, kind="stable")
        sorted_keys = col[order]
        boundaries = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        starts = np.concatenate(([0], boundaries))
        ends = np.concatenate((boundaries, [n]))
        for s, e in zip(starts[(ends - starts) > 1], ends[(ends - starts) > 1]):
            yield np.sort(order[s:e])
