"""MinHash signatures for many shingle sets at once, bit-identical to ``datasketch.MinHash``.

datasketch (2.x, default ``affine32`` scheme) maps each 32-bit shingle hash ``h`` through the
MurmurHash3 finaliser and then through ``num_perm`` affine permutations ``a * h + b mod 2**32``
drawn from ``numpy.random.RandomState(seed)``; the signature is the per-permutation minimum.
Here the same arithmetic runs on all shingles of a batch of units in one numpy expression per
block of permutations, and ``np.minimum.reduceat`` takes the per-unit minimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["permutations", "fmix32", "signatures", "EMPTY_VALUE"]

EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # datasketch's value for a MinHash that saw no shingle
_BLOCK = 1 << 16  # shingles per block: bounds the (perms x shingles) temporary to ~32 MB


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) arrays ``datasketch.MinHash(num_perm, seed)`` draws for its affine32 scheme
    (cached and read-only: drawing them costs more than signing a short document)."""
    if num_perm < 1:
        raise ValueError(f"num_perm must be at least 1, not {num_perm}")
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, element-wise with wrap-around (as datasketch applies it)."""
    h = h.astype(np.uint32, copy=True)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def signatures(shingle_sets: Sequence[np.ndarray], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """Signatures (``len(shingle_sets)`` x ``num_perm``, uint32) of many sets of shingle hashes."""
    a, b = permutations(num_perm, seed)
    out = np.full((len(shingle_sets), num_perm), EMPTY_VALUE, dtype=np.uint32)
    lengths = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    for i in map(int, np.flatnonzero(lengths > _BLOCK)):  # one huge unit: fold its shingles in blocks
        sig = out[i]
        flat = shingle_sets[i]
        for lo in range(0, len(flat), _BLOCK):
            chunk = fmix32(flat[lo : lo + _BLOCK])
            permuted = np.multiply.outer(a, chunk)
            permuted += b[:, None]
            np.minimum(sig, permuted.min(axis=1), out=sig)
    nonempty = np.flatnonzero((lengths > 0) & (lengths <= _BLOCK))
    start = 0
    while start < len(nonempty):
        # take units until the block is full (at least one unit per block)
        stop, total = start, 0
        while stop < len(nonempty) and (stop == start or total + lengths[nonempty[stop]] <= _BLOCK):
            total += lengths[nonempty[stop]]
            stop += 1
        rows = nonempty[start:stop]
        flat = fmix32(np.concatenate([shingle_sets[i] for i in rows]))
        offsets = np.zeros(len(rows), dtype=np.int64)
        np.cumsum(lengths[rows][:-1], out=offsets[1:])
        permuted = np.multiply.outer(a, flat)  # (num_perm, shingles), wraps mod 2**32
        permuted += b[:, None]
        out[rows] = np.minimum.reduceat(permuted, offsets, axis=1).T
        start = stop
    return out
