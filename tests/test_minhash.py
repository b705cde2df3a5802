"""Signatures must be bit-identical to datasketch.MinHash fed the same shingles and hash."""

from __future__ import annotations

import datasketch
import numpy as np
import pytest
from datasketch.lsh import _optimal_param
from hypothesis import given
from hypothesis import strategies as st
from strategies import vietnamese_text

from seedclean.fingerprint.lsh import band_keys, candidate_pairs, optimal_params
from seedclean.fingerprint.minhash import fmix32, permutations, signatures
from seedclean.fingerprint.shingle import (
    char_shingle_hash,
    dedup_key,
    jaccard,
    shingle_hashes,
    tokens,
    word_hash,
    word_shingle_hash,
)


def _datasketch_word(key: str, n: int, num_perm: int, seed: int) -> np.ndarray:
    words = tokens(key)
    m = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=word_shingle_hash)
    for i in range(len(words) - n + 1):
        m.update(" ".join(words[i : i + n]))
    return m.hashvalues


@given(vietnamese_text(40), st.sampled_from([16, 128]), st.integers(0, 2**16), st.integers(1, 5))
def test_word_signatures_match_datasketch(text: str, num_perm: int, seed: int, n: int) -> None:
    key = dedup_key(text)
    ours = signatures([shingle_hashes(key, "word", n)], num_perm, seed)[0]
    assert np.array_equal(ours, _datasketch_word(key, n, num_perm, seed))


@given(st.text(min_size=0, max_size=40), st.integers(1, 6))
def test_char_signatures_match_datasketch(text: str, n: int) -> None:
    m = datasketch.MinHash(num_perm=64, seed=7, hashfunc=char_shingle_hash)
    for i in range(len(text) - n + 1):
        m.update(text[i : i + n])
    ours = signatures([shingle_hashes(text, "char", n)], 64, 7)[0]
    assert np.array_equal(ours, m.hashvalues)


def test_batch_equals_one_by_one_and_empty_sets() -> None:
    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 2**32, size=k, dtype=np.uint32)) for k in (5, 0, 70_000, 1, 300)]
    batch = signatures(sets, 32, 1)
    for i, s in enumerate(sets):
        m = datasketch.MinHash(num_perm=32, seed=1, hashfunc=int)
        m.update_batch([int(x) for x in s])
        assert np.array_equal(batch[i], m.hashvalues), i
    assert (batch[1] == 0xFFFFFFFF).all()


def test_permutations_and_fmix_match_datasketch() -> None:
    m = datasketch.MinHash(num_perm=50, seed=42)
    a, b = permutations(50, 42)
    assert np.array_equal(a, m.permutations[0]) and np.array_equal(b, m.permutations[1])
    from datasketch.minhash import _fmix

    x = np.array([0, 1, 2**31, 2**32 - 1, 12345], dtype=np.uint32)
    assert np.array_equal(fmix32(x), _fmix(x.copy(), 32))


def test_shingle_hash_is_fnv1a() -> None:
    # FNV-1a 32 reference values: "" -> offset basis, "a" -> 0xe40c292c (published test vector)
    assert word_hash("") == 0x811C9DC5
    assert word_hash("a") == 0xE40C292C
    assert word_shingle_hash("a") != word_shingle_hash("b")


def test_jaccard() -> None:
    a = np.array([1, 2, 3, 4], dtype=np.uint32)
    b = np.array([3, 4, 5], dtype=np.uint32)
    assert jaccard(a, b) == pytest.approx(2 / 5)


@pytest.mark.parametrize("threshold", [0.1, 0.25, 0.3, 0.45, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95])
@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_lsh_params_match_datasketch(threshold: float, num_perm: int) -> None:
    assert optimal_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)
    if optimal_params(threshold, num_perm)[0] >= 2:  # MinHashLSH refuses a single band
        lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert optimal_params(threshold, num_perm) == (lsh.b, lsh.r)


def test_candidate_pairs_from_shared_bands() -> None:
    sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4], [0, 0, 0, 0]], dtype=np.uint32)
    keys = band_keys(sigs, 2, 2)
    i, j = candidate_pairs(keys)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2)]
    many = np.zeros((5, 1), dtype=np.uint64)  # one bucket of five: star from 0 and chain
    i, j = candidate_pairs(many)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (2, 3), (3, 4)]


@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95])
@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_recall_banding_pairs_99_percent_at_the_threshold_with_the_fewest_candidates(
    threshold: float, num_perm: int
) -> None:
    # issue 16: candidates are verified, so banding favours recall: every admissible (b, r)
    # reaching 0.99 at the threshold has at least the chosen one's false-positive area
    from seedclean.fingerprint.lsh import _false_positive, candidate_probability, recall_params

    b, r = recall_params(threshold, num_perm)
    assert b * r <= num_perm
    assert candidate_probability(threshold, b, r) >= 0.99
    chosen = _false_positive(threshold, b, r)
    for bb in range(1, num_perm + 1):
        for rr in range(1, num_perm // bb + 1):
            if candidate_probability(threshold, bb, rr) >= 0.99:
                assert _false_positive(threshold, bb, rr) >= chosen - 1e-12


def test_recall_banding_at_the_default_threshold_by_hand() -> None:
    from seedclean.fingerprint.lsh import candidate_probability, optimal_params, recall_params

    assert recall_params(0.8, 128) == (16, 6)
    assert abs(candidate_probability(0.8, 16, 6) - (1 - (1 - 0.8**6) ** 16)) < 1e-12
    assert candidate_probability(0.8, *optimal_params(0.8, 128)) < 0.41  # datasketch's 9 x 13
