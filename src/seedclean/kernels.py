"""Hot loops over many units at once, compiled with numba when it is installed.

Each function has a pure numpy / Python reference twin (``*_reference``) that gives the same
result bit for bit; tests compare the two, and the package works without numba (install the
``fast`` extra to get it). Compiled code is cached on disk, so only the first run pays for it.
Set ``SEEDCLEAN_NO_NUMBA=1`` to force the reference path.
"""

from __future__ import annotations

import os
import re
import sys
import warnings

import numpy as np

from .minhash import permutations, signatures
from .shingle import shingle_hashes

__all__ = [
    "HAVE_NUMBA",
    "KERNELS",
    "word_shingles",
    "signatures_flat",
    "intersections",
    "greedy_stars",
    "word_char_table",
]

try:
    if os.environ.get("SEEDCLEAN_NO_NUMBA"):
        raise ImportError("disabled by SEEDCLEAN_NO_NUMBA")
    import numba

    HAVE_NUMBA = True
    KERNELS = "numba (compiled)"
except ImportError as _exc:  # pragma: no cover - exercised in the no-numba CI job
    HAVE_NUMBA = False
    KERNELS = f"numpy reference ({_exc})"
    if not os.environ.get("SEEDCLEAN_NO_NUMBA"):  # said once, at import: asked-for fallbacks stay quiet
        warnings.warn(
            "numba is not installed: seedclean runs its numpy reference kernels (same results, slower); "
            'pip install "seedclean[fast]" for the compiled path',
            RuntimeWarning,
            stacklevel=2,
        )

_table: np.ndarray | None = None
_WORD = re.compile(r"\w")


def word_char_table() -> np.ndarray:
    """uint8 per code point: 1 where Python's ``\\w`` matches (what :func:`shingle.tokens` uses)."""
    global _table
    if _table is None:
        everything = "".join(map(chr, range(sys.maxunicode + 1)))
        marked = _WORD.sub("\x01", everything).encode("utf-32-le", "surrogatepass")
        table = (np.frombuffer(marked, dtype=np.uint32) == 1).astype(np.uint8)
        table[1] = 0  # U+0001 itself is not a word character
        _table = table
    return _table


def _pack(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [k.encode("utf-8", "surrogatepass") for k in keys]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    bounds = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=bounds[1:])
    return data, bounds


def word_shingles_reference(keys: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique word n-gram hashes of each key, concatenated, with offsets."""
    sets = [shingle_hashes(k, "word", n) for k in keys]
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    flat = np.concatenate(sets) if sets else np.empty(0, dtype=np.uint32)
    return flat.astype(np.uint32, copy=False), offsets


def signatures_flat_reference(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    sets = [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    return signatures(sets, num_perm, seed)


def intersections_reference(flat: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    out = np.zeros(len(left), dtype=np.int64)
    for k, (i, j) in enumerate(zip(left, right)):
        a = flat[offsets[i] : offsets[i + 1]]
        b = flat[offsets[j] : offsets[j + 1]]
        out[k] = len(np.intersect1d(a, b, assume_unique=True))
    return out


def greedy_stars_reference(indptr: np.ndarray, earlier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = np.arange(len(indptr) - 1, dtype=np.int64)
    via = np.full(len(indptr) - 1, -1, dtype=np.int64)
    for x in range(len(indptr) - 1):
        for k in range(indptr[x], indptr[x + 1]):
            if out[earlier[k]] == earlier[k]:
                out[x], via[x] = earlier[k], k
                break
    return out, via


if HAVE_NUMBA:
    _FNV_OFFSET = np.uint64(0x811C9DC5)
    _FNV_PRIME = np.uint64(0x01000193)
    _M32 = np.uint64(0xFFFFFFFF)

    @numba.njit(cache=True, nogil=True)
    def _sort_u32(a, scratch, counts):  # pragma: no cover - compiled
        """Sort a uint32 array in place: insertion sort when short, else an LSD radix sort
        (4 passes of 8 bits), about 3x numba's quicksort on the ~100-300 shingles of a paragraph."""
        m = len(a)
        if m < 48:
            for i in range(1, m):
                x = a[i]
                j = i - 1
                while j >= 0 and a[j] > x:
                    a[j + 1] = a[j]
                    j -= 1
                a[j + 1] = x
            return
        src = a
        dst = scratch[:m]
        for shift in range(0, 32, 8):
            counts[:] = 0
            for i in range(m):
                counts[(src[i] >> shift) & 255] += 1
            total = 0
            for b in range(256):
                c = counts[b]
                counts[b] = total
                total += c
            for i in range(m):
                b = (src[i] >> shift) & 255
                dst[counts[b]] = src[i]
                counts[b] += 1
            src, dst = dst, src
        # four passes: the sorted values are back in ``a``

    @numba.njit(cache=True, nogil=True)
    def _word_shingles_kernel(data, bounds, table, n):  # pragma: no cover - compiled
        units = len(bounds) - 1
        cap = len(data) + 1
        flat = np.empty(cap, dtype=np.uint32)
        offsets = np.zeros(units + 1, dtype=np.int64)
        ring = np.zeros(max(n, 1), dtype=np.uint32)
        scratch = np.empty(cap, dtype=np.uint32)
        counts = np.empty(256, dtype=np.int64)
        pos = 0
        for u in range(units):
            start = pos
            count = 0  # words seen in this unit
            slot = 0
            i = bounds[u]
            end = bounds[u + 1]
            h = np.uint64(0)
            in_word = False
            while i <= end:
                is_word = False
                length = 1
                if i < end:
                    b0 = data[i]
                    if b0 < 0x80:
                        cp = b0
                    elif b0 < 0xE0:
                        cp = ((b0 & 0x1F) << 6) | (data[i + 1] & 0x3F)
                        length = 2
                    elif b0 < 0xF0:
                        cp = ((b0 & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
                        length = 3
                    else:
                        cp = ((b0 & 0x07) << 18) | ((data[i + 1] & 0x3F) << 12)
                        cp |= ((data[i + 2] & 0x3F) << 6) | (data[i + 3] & 0x3F)
                        length = 4
                    is_word = table[cp] == 1
                if is_word:
                    if not in_word:
                        h = _FNV_OFFSET
                        in_word = True
                    for k in range(length):
                        h = ((h ^ np.uint64(data[i + k])) * _FNV_PRIME) & _M32
                elif in_word:
                    in_word = False
                    ring[slot] = np.uint32(h)  # slot = count % n, kept without a division
                    slot += 1
                    if slot == n:
                        slot = 0
                    count += 1
                    if count >= n:  # the oldest of the last n words sits at ``slot`` now
                        s = _FNV_OFFSET
                        r = slot
                        for _k in range(n):
                            s = ((s ^ np.uint64(ring[r])) * _FNV_PRIME) & _M32
                            r += 1
                            if r == n:
                                r = 0
                        flat[pos] = np.uint32(s)
                        pos += 1
                i += length
            if pos > start:  # sort and drop repeats in place
                _sort_u32(flat[start:pos], scratch, counts)
                w = start + 1
                for k in range(start + 1, pos):
                    if flat[k] != flat[w - 1]:
                        flat[w] = flat[k]
                        w += 1
                pos = w
            offsets[u + 1] = pos
        return flat[:pos].copy(), offsets

    @numba.njit(cache=True, nogil=True)
    def _signatures_kernel(flat, offsets, a, b):  # pragma: no cover - compiled
        units = len(offsets) - 1
        perms = len(a)
        out = np.full((units, perms), np.uint32(0xFFFFFFFF), dtype=np.uint32)
        for u in range(units):
            for s in range(offsets[u], offsets[u + 1]):
                h = np.uint64(flat[s])
                h ^= h >> np.uint64(16)
                h = (h * np.uint64(0x85EBCA6B)) & _M32
                h ^= h >> np.uint64(13)
                h = (h * np.uint64(0xC2B2AE35)) & _M32
                h ^= h >> np.uint64(16)
                for p in range(perms):
                    v = np.uint32((np.uint64(a[p]) * h + np.uint64(b[p])) & _M32)
                    if v < out[u, p]:
                        out[u, p] = v
        return out

    @numba.njit(cache=True, nogil=True)
    def _intersections_kernel(flat, offsets, left, right):  # pragma: no cover - compiled
        out = np.zeros(len(left), dtype=np.int64)
        for k in range(len(left)):
            i = offsets[left[k]]
            ie = offsets[left[k] + 1]
            j = offsets[right[k]]
            je = offsets[right[k] + 1]
            c = 0
            while i < ie and j < je:
                if flat[i] == flat[j]:
                    c += 1
                    i += 1
                    j += 1
                elif flat[i] < flat[j]:
                    i += 1
                else:
                    j += 1
            out[k] = c
        return out

    @numba.njit(cache=True, nogil=True)
    def _greedy_stars_kernel(indptr, earlier):  # pragma: no cover - compiled
        n = len(indptr) - 1
        out = np.arange(n)
        via = np.full(n, -1, dtype=np.int64)
        for x in range(n):
            for k in range(indptr[x], indptr[x + 1]):
                if out[earlier[k]] == earlier[k]:
                    out[x] = earlier[k]
                    via[x] = k
                    break
        return out, via


def word_shingles(keys: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique word n-gram hashes of each key (flat uint32) and their offsets (int64)."""
    if not HAVE_NUMBA or not keys:
        return word_shingles_reference(keys, n)
    data, bounds = _pack(keys)
    return _word_shingles_kernel(data, bounds, word_char_table(), n)


def signatures_flat(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures of the sets ``flat[offsets[i]:offsets[i+1]]`` (datasketch-identical)."""
    if not HAVE_NUMBA:
        return signatures_flat_reference(flat, offsets, num_perm, seed)
    a, b = permutations(num_perm, seed)
    return _signatures_kernel(flat, offsets, a, b)


def intersections(flat: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Sizes of the intersections of the sets of each (left, right) pair of unit ids."""
    if not HAVE_NUMBA:
        return intersections_reference(flat, offsets, left, right)
    return _intersections_kernel(flat, offsets, left.astype(np.int64), right.astype(np.int64))


def greedy_stars(indptr: np.ndarray, earlier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stars in priority order: item ``x`` (0 = highest priority) joins the first centre among
    its neighbours of higher priority, ``earlier[indptr[x]:indptr[x+1]]`` (ascending), else it
    is a centre. Returns each item's centre and the index into ``earlier`` of the edge used."""
    if not HAVE_NUMBA:
        return greedy_stars_reference(indptr, earlier)
    return _greedy_stars_kernel(indptr.astype(np.int64), earlier.astype(np.int64))
