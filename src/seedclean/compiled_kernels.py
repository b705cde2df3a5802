"""The numba kernels behind :mod:`seedclean.kernels`, in a module of their own so that numba is
imported (and the kernels loaded from its disk cache) only when a kernel is first called, not
when ``seedclean`` is imported: ``seedclean --help`` stays fast."""

# mypy: ignore-errors
from __future__ import annotations

import numba
import numpy as np

_FNV_OFFSET = np.uint64(0x811C9DC5)
_FNV_PRIME = np.uint64(0x01000193)
_M32 = np.uint64(0xFFFFFFFF)


@numba.njit(cache=True, nogil=True)
def sort_u32(a, scratch, counts):  # pragma: no cover - compiled
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
def word_shingles_kernel(data, bounds, table, n):  # pragma: no cover - compiled
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
            sort_u32(flat[start:pos], scratch, counts)
            w = start + 1
            for k in range(start + 1, pos):
                if flat[k] != flat[w - 1]:
                    flat[w] = flat[k]
                    w += 1
            pos = w
        offsets[u + 1] = pos
    return flat[:pos].copy(), offsets


@numba.njit(cache=True, nogil=True)
def signatures_kernel(flat, offsets, a, b):  # pragma: no cover - compiled
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
def intersections_kernel(flat, offsets, left, right):  # pragma: no cover - compiled
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
def greedy_stars_kernel(indptr, earlier):  # pragma: no cover - compiled
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
