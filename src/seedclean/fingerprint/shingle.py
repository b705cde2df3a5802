"""Dedup keys and shingles: what two paragraphs are compared on.

The dedup key is the normalised text made insensitive to what should not tell two paragraphs
apart: tone-mark style (always the "hòa" style), letter case, runs of whitespace and, as an
option, punctuation. Shingles are word n-grams of the key (a Vietnamese word is a syllable)
or character n-grams, hashed to 32 bits by :func:`word_shingle_hash` / :func:`char_shingle_hash`.
Those two functions are plain Python so that a datasketch user can reproduce any signature:
``datasketch.MinHash(num_perm, seed, hashfunc=word_shingle_hash)`` fed ``"w1 w2 w3"`` strings.
"""

from __future__ import annotations

import re

import numpy as np

from seedclean.text.tones import fix_tones

__all__ = [
    "dedup_key",
    "exact_hash",
    "exact_hash_bytes",
    "tokens",
    "word_hash",
    "word_shingle_hash",
    "char_shingle_hash",
    "shingle_hashes",
]

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MASK = 0xFFFFFFFF
_PUNCT = re.compile(r"[^\w\s]+")
_TOKEN = re.compile(r"\w+")


def dedup_key(text: str, *, ignore_punctuation: bool = False, tones_placed: bool = False) -> str:
    """The string two units must share to be exact duplicates (case, tone style, spaces ignored).

    ``tones_placed`` says the text already went through the normaliser in "hòa" style, so the
    tone pass can be skipped (the result is the same).
    """
    key = (text if tones_placed else fix_tones(text, "hòa")).casefold()
    if ignore_punctuation:
        key = _PUNCT.sub(" ", key)
    return " ".join(key.split())  # collapse whitespace runs (str.split is far faster than a regex)


def exact_hash(key: str) -> bytes:
    """128-bit MurmurHash3 (x64, seed 0) of a dedup key: what exact duplicates are grouped by."""
    return exact_hash_bytes(key.encode("utf-8"))


_M64 = 0xFFFFFFFFFFFFFFFF
_C1, _C2 = 0x87C37B91114253D5, 0x4CF5AD432745937F


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _M64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _M64
    return k ^ (k >> 33)


def exact_hash_bytes(key: bytes) -> bytes:
    """:func:`exact_hash` of a key already encoded as UTF-8: MurmurHash3_x64_128 as Austin
    Appleby's reference code computes it, in plain Python (the twin of the compiled
    ``fingerprint.kernels.exact_hashes``; the tests pin vectors of the reference C code)."""
    h1 = h2 = 0
    n = len(key)
    for at in range(0, n - n % 16, 16):
        k1 = int.from_bytes(key[at : at + 8], "little")
        k2 = int.from_bytes(key[at + 8 : at + 16], "little")
        h1 ^= (_rotl((k1 * _C1) & _M64, 31) * _C2) & _M64
        h1 = ((_rotl(h1, 27) + h2) * 5 + 0x52DCE729) & _M64
        h2 ^= (_rotl((k2 * _C2) & _M64, 33) * _C1) & _M64
        h2 = ((_rotl(h2, 31) + h1) * 5 + 0x38495AB5) & _M64
    tail = key[n - n % 16 :]
    if len(tail) > 8:
        k2 = int.from_bytes(tail[8:], "little")
        h2 ^= (_rotl((k2 * _C2) & _M64, 33) * _C1) & _M64
    if tail:
        k1 = int.from_bytes(tail[:8], "little")
        h1 ^= (_rotl((k1 * _C1) & _M64, 31) * _C2) & _M64
    h1 ^= n
    h2 ^= n
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    return h1.to_bytes(8, "little") + h2.to_bytes(8, "little")


def tokens(key: str) -> list[str]:
    """Words of a dedup key for shingling: runs of letters and digits, punctuation dropped."""
    return _TOKEN.findall(key)


def word_hash(word: str) -> int:
    """FNV-1a (32-bit) of the word's UTF-8 bytes."""
    h = _FNV_OFFSET
    for byte in word.encode("utf-8"):
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


def _combine(values: list[int]) -> int:
    h = _FNV_OFFSET
    for v in values:
        h = ((h ^ v) * _FNV_PRIME) & _MASK
    return h


def word_shingle_hash(shingle: str) -> int:
    """32-bit hash of a word shingle given as its words joined by single spaces."""
    return _combine([word_hash(w) for w in shingle.split(" ")])


def char_shingle_hash(shingle: str) -> int:
    """32-bit hash of a character shingle (FNV-1a over its code points)."""
    return _combine([ord(c) for c in shingle])


def _ngram_hashes(values: np.ndarray, n: int) -> np.ndarray:
    """Vectorised :func:`_combine` over every window of ``n`` consecutive values."""
    count = len(values) - n + 1
    h = np.full(count, _FNV_OFFSET, dtype=np.uint32)
    prime = np.uint32(_FNV_PRIME)
    for k in range(n):
        h ^= values[k : k + count]
        h *= prime
    return h


_word_cache: dict[str, int] = {}


def shingle_hashes(key: str, kind: str = "word", n: int = 3) -> np.ndarray:
    """Sorted unique 32-bit hashes of the key's shingles; empty if the key is shorter than ``n``."""
    if kind == "word":
        words = tokens(key)
        if len(words) < n:
            return np.empty(0, dtype=np.uint32)
        cache = _word_cache
        if len(cache) > 2_000_000:
            cache.clear()
        values = np.fromiter(
            (cache[w] if w in cache else cache.setdefault(w, word_hash(w)) for w in words),
            dtype=np.uint32,
            count=len(words),
        )
    elif kind == "char":
        values = np.frombuffer(key.encode("utf-32-le"), dtype=np.uint32)
        if len(values) < n:
            return np.empty(0, dtype=np.uint32)
    else:
        raise ValueError(f"shingle kind must be 'word' or 'char', not {kind!r}")
    return np.unique(_ngram_hashes(values, n))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
