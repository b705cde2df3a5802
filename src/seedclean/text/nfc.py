"""Unicode NFC of many lines at once, by a compiled composer for the common scripts.

Decomposed (NFD) Vietnamese is common in crawled text (macOS file names and editors write it),
and ``unicodedata2.normalize("NFC", ...)`` composes it at about 17 us a paragraph. The kernel
here composes every line of a batch in one pass over its code points, with tables built from
``unicodedata2`` itself (so from the same Unicode version): the canonical decomposition of each
character, its combining class, and the primary composites. It runs the standard algorithm
(decompose, order marks by combining class, compose what is not blocked) on every starter
followed by combining marks, and hands a line back to ``unicodedata2`` whenever it holds
anything the algorithm here does not cover: a character at or past :data:`TABLE_SIZE`
(Hangul, CJK compatibility, astral planes), a character NFC changes on its own (singletons,
composition exclusions), or a starter that can compose with the character before it.
:func:`nfc_many_reference` is its twin; tests compare them on arbitrary and on Vietnamese text
and on every (letter, mark) pair of the table.
"""

from __future__ import annotations

from functools import lru_cache, partial

import numpy as np
import unicodedata2 as ud

from seedclean.fingerprint.kernels import HAVE_NUMBA, compiled, white_space_table

__all__ = ["nfc_many", "nfc_many_counted", "nfc_many_reference", "changed_words_reference", "TABLE_SIZE"]

TABLE_SIZE = 0x2100  # Latin, Greek, Cyrillic, ..., Latin Extended Additional, punctuation, currency
_LONGEST = 8  # code points of one decomposed sequence the kernel composes; longer: unicodedata2


def nfc_many_reference(lines: list[str]) -> list[str]:
    """NFC of each line, by ``unicodedata2``."""
    return [ud.normalize("NFC", line) for line in lines]


@lru_cache(maxsize=1)
def composition_tables() -> tuple[np.ndarray, ...]:
    """(combining class, unsafe flag, decomposition offsets, decomposition code points, pair
    table keys, pair table values) over code points below :data:`TABLE_SIZE`; pairs are every
    primary composite of the BMP whose first character lies in the table, as an open-addressing
    hash table keyed by ``first << 21 | second`` (read-only arrays). Built once, on first use."""
    size = TABLE_SIZE
    # every BMP character as one str, made by decoding (surrogates stand in as spaces: they have no
    # decomposition), then the per-character properties by C-level maps, not a Python loop
    codes = np.arange(0x10000, dtype="<u4")
    codes[0xD800:0xE000] = 0x20
    everything = codes.tobytes().decode("utf-32-le")
    low = everything[:size]
    ccc = np.fromiter(map(ud.combining, low), dtype=np.uint8, count=size)
    nfd = list(map(partial(ud.normalize, "NFD"), low))
    nfc = list(map(partial(ud.normalize, "NFC"), low))
    lengths = np.fromiter(map(len, nfd), dtype=np.int32, count=size)
    lengths[lengths == 1] = 0  # no decomposition: nothing stored
    offsets = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    points = [ord(c) for full in nfd if len(full) > 1 for c in full]
    unsafe = np.fromiter((a != b for a, b in zip(nfc, low)), dtype=np.uint8, count=size)
    for cp in np.flatnonzero(lengths).tolist():
        if any(ud.combining(c) == 0 for c in nfd[cp][1:]):
            unsafe[cp] = 1  # decomposes into two starters
    seconds: set[int] = set()
    pairs: dict[int, int] = {}
    for cp, decomposition in enumerate(map(ud.decomposition, everything)):
        if not decomposition or decomposition[0] == "<":
            continue
        parts = [int(p, 16) for p in decomposition.split()]
        seconds.update(parts[1:])
        if len(parts) == 2 and parts[0] < size and ud.normalize("NFC", chr(parts[0]) + chr(parts[1])) == chr(cp):
            pairs[parts[0] << 21 | parts[1]] = cp
    for cp in seconds:
        if cp < size and ccc[cp] == 0:
            unsafe[cp] = 1  # a starter that composes with the character before it
    unsafe[0x1100:0x1200] = 1  # conjoining Hangul jamo (composed algorithmically)
    keys, values = _hash_table(pairs)
    tables = (ccc, unsafe, offsets, np.array(points, dtype=np.int32), keys, values)
    for table in tables:
        table.setflags(write=False)
    return tables


def _hash_table(pairs: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Open addressing with linear probing, at most a quarter full; key 0 marks an empty slot
    (no pair has key 0: its second character is a mark)."""
    cap = 16
    while cap < 4 * len(pairs):
        cap *= 2
    keys = np.zeros(cap, dtype=np.int64)
    values = np.zeros(cap, dtype=np.int32)
    for key, value in sorted(pairs.items()):
        slot = _slot(key, cap)
        while keys[slot]:
            slot = (slot + 1) & (cap - 1)
        keys[slot], values[slot] = key, value
    return keys, values


def _slot(key: int, cap: int) -> int:
    """Where the kernel starts looking for ``key`` (a multiplicative hash; as the kernel computes it)."""
    return ((key * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) >> 40 & (cap - 1)


def changed_words_reference(befores: list[str], afters: list[str]) -> list[int]:
    """Per pair, how many white-space separated words differ position by position (what the
    normaliser counts as the ``nfc`` fixes of a text)."""
    return [sum(map(str.__ne__, after.split(), before.split())) for before, after in zip(befores, afters)]


def nfc_many(lines: list[str]) -> list[str]:
    """:func:`nfc_many_reference`, composed by the kernel when numba is there; ``lines`` hold no
    ``\\n`` (they are joined by it)."""
    return nfc_many_counted(lines)[0]


def nfc_many_counted(lines: list[str]) -> tuple[list[str], list[int]]:
    """NFC of each line and how many of its words NFC changed (:func:`changed_words_reference`),
    both from one kernel pass when numba is there; ``lines`` hold no ``\\n``."""
    if not HAVE_NUMBA or not lines:
        composed = nfc_many_reference(lines)
        return composed, changed_words_reference(lines, composed)
    data = np.frombuffer("\n".join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    out, fallback, words, ok = compiled().nfc_kernel(data, *composition_tables(), white_space_table(), _LONGEST)
    if not ok or len(fallback) != len(lines):  # grew past the kernel's buffer, or a line held a \n
        composed = nfc_many_reference(lines)
        return composed, changed_words_reference(lines, composed)
    composed = out.tobytes().decode("utf-32-le", "surrogatepass").split("\n")
    counts: list[int] = words.tolist()
    for i in np.flatnonzero(fallback).tolist():
        composed[i] = ud.normalize("NFC", lines[i])
        counts[i] = changed_words_reference([lines[i]], [composed[i]])[0]
    return composed, counts
