"""Hot loops over many units at once, compiled with numba when it is installed.

Each function has a pure numpy / Python reference twin (``*_reference``) that gives the same
result bit for bit; tests compare the two, and the package works without numba (install the
``fast`` extra to get it). Compiled code is cached on disk, so only the first run pays for it.
Set ``SEEDCLEAN_NO_NUMBA=1`` to force the reference path.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from seedclean.fingerprint.minhash import permutations, signatures
from seedclean.fingerprint.shingle import dedup_key, exact_hash_bytes, shingle_hashes

__all__ = [
    "HAVE_NUMBA",
    "dedup_keys",
    "dedup_keys_reference",
    "KERNELS",
    "word_shingles",
    "word_shingles_packed",
    "word_shingles_guarded",
    "unpack",
    "signatures_flat",
    "intersections",
    "blocked_intersections",
    "union_sorted",
    "argsort_u64",
    "sorted_unique",
    "white_space_table",
    "greedy_stars",
    "word_char_table",
    "pack_utf8",
    "exact_hashes",
    "hash_slots",
    "add_to_trailing_numbers",
    "gather_ranges",
    "gather_ranges_reference",
]

# numba is looked up, not imported: importing it costs ~0.2 s, paid on the first kernel call
HAVE_NUMBA = not os.environ.get("SEEDCLEAN_NO_NUMBA") and importlib.util.find_spec("numba") is not None
if HAVE_NUMBA:
    KERNELS = "numba (compiled)"
elif os.environ.get("SEEDCLEAN_NO_NUMBA"):
    KERNELS = "numpy reference (SEEDCLEAN_NO_NUMBA is set)"
else:  # pragma: no cover - numba is a dependency; said once, at import
    KERNELS = "numpy reference (numba is not installed)"
    warnings.warn(
        "numba is not installed: seedclean runs its numpy reference kernels (same results, slower); "
        "pip install numba for the compiled path",
        RuntimeWarning,
        stacklevel=2,
    )


@lru_cache(maxsize=1)
def compiled() -> Any:
    """The compiled kernels module (imported on first use)."""
    from seedclean.fingerprint import compiled_kernels

    return compiled_kernels


def warm_parent_kernels() -> None:
    """Load from numba's cache the kernels a parent process runs beside and after its workers
    (renumbering pieces' ids, bucket sorts, verification, star split, gathers), for the argument types it
    calls them with: about
    0.4 s of loading that a parent otherwise pays on its critical path, and can pay instead
    while it waits for the workers. Results do not depend on it."""
    if not HAVE_NUMBA:
        return

    def readonly(values: np.ndarray) -> np.ndarray:
        values.flags.writeable = False
        return values

    none = np.zeros(0, dtype=np.int64)
    one = np.zeros(1, dtype=np.int64)
    kernels = compiled()
    kernels.intersections_kernel(readonly(np.zeros(0, dtype=np.uint32)), one, none, none)
    kernels.greedy_stars_kernel(one, none)
    kernels.union_sorted_kernel(none, none)
    for keys in (np.zeros(0, dtype=np.uint64), readonly(np.zeros(0, dtype=np.uint64))):
        kernels.argsort_u64_kernel(keys)
    for data in (np.zeros(0, dtype=np.uint8), readonly(np.zeros(0, dtype=np.uint8))):
        kernels.gather_ranges_kernel(data, none, none)
        kernels.add_to_trailing_numbers_kernel(data, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.bool_), 0)


_table: np.ndarray | None = None
_WORD_RUN = re.compile(r"\w+")


def word_char_table() -> np.ndarray:
    """uint8 per code point: 1 where Python's ``\\w`` matches (what :func:`shingle.tokens` uses)."""
    global _table
    if _table is None:
        # every code point as one str, made by decoding (a join of 1.1M chr() calls took 0.13 s)
        everything = np.arange(sys.maxunicode + 1, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
        table = np.zeros(len(everything), dtype=np.uint8)
        for run in _WORD_RUN.finditer(everything):  # about 750 runs
            table[run.start() : run.end()] = 1
        _table = table
    return _table


_FOLD_SIZE = 0x10000


@lru_cache(maxsize=1)
def white_space_table() -> np.ndarray:
    """uint8 per BMP code point: 1 where ``str.split`` splits (``str.isspace``; none lies past
    the BMP), read-only."""
    space = np.array([chr(cp).isspace() for cp in range(_FOLD_SIZE)], dtype=np.uint8)
    space.setflags(write=False)
    return space


@lru_cache(maxsize=1)
def _fold_tables() -> tuple[np.ndarray, np.ndarray]:
    """(case fold per BMP code point, -1 where it is not one character of no longer UTF-8, and
    :func:`white_space_table`), read-only."""
    fold = np.full(_FOLD_SIZE, -1, dtype=np.int32)
    for cp in range(_FOLD_SIZE):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        low = ch.casefold()
        if len(low) == 1 and len(low.encode("utf-8")) <= len(ch.encode("utf-8")):
            fold[cp] = ord(low)
    fold.setflags(write=False)
    return fold, white_space_table()


Packed = tuple[np.ndarray, np.ndarray]  # UTF-8 bytes of many strings, and where each starts


def dedup_keys_reference(texts: list[str], ignore_punctuation: bool, tones_placed: bool) -> Packed:
    """The :func:`seedclean.fingerprint.shingle.dedup_key` of each text, packed as UTF-8 with offsets."""
    return pack_utf8([dedup_key(t, ignore_punctuation=ignore_punctuation, tones_placed=tones_placed) for t in texts])


def dedup_keys(texts: list[str], ignore_punctuation: bool, tones_placed: bool, packed: Packed | None = None) -> Packed:
    """:func:`dedup_keys_reference`, from one pass over the UTF-8 bytes of the batch when numba is
    there (a unit with a character the fold table cannot map falls back to the Python path);
    ``packed``: the texts already packed by :func:`pack_utf8`."""
    if not HAVE_NUMBA or not texts or not tones_placed:
        return dedup_keys_reference(texts, ignore_punctuation, tones_placed)
    data, bounds = packed if packed is not None else pack_utf8(texts)
    fold, space = _fold_tables()
    keys, key_bounds, flagged = compiled().dedup_keys_kernel(
        data, bounds, fold, word_char_table(), space, ignore_punctuation
    )
    if not flagged.any():
        return keys, key_bounds
    pieces = [keys[key_bounds[i] : key_bounds[i + 1]].tobytes() for i in range(len(texts))]
    for i in np.flatnonzero(flagged).tolist():
        key = dedup_key(texts[i], ignore_punctuation=ignore_punctuation, tones_placed=tones_placed)
        pieces[i] = key.encode("utf-8", "surrogatepass")
    joined = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in pieces], out=offsets[1:])
    return joined, offsets


def hash_slots(hashes: np.ndarray) -> np.ndarray:
    """An open-addressing table of item number + 1 by hash (0: empty; linear probing from
    ``hash & (size - 1)``), its size the least power of two at least four times the items (and
    at least 4), as the kernels probe it: the guard words' and the settled syllables' tables."""
    size = 4
    while size < 4 * len(hashes):
        size *= 2
    taken = [0] * size  # a list: probing element by element is cheaper there
    for k, h in enumerate((np.asarray(hashes, dtype=np.uint64) & np.uint64(size - 1)).tolist()):
        while taken[h]:
            h = (h + 1) & (size - 1)
        taken[h] = k + 1
    return np.array(taken, dtype=np.int32)


def exact_hashes(data: bytes, bounds: list[int]) -> bytes:
    """The 16-byte :func:`seedclean.fingerprint.shingle.exact_hash_bytes` of each key packed in
    ``data`` (key ``i`` at ``bounds[i]:bounds[i + 1]``), one after the other, hashed in one
    compiled pass (a hashlib call per key cost ~1.2 us)."""
    if not HAVE_NUMBA:
        view = memoryview(data)
        return b"".join([exact_hash_bytes(bytes(view[s:e])) for s, e in zip(bounds[:-1], bounds[1:])])
    out = compiled().murmur3_128_kernel(np.frombuffer(data, dtype=np.uint8), np.asarray(bounds, dtype=np.int64))
    return bytes(out.astype("<u8").tobytes())


def pack_utf8(keys: list[str], known: list[bytes | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The strings as one uint8 array of UTF-8 (lone surrogates passed through) and int64 offsets.
    ``known``: per string its UTF-8 when the caller has it already (None where not)."""
    if known is None:
        encoded = [k.encode("utf-8", "surrogatepass") for k in keys]
    else:
        encoded = [b if b is not None else k.encode("utf-8", "surrogatepass") for k, b in zip(keys, known)]
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


def word_shingles(keys: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique word n-gram hashes of each key (flat uint32) and their offsets (int64)."""
    if not HAVE_NUMBA or not keys:
        return word_shingles_reference(keys, n)
    return word_shingles_packed(*pack_utf8(keys), n)


def unpack(data: np.ndarray, bounds: np.ndarray) -> list[str]:
    """The strings packed by :func:`pack_utf8` (UTF-8, lone surrogates passed through)."""
    raw = data.tobytes()
    return [raw[bounds[i] : bounds[i + 1]].decode("utf-8", "surrogatepass") for i in range(len(bounds) - 1)]


NO_GUARD = (
    np.zeros(0, dtype=np.uint8),
    np.zeros(1, dtype=np.int64),
    np.zeros(0, dtype=np.uint64),
    np.zeros(4, dtype=np.int32),
)  # guard word arrays (bytes, bounds, hashes, slots: ``dedup.guard_arrays``) of no words


def word_shingles_packed(data: np.ndarray, bounds: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`word_shingles` of keys packed as UTF-8 bytes with offsets."""
    if not HAVE_NUMBA or len(bounds) < 2:
        return word_shingles_reference(unpack(data, bounds), n)
    flat, offsets, _guard = compiled().word_shingles_kernel(data, bounds, word_char_table(), n, *NO_GUARD)
    return flat, offsets


def word_shingles_guarded(
    data: np.ndarray, bounds: np.ndarray, n: int, guard: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`word_shingles_packed` and, from the same pass over the tokens, each key's guard
    digest for the guard words ``guard`` (bytes, bounds, hashes, slots; see
    ``dedup.guard_arrays``): one tokenisation instead of two (0.12 s of a 100k run). Needs numba."""
    if len(bounds) < 2:
        return np.empty(0, dtype=np.uint32), np.zeros(len(bounds), dtype=np.int64), np.zeros(0, dtype=np.uint64)
    out: tuple[np.ndarray, np.ndarray, np.ndarray] = compiled().word_shingles_kernel(
        data, bounds, word_char_table(), n, *guard
    )
    return out


def signatures_flat(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures of the sets ``flat[offsets[i]:offsets[i+1]]`` (datasketch-identical)."""
    if not HAVE_NUMBA:
        return signatures_flat_reference(flat, offsets, num_perm, seed)
    a, b = permutations(num_perm, seed)
    sigs: np.ndarray = compiled().signatures_kernel(flat, offsets, a, b)
    return sigs


def intersections(flat: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Sizes of the intersections of the sets of each (left, right) pair of unit ids."""
    if not HAVE_NUMBA:
        return intersections_reference(flat, offsets, left, right)
    sizes: np.ndarray = compiled().intersections_kernel(flat, offsets, left.astype(np.int64), right.astype(np.int64))
    return sizes


def blocked_intersections(
    flat: np.ndarray,
    offsets: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    block: int,
    release: Callable[[], None],
) -> np.ndarray:
    """:func:`intersections` of every pair, computed block pair by block pair of ``flat`` (each
    ``block`` elements) and calling ``release`` after each, so that a memory-mapped ``flat``
    has at most two blocks mapped at a time (random pairs otherwise map the whole file: on a
    page cache of large folios one byte read maps 2 MiB). Same sizes, in the pairs' order."""
    out = np.empty(len(left), dtype=np.int64)
    if not len(left):
        return out
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    block_l, block_r = offsets[left] // block, offsets[right] // block
    first, second = np.minimum(block_l, block_r), np.maximum(block_l, block_r)
    order = np.lexsort((second, first))
    key = first[order] * (int(second.max()) + 1) + second[order]
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(key)) + 1, [len(order)]))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        at = order[lo:hi]
        out[at] = intersections(flat, offsets, left[at], right[at])
        release()
    return out


def argsort_u64(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for uint64 keys, by a compiled radix sort when numba
    is there (about 2x numpy's stable sort on a band of 1M random keys)."""
    if not HAVE_NUMBA:
        return np.argsort(keys, kind="stable")
    order: np.ndarray = compiled().argsort_u64_kernel(np.ascontiguousarray(keys, dtype=np.uint64))
    return order


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-D numeric array by a sort and a mask: numpy 2.4's ``np.unique`` took
    0.51 s on 1M int64 where this takes 0.06 s."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def union_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted distinct int64 values of two sorted, distinct arrays, in one linear merge
    (``np.union1d`` sorts both again)."""
    if not HAVE_NUMBA:
        return np.union1d(a, b).astype(np.int64)
    out: np.ndarray = compiled().union_sorted_kernel(a.astype(np.int64, copy=False), b.astype(np.int64, copy=False))
    return out


def greedy_stars(indptr: np.ndarray, earlier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stars in priority order: item ``x`` (0 = highest priority) joins the first centre among
    its neighbours of higher priority, ``earlier[indptr[x]:indptr[x+1]]`` (ascending), else it
    is a centre. Returns each item's centre and the index into ``earlier`` of the edge used."""
    if not HAVE_NUMBA:
        return greedy_stars_reference(indptr, earlier)
    centre, via = compiled().greedy_stars_kernel(indptr.astype(np.int64), earlier.astype(np.int64))
    return centre, via


def add_to_trailing_numbers_reference(values: list[str], selected: list[bool], add: int) -> list[str]:
    """Each selected string with ``add`` added to the number its ASCII digits end it with (a
    string not ending in a digit is left as it is): line numbers in ids such as ``a.jsonl:12``."""
    out = []
    for value, chosen in zip(values, selected):
        digits = len(value) - len(value.rstrip("0123456789"))
        if chosen and digits:
            value = value[: len(value) - digits] + str(int(value[len(value) - digits :]) + add)
        out.append(value)
    return out


def add_to_trailing_numbers(
    data: np.ndarray, offsets: np.ndarray, selected: np.ndarray, add: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`add_to_trailing_numbers_reference` over strings packed as UTF-8 with offsets, in
    one compiled pass (a piece's 100,000 ids renumbered without a Python string each)."""
    if not HAVE_NUMBA:
        values = [bytes(data[a:b]).decode("utf-8", "surrogatepass") for a, b in zip(offsets[:-1], offsets[1:])]
        return pack_utf8(add_to_trailing_numbers_reference(values, np.asarray(selected).tolist(), add))
    out, out_offsets = compiled().add_to_trailing_numbers_kernel(
        np.ascontiguousarray(data, dtype=np.uint8),
        np.ascontiguousarray(offsets, dtype=np.int64),
        np.ascontiguousarray(selected, dtype=np.bool_),
        int(add),
    )
    return out, out_offsets


def gather_ranges_reference(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``data[starts[i]:ends[i]]`` for each i, concatenated (uint8), with their offsets (int64)."""
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(np.asarray(ends, dtype=np.int64) - np.asarray(starts, dtype=np.int64), out=offsets[1:])
    pieces = [data[a:b] for a, b in zip(np.asarray(starts).tolist(), np.asarray(ends).tolist())]
    out = np.concatenate(pieces).astype(np.uint8, copy=False) if pieces else np.zeros(0, dtype=np.uint8)
    return out, offsets


def gather_ranges(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gather_ranges_reference` in one compiled pass (no Python object per range)."""
    if not HAVE_NUMBA:
        return gather_ranges_reference(data, starts, ends)
    out, offsets = compiled().gather_ranges_kernel(data, starts.astype(np.int64), ends.astype(np.int64))
    return out, offsets
