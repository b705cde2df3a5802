"""Speed and memory of seedclean against datasketch and rensa, on one synthetic corpus, in one run.

    python benchmarks/bench_perf.py --paragraphs 100000 --out benchmarks/results/perf.md

Corpus: ``benchmarks/corpus.py`` (seed sentences recombined, numbers redrawn, ~30% near
copies, formatting noise), written as JSONL with 10 paragraphs per record. Every signature peer
gets the same shingles (word 5-grams of the same normalised, case-folded keys, 128
permutations) and runs on one core; slow peers run on a subset and are reported as a rate.
End to end, ``seedclean run`` on the JSONL (read, normalise, segment, sign, LSH, cluster, write)
runs as a subprocess with 1 and 2 workers, next to a careful datasketch pipeline (NFC,
``MinHash.bulk``, ``MinHashLSH``, union-find) on the same file. Peak RSS is each subprocess's own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import seedclean

# The signature table compares one core with one core: rensa's batch API otherwise runs on a
# rayon thread pool over every core (and its idle threads then slow whatever runs next).
os.environ.setdefault("RAYON_NUM_THREADS", "1")
from seedclean.fingerprint import kernels
from seedclean.fingerprint.shingle import dedup_key, tokens, word_shingle_hash

HERE = Path(__file__).resolve().parent
NUM_PERM = 128
N = 5


def _timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def _child(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; return (seconds, its peak RSS in MB, stdout)."""
    wrapper = (
        "import resource, subprocess, sys, time, json; t=time.perf_counter();"
        "p=subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "print(json.dumps({'s': time.perf_counter()-t, 'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
        "'rc': p.returncode, 'out': p.stdout[-2000:], 'err': p.stderr[-2000:]}))"
    )
    res = json.loads(subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True).stdout)
    if res["rc"] != 0:
        raise RuntimeError(f"{cmd} failed: {res['err']}")
    return res["s"], res["rss"] / 1024, res["out"]


def datasketch_pipeline(path: str) -> None:
    """The careful datasketch way: NFC, MinHash.bulk, MinHashLSH, union-find; writes nothing."""
    import unicodedata

    import datasketch

    paras = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text = unicodedata.normalize("NFC", json.loads(line)["text"])
            paras += [p for p in text.split("\n\n") if p.strip()]
    shingle_sets = []
    for p in paras:
        words = p.lower().split()
        shingle_sets.append([" ".join(words[i : i + N]).encode() for i in range(max(1, len(words) - N + 1))])
    hashes = datasketch.MinHash.bulk(shingle_sets, num_perm=NUM_PERM)
    lsh = datasketch.MinHashLSH(threshold=0.8, num_perm=NUM_PERM)
    parent = list(range(len(paras)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            parent[find(i)] = find(j)
        lsh.insert(i, m)
    print(len({find(i) for i in range(len(paras))}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--subset", type=int, default=5_000, help="paragraphs for the slow per-shingle peer")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip-datasketch-pipeline", action="store_true")
    args = ap.parse_args()
    data_dir = HERE / "data"
    data_dir.mkdir(exist_ok=True)
    path = data_dir / f"corpus-{args.paragraphs}.jsonl"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(HERE / "corpus.py"), "--paragraphs", str(args.paragraphs), "--out", str(path)],
            check=True,
        )
    mb_total = path.stat().st_size / 1e6
    paras = [p for line in open(path, encoding="utf-8") for p in json.loads(line)["text"].split("\n\n")]
    keys = [dedup_key(seedclean.normalize(p)) for p in paras]
    mb_keys = sum(len(k.encode()) for k in keys) / 1e6
    shingles = []
    for k in keys[: max(args.subset * 4, 20_000)]:
        w = tokens(k)
        shingles.append([" ".join(w[i : i + N]) for i in range(len(w) - N + 1)])
    avg_sh = np.mean([len(s) for s in shingles])
    rows: list[tuple[str, int, float]] = []  # (name, paragraphs, seconds)

    import datasketch

    sub = shingles[: args.subset]

    def per_shingle() -> None:
        for s in sub:
            m = datasketch.MinHash(num_perm=NUM_PERM)
            for x in s:
                m.update(x.encode())

    rows.append(("datasketch.MinHash, one update per shingle (SHA-1)", len(sub), _timed(per_shingle)[1]))
    bulk_in = [[x.encode() for x in s] for s in shingles]
    rows.append(
        (
            "datasketch.MinHash.bulk",
            len(bulk_in),
            _timed(lambda: datasketch.MinHash.bulk(bulk_in, num_perm=NUM_PERM))[1],
        )
    )
    try:
        import rensa

        rows.append(
            (
                "rensa RMinHash, update per paragraph",
                len(shingles),
                _timed(lambda: [rensa.RMinHash(num_perm=NUM_PERM, seed=1).update(s) for s in shingles])[1],
            )
        )
        rows.append(
            (
                "rensa digest_matrix_from_token_sets (batch)",
                len(shingles),
                _timed(lambda: rensa.RMinHash.digest_matrix_from_token_sets(shingles, num_perm=NUM_PERM, seed=1))[1],
            )
        )
    except ImportError:
        rows.append(("rensa (not installed)", 0, float("nan")))

    def ours(keys_: list[str]) -> np.ndarray:
        flat, offsets = kernels.word_shingles(keys_, N)
        return kernels.signatures_flat(flat, offsets, NUM_PERM, 1)

    ours(keys[:100])  # compile / load the cache outside the timing
    sigs, secs = _timed(ours, keys)
    rows.append(
        (f"seedclean signatures from the key text ({'numba' if kernels.HAVE_NUMBA else 'numpy'})", len(keys), secs)
    )
    ref_keys = keys[:20_000]

    def reference() -> np.ndarray:
        flat, offsets = kernels.word_shingles_reference(ref_keys, N)
        return kernels.signatures_flat_reference(flat, offsets, NUM_PERM, 1)

    rows.append(("seedclean signatures, numpy reference path", len(ref_keys), _timed(reference)[1]))
    check = datasketch.MinHash(num_perm=NUM_PERM, hashfunc=word_shingle_hash)
    for x in shingles[0]:
        check.update(x)
    assert np.array_equal(check.hashvalues, sigs[0]), "signature differs from datasketch"

    # LSH index: seedclean candidates vs datasketch MinHashLSH vs rensa, same signatures
    from seedclean.fingerprint.lsh import band_keys, candidate_pairs, optimal_params

    bands, rows_per = optimal_params(0.8, NUM_PERM)
    t0 = time.perf_counter()
    bk = band_keys(sigs, bands, rows_per)
    ci, _cj = candidate_pairs(bk)
    t_ours = time.perf_counter() - t0
    lsh_rows = [("seedclean band keys + sort-based candidate pairs", len(keys), t_ours, bk.nbytes / 1e6, len(ci))]
    lean_n = min(len(keys), 100_000)
    lsh = datasketch.MinHashLSH(threshold=0.8, num_perm=NUM_PERM)
    t0 = time.perf_counter()
    with lsh.insertion_session() as session:
        for i in range(lean_n):
            session.insert(i, datasketch.LeanMinHash(seed=1, hashvalues=sigs[i], scheme="affine32"))
    lsh_rows.append(
        (
            "datasketch MinHashLSH insert (LeanMinHash from our signatures)",
            lean_n,
            time.perf_counter() - t0,
            float("nan"),
            0,
        )
    )

    lines = [
        f"# Performance ({len(paras):,} paragraphs, {mb_total:.1f} MB JSONL, {mb_keys / len(keys) * 1e6:.0f} bytes"
        f" and {avg_sh:.0f} word {N}-grams per paragraph, {NUM_PERM} permutations)",
        "",
        f"Command: `python benchmarks/bench_perf.py --paragraphs {args.paragraphs}`; {platform.machine()},"
        f" {os.cpu_count()} cores, Python {platform.python_version()}, numba {'on' if kernels.HAVE_NUMBA else 'off'}.",
        "",
        "## Signatures (one core)",
        "",
        "| what | paragraphs | seconds | paragraphs/s | MB/s | seedclean is x faster |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    ours_rate = len(keys) / secs
    per_para_mb = mb_keys / len(keys)
    for name, n, s in rows:
        rate = n / s if n else float("nan")
        lines.append(f"| {name} | {n:,} | {s:.2f} | {rate:,.0f} | {rate * per_para_mb:.1f} | {ours_rate / rate:.1f} |")
    lines += [
        "",
        "## LSH index (threshold 0.8)",
        "",
        "| what | paragraphs | seconds | index MB | candidate pairs |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, n, s, mb, pairs in lsh_rows:
        lines.append(f"| {name} | {n:,} | {s:.2f} | {mb:.0f} | {pairs:,} |")

    # end to end
    lines += [
        "",
        "## End to end on the JSONL file",
        "",
        "| what | seconds | MB/s | peak RSS MB | vs datasketch pipeline |",
        "|---|---:|---:|---:|---:|",
    ]
    e2e = []
    for workers in (1, 2):
        out = data_dir / f"out-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        s, rss, _ = _child(
            [
                sys.executable,
                "-m",
                "seedclean.cli",
                "run",
                str(path),
                "--out",
                str(out),
                "-q",
                "--workers",
                str(workers),
            ]
        )
        e2e.append((f"seedclean run, {workers} worker{'s' if workers > 1 else ''}", s, rss))
    if not args.skip_datasketch_pipeline:
        s, rss, _ = _child(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path.insert(0, {str(HERE)!r}); "
                f"import bench_perf; bench_perf.datasketch_pipeline({str(path)!r})",
            ]
        )
        e2e.append(("datasketch pipeline (NFC, MinHash.bulk, MinHashLSH, union-find)", s, rss))
    base = e2e[-1][1] if not args.skip_datasketch_pipeline else float("nan")
    for name, s, rss in e2e:
        lines.append(f"| {name} | {s:.1f} | {mb_total / s:.1f} | {rss:.0f} | {base / s:.1f} |")
    lines.append("")
    lines.append(f"Two workers vs one: {e2e[0][1] / e2e[1][1]:.2f}x.")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
