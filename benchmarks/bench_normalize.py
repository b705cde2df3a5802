"""Normaliser throughput on seeds/ x N, next to plain NFC in the same run.

    python benchmarks/bench_normalize.py --copies 1000 --out benchmarks/results/normalize.md

Each seed file is split into paragraphs; the corpus is every paragraph repeated ``copies``
times (so caches that a real corpus would also warm are warm). Reported as MB/s of UTF-8 input,
best of ``--repeat`` runs, one core.
"""

from __future__ import annotations

import argparse
import platform
import time
import unicodedata
from pathlib import Path

import unicodedata2

import seedclean

ROOT = Path(__file__).resolve().parent.parent


def _paragraphs(copies: int) -> list[str]:
    paras = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        paras += [p for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
    return paras * copies


def _best(fn, data: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for p in data:
            fn(p)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    data = _paragraphs(args.copies)
    mb = sum(len(p.encode("utf-8")) for p in data) / 1e6
    opts = seedclean.NormalizeOptions()
    peers = {
        "unicodedata.normalize('NFC') (stdlib)": lambda p: unicodedata.normalize("NFC", p),
        "unicodedata2.normalize('NFC')": lambda p: unicodedata2.normalize("NFC", p),
        "seedclean.normalize (all default steps)": lambda p: seedclean.normalize(p, opts),
        "seedclean.normalize (tones off)": lambda p: seedclean.normalize(p, opts, tones=False),
        "seedclean.normalize_and_explain": lambda p: seedclean.normalize_and_explain(p, opts),
    }
    rows = []
    for name, fn in peers.items():
        secs = _best(fn, data, args.repeat)
        rows.append((name, secs, mb / secs))
    base = rows[0][2]
    lines = [
        f"Normaliser throughput: {len(data):,} paragraphs, {mb:.1f} MB (seeds x {args.copies}), "
        f"best of {args.repeat}, Python {platform.python_version()}, {platform.machine()}",
        "",
        "| what | seconds | MB/s | vs stdlib NFC |",
        "|---|---:|---:|---:|",
    ]
    for name, secs, rate in rows:
        lines.append(f"| {name} | {secs:.3f} | {rate:.1f} | {rate / base:.3f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
