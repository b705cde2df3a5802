"""End to end on the shared reference corpus: `seedclean run` (1 and 2 workers) against the careful
datasketch pipeline (../shared/bench/ref_datasketch.py), alternating in one session, median of N
rounds, with peak memory of each process.

    python ../shared/bench/gen_corpus.py 100000 c100k && python ../shared/bench/make_jsonl.py c100k.txt c100k.jsonl
    python benchmarks/bench_reference.py --corpus c100k.jsonl --rounds 3 --out benchmarks/results/reference.md

``--seedclean`` runs another install's executable: a plain ``pip install .`` in its own venv is
what a user runs (without the test extras' scipy, which numba imports in every process when it
is there); the peer runs on this interpreter, which has datasketch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PEER = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "ref_datasketch.py"


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a command, via /usr/bin/time."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak_kb = int(re.findall(r"^(\d+)$", out.stderr, re.M)[-1])
    return seconds, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seedclean", help="seedclean executable to run (default: the one on PATH)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    exe = args.seedclean or shutil.which("seedclean") or "seedclean"
    runs: dict[str, list[tuple[float, float]]] = {"seedclean x1": [], "seedclean x2": [], "datasketch": []}
    timings = {}
    for r in range(args.rounds):
        for name in runs:
            if name == "datasketch":
                cmd = [sys.executable, str(PEER), str(args.corpus), str(work / "ref.jsonl")]
            else:
                workers = name[-1]
                cmd = [
                    exe,
                    "run",
                    str(args.corpus),
                    "--out",
                    str(work / "o"),
                    "-q",
                    "--overwrite",
                    "--workers",
                    workers,
                ]
            runs[name].append(timed(cmd))
            if name == "seedclean x1":
                timings = json.loads((work / "o" / "report.json").read_text(encoding="utf-8"))["timings"]
            print(r, name, f"{runs[name][-1][0]:.2f} s, {runs[name][-1][1]:.0f} MB", flush=True)
    peer = statistics.median(s for s, _ in runs["datasketch"])
    size = args.corpus.stat().st_size / 1e6
    lines = [
        f"Corpus {args.corpus.name} ({size:.1f} MB), {args.rounds} rounds alternating, median wall time;"
        f" {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| pipeline | median (s) | all runs (s) | MB/s | peak RSS (MB) | speed vs datasketch |",
        "|---|---|---|---|---|---|",
    ]
    for name, values in runs.items():
        secs = [s for s, _ in values]
        med = statistics.median(secs)
        lines.append(
            f"| {name} | {med:.2f} | {', '.join(f'{s:.2f}' for s in secs)} | {size / med:.1f} |"
            f" {max(m for _, m in values):.0f} | {peer / med:.2f}x |"
        )
    lines += ["", f"seedclean x1 stage timings (last round, report.json): `{json.dumps(timings)}`"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        command = f"python benchmarks/bench_reference.py --corpus {args.corpus} --rounds {args.rounds} --out {args.out}"
        if args.seedclean:
            command += f" --seedclean {args.seedclean}"
        args.out.write_text(f"# Reference corpus, end to end\n\n`{command}`\n\n{text}", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
