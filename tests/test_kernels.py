"""Compiled kernels agree bit for bit with their reference twins, and the package works without numba."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import mixed_text, vietnamese_text

from seedclean.fingerprint import kernels
from seedclean.fingerprint.shingle import dedup_key

SEEDS = Path(__file__).parent.parent / "seeds"

requires_numba = pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="numba is part of the test extra")


@requires_numba
@given(st.lists(st.one_of(vietnamese_text(20), mixed_text), max_size=8), st.integers(1, 5))
def test_word_shingles_match_reference(texts: list[str], n: int) -> None:
    keys = [dedup_key(t) for t in texts]
    flat, offsets = kernels.word_shingles(keys, n)
    ref_flat, ref_offsets = kernels.word_shingles_reference(keys, n)
    assert np.array_equal(offsets, ref_offsets)
    assert np.array_equal(flat, ref_flat)


@requires_numba
@given(
    st.lists(st.one_of(vietnamese_text(20), mixed_text, st.text(st.characters(exclude_categories=()))), max_size=8),
    st.booleans(),
)
def test_dedup_keys_match_reference(texts: list[str], ignore_punctuation: bool) -> None:
    data, bounds = kernels.dedup_keys(texts, ignore_punctuation, tones_placed=True)
    ref_data, ref_bounds = kernels.dedup_keys_reference(texts, ignore_punctuation, tones_placed=True)
    assert np.array_equal(bounds, ref_bounds)
    assert np.array_equal(data, ref_data)


def test_dedup_keys_by_hand() -> None:
    texts = ["  Thủ TƯỚNG,  nói:\n«Không!»  ", "Straße ǅ x", "ȺB"]  # ß and Ⱥ fold to longer UTF-8: the Python path
    data, bounds = kernels.dedup_keys(texts, True, tones_placed=True)
    assert kernels.unpack(data, bounds) == ["thủ tướng nói không", "strasse ǆ x", "ⱥb"]
    data, bounds = kernels.dedup_keys(texts, False, tones_placed=True)
    assert kernels.unpack(data, bounds)[0] == "thủ tướng, nói: «không!»"


@requires_numba
@given(st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=30, unique=True), max_size=10), st.integers(0, 99))
def test_signatures_and_intersections_match_reference(sets: list[list[int]], seed: int) -> None:
    arrays = [np.array(sorted(s), dtype=np.uint32) for s in sets]
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum([len(a) for a in arrays], out=offsets[1:])
    flat = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.uint32)
    assert np.array_equal(
        kernels.signatures_flat(flat, offsets, 32, seed), kernels.signatures_flat_reference(flat, offsets, 32, seed)
    )
    if len(arrays) >= 2:
        left = np.arange(len(arrays) - 1)
        right = np.arange(1, len(arrays))
        assert np.array_equal(
            kernels.intersections(flat, offsets, left, right),
            kernels.intersections_reference(flat, offsets, left, right),
        )


@given(
    st.lists(st.lists(st.integers(0, 20), max_size=8, unique=True), min_size=2, max_size=12),
    st.integers(1, 9),
    st.data(),
)
def test_blocked_intersections_equal_intersections_and_release_after_each_block_pair(
    sets: list[list[int]], block: int, data: st.DataObject
) -> None:
    """Verification visits the pairs block pair by block pair of the shingles (so a memory map
    holds two blocks at a time): the same sizes in the pairs' order, one release per block pair."""
    arrays = [np.array(sorted(s), dtype=np.uint32) for s in sets]
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum([len(a) for a in arrays], out=offsets[1:])
    flat = np.concatenate(arrays)
    unit = st.integers(0, len(arrays) - 1)
    pairs = data.draw(st.lists(st.tuples(unit, unit), max_size=30))
    left = np.array([p[0] for p in pairs], dtype=np.int64)
    right = np.array([p[1] for p in pairs], dtype=np.int64)
    released = []
    got = kernels.blocked_intersections(flat, offsets, left, right, block, lambda: released.append(1))
    assert got.tolist() == kernels.intersections_reference(flat, offsets, left, right).tolist()
    blocks = {tuple(sorted((int(offsets[a]) // block, int(offsets[b]) // block))) for a, b in pairs}
    assert len(released) == len(blocks)


@given(st.lists(st.integers(-(2**62), 2**62), max_size=40), st.lists(st.integers(-(2**62), 2**62), max_size=40))
def test_union_sorted_is_numpy_union(a: list[int], b: list[int]) -> None:
    """Candidate pairs are merged band by band: the linear merge of two sorted distinct arrays
    is their sorted distinct union."""
    left, right = np.unique(np.array(a, dtype=np.int64)), np.unique(np.array(b, dtype=np.int64))
    assert kernels.union_sorted(left, right).tolist() == np.union1d(left, right).tolist()


def test_word_char_table_is_python_word_class() -> None:
    table = kernels.word_char_table()
    for ch in "aZ09_ệĐ漢ก":
        assert table[ord(ch)] == 1, ch
    for ch in " .,-–“\x01\u0301\u200b":
        assert table[ord(ch)] == 0, repr(ch)
    # every BMP code point and every 7th beyond, against re's \w itself
    word = re.compile(r"\w")
    points = [*range(0x10000), *range(0x10000, 0x110000, 7)]
    assert [int(table[p]) for p in points] == [1 if word.match(chr(p)) else 0 for p in points]


def _run_seeds(out: Path, env: dict[str, str]) -> dict[str, bytes]:
    code = (
        "import seedclean, sys; seedclean.run([sys.argv[1]], sys.argv[2],"
        " seedclean.RunOptions(dedup=seedclean.DedupOptions(granularity='sentence', threshold=0.5)))"
    )
    subprocess.run([sys.executable, "-c", code, str(SEEDS), str(out)], check=True, env=env)
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix == ".txt"}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report.pop("timings")
    files["report"] = json.dumps(report).encode()
    return files


def test_same_output_with_and_without_numba(tmp_path: Path) -> None:
    env = dict(os.environ)
    fast = _run_seeds(tmp_path / "fast", env)
    env["SEEDCLEAN_NO_NUMBA"] = "1"
    slow = _run_seeds(tmp_path / "slow", env)
    assert fast == slow


def test_core_does_not_import_ray() -> None:
    code = "import sys, seedclean; seedclean.dedup(['a b c', 'a b c']); print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_runs_without_ray_installed(tmp_path: Path) -> None:
    """With Ray unimportable (as without the extra), a full local run works, and asking for the
    Ray engine ends with exit code 3 and the install hint, not a traceback."""
    seeds = Path(__file__).parent.parent / "seeds"
    code = (
        "import sys; sys.modules['ray'] = None\n"  # makes `import ray` raise ImportError
        "from seedclean.cli import main\n"
        "sys.argv = ['seedclean', 'run', sys.argv[1], '--out', sys.argv[2], '-q'] + sys.argv[3:]\n"
        "main()\n"
    )
    local = subprocess.run(
        [sys.executable, "-c", code, str(seeds), str(tmp_path / "a")], capture_output=True, text=True
    )
    assert local.returncode == 0, local.stderr
    assert (tmp_path / "a" / "report.json").exists()
    far = subprocess.run(
        [sys.executable, "-c", code, str(seeds), str(tmp_path / "b"), "--engine", "ray"], capture_output=True, text=True
    )
    assert far.returncode == 3, far.stderr
    assert 'pip install "seedclean[ray]"' in far.stderr + far.stdout and "Traceback" not in far.stderr


@given(st.lists(st.lists(st.integers(0, 30), max_size=6), min_size=1, max_size=30))
def test_greedy_stars_match_reference(neighbours: list[list[int]]) -> None:
    earlier_lists = [sorted({e for e in ns if e < x}) for x, ns in enumerate(neighbours)]
    indptr = np.zeros(len(neighbours) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in earlier_lists], out=indptr[1:])
    earlier = np.array([e for es in earlier_lists for e in es], dtype=np.int64)
    got = kernels.greedy_stars(indptr, earlier)
    want = kernels.greedy_stars_reference(indptr, earlier)
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


@pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="the compiled sort exists only with numba")
@given(st.lists(st.integers(0, 2**32 - 1), max_size=400), st.integers(0, 3))
def test_compiled_sort_sorts_short_and_long_runs(values: list[int], repeat: int) -> None:
    a = np.array(values * (repeat + 1), dtype=np.uint32)  # repeats: equal keys, as shingles have
    want = np.sort(a)
    kernels.compiled().sort_u32(a, np.empty(len(a), dtype=np.uint32), np.empty(256, dtype=np.int64))
    assert a.tolist() == want.tolist()


def test_long_units_shingle_like_the_reference() -> None:
    """Units with hundreds of shingles take the radix-sort path of the kernel."""
    words = [f"từ{i % 97}x{i % 13}" for i in range(900)]
    keys = [" ".join(words[k : k + 300]) for k in range(0, 600, 50)]
    for n in (1, 2, 5):
        got, got_off = kernels.word_shingles(keys, n)
        want, want_off = kernels.word_shingles_reference(keys, n)
        assert got.tolist() == want.tolist() and got_off.tolist() == want_off.tolist()


@requires_numba
@given(st.binary(max_size=200), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=20))
def test_gather_ranges_matches_reference(data: bytes, ranges: list[tuple[int, int]]) -> None:
    buffer = np.frombuffer(data, dtype=np.uint8)
    ranges = [(min(a, b, len(data)), min(max(a, b), len(data))) for a, b in ranges]
    starts = np.array([a for a, _ in ranges], dtype=np.int64)
    ends = np.array([b for _, b in ranges], dtype=np.int64)
    out, offsets = kernels.gather_ranges(buffer, starts, ends)
    ref_out, ref_offsets = kernels.gather_ranges_reference(buffer, starts, ends)
    assert np.array_equal(offsets, ref_offsets) and np.array_equal(out, ref_out)
    # and by hand: each range's bytes, in the order asked
    assert [out[offsets[i] : offsets[i + 1]].tobytes() for i in range(len(ranges))] == [data[a:b] for a, b in ranges]


_PARENT_COMPILES = """
import sys
from seedclean.fingerprint.kernels import compiled, warm_parent_kernels
from seedclean.engines.local import RunOptions, run

def signatures():
    mod = compiled()
    return {n: len(getattr(mod, n).signatures) for n in dir(mod) if hasattr(getattr(mod, n), "signatures")}

if __name__ == "__main__":
    if sys.argv[3] == "warm":
        warm_parent_kernels()
    before = signatures()
    run([sys.argv[1]], sys.argv[2], RunOptions(workers=2))
    after = signatures()
    print({n: after[n] - before[n] for n in after if after[n] != before[n]})
"""


@requires_numba
def test_the_parent_finds_its_kernels_loaded_after_warming(tmp_path: Path) -> None:
    """With workers, the parent loads its kernels while they run (about 0.4 s it would otherwise
    pay after them): once warmed, the run compiles or loads no further kernel signature."""
    src = tmp_path / "in.jsonl"
    paragraphs = [f"Đoạn văn số {k} nói về chuyện khác hẳn, với nhiều chữ hơn một chút nữa." for k in range(40)]
    lines = [json.dumps({"text": p}, ensure_ascii=False) for p in paragraphs * 2]
    lines += [json.dumps({"text": p.replace("khác hẳn", "khác")}, ensure_ascii=False) for p in paragraphs]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script = tmp_path / "parent.py"
    script.write_text(_PARENT_COMPILES, encoding="utf-8")
    results = {}
    for mode in ("cold", "warm"):
        done = subprocess.run(
            [sys.executable, str(script), str(src), str(tmp_path / mode), mode],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        results[mode] = done.stdout.strip().splitlines()[-1]
    assert results["cold"] != "{}"  # the run does use kernels in the parent: the check can see them
    assert results["warm"] == "{}"


@given(st.lists(mixed_text | st.text(max_size=80), max_size=10))
def test_exact_hashes_of_packed_keys_are_each_key_hashed_alone(keys: list[str]) -> None:
    # the compiled MurmurHash3 of each packed key equals the plain-Python one of the key alone
    from seedclean.fingerprint.shingle import exact_hash

    data, bounds = kernels.pack_utf8([k.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k in keys])
    keys = kernels.unpack(data, bounds)
    assert kernels.exact_hashes(data.tobytes(), bounds.tolist()) == b"".join(exact_hash(k) for k in keys)


# MurmurHash3_x64_128, seed 0, of these keys, as the reference C code computes them (through the
# mmh3 package, ``mmh3.hash_bytes(key, 0, True).hex()``): every tail length's branch is taken
_MURMUR3_VECTORS = {
    b"": "00000000000000000000000000000000",
    b"a": "897859f6655555855a890e51483ab5e6",
    b"hello": "029bbd41b3a7d8cb191dae486a901e5b",
    "Việt Nam".encode(): "7d88ab3db276ddeb1caec403f89d4a82",
    bytes(range(16)): "303f9091b524494445e82f76566490ab",
    bytes(range(31)): "94d02ca3e1d33d05905400b4ef9ae59e",
    bytes(range(33)): "1246bafa1b28417d0ba3d6a77380ac55",
    b"x" * 100: "e26a598802e50404c37caf2e4057afde",
}


def test_exact_hash_is_murmur3_x64_128_of_the_reference_code() -> None:
    from seedclean.fingerprint.shingle import exact_hash_bytes

    keys = list(_MURMUR3_VECTORS)
    assert [exact_hash_bytes(k).hex() for k in keys] == list(_MURMUR3_VECTORS.values())
    bounds = np.cumsum([0] + [len(k) for k in keys]).tolist()
    packed = kernels.exact_hashes(b"".join(keys), bounds)
    assert [packed[16 * i : 16 * i + 16].hex() for i in range(len(keys))] == list(_MURMUR3_VECTORS.values())


@given(
    st.lists(st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 255, 256, 2**63, 2**64 - 1])), max_size=300),
    st.integers(1, 4),
)
def test_radix_argsort_is_numpys_stable_argsort(values: list[int], repeat: int) -> None:
    """Any uint64 keys, with many equal ones (repeated lists): equal keys keep their order."""
    from seedclean.fingerprint.kernels import argsort_u64

    keys = np.array(values * repeat, dtype=np.uint64)
    assert argsort_u64(keys).tolist() == np.argsort(keys, kind="stable").tolist()


@given(st.lists(st.integers(-(2**62), 2**62), max_size=60), st.integers(1, 3))
def test_sorted_unique_is_numpys_unique(values: list[int], repeat: int) -> None:
    from seedclean.fingerprint.kernels import sorted_unique

    array = np.array(values * repeat, dtype=np.int64)
    got = sorted_unique(array)
    assert got.dtype == np.int64 and got.tolist() == np.unique(array).tolist()
