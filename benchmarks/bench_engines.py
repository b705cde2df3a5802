"""Local engine against the Ray engine on one corpus, same machine, same run.

    python benchmarks/bench_engines.py --corpus benchmarks/data/corpus-1000000.jsonl --out benchmarks/results/engines.md

Each configuration runs ``seedclean run`` in a subprocess. Memory is the peak of the machine's
used memory (MemTotal - MemAvailable, sampled every 0.2 s) above what was used before the run:
it counts every process of the run and Ray's shared-memory object store, which a per-process
peak RSS would miss. Outputs of all runs are compared byte for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path


def _used_mb() -> float:
    info = {}
    with open("/proc/meminfo") as fh:
        for line in fh:
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0])
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak MB above the baseline) of a command."""
    base = _used_mb()
    peak = base
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _used_mb())
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    seconds = time.perf_counter() - t0
    done.set()
    thread.join()
    return seconds, peak - base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/seedclean-bench-engines"))
    args = ap.parse_args()
    size_mb = args.corpus.stat().st_size / 1e6
    exe = str(Path(sys.executable).with_name("seedclean"))
    rows, outputs = [], []
    for engine, workers in (("local", 1), ("local", 2), ("ray", 1), ("ray", 2)):
        out = args.scratch / f"{engine}-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [exe, "run", str(args.corpus), "--out", str(out), "-q", "--engine", engine, "--workers", str(workers)]
        seconds, peak = measure(cmd)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        rows.append((engine, workers, seconds, peak, report["totals"]["units_out"], report["timings"]))
        outputs.append(out / args.corpus.name)
        print(f"{engine} x{workers}: {seconds:.1f} s, {peak:,.0f} MB", flush=True)
    same = all(filecmp.cmp(outputs[0], o, shallow=False) for o in outputs[1:])
    base = rows[0][2]
    lines = [
        f"# Local vs Ray engine: `{args.corpus.name}` ({size_mb:,.1f} MB)",
        "",
        f"Command: `python benchmarks/bench_engines.py --corpus {args.corpus} --out {args.out}`",
        f"Machine: {platform.machine()}, {platform.python_version()}, 2 cores; one run, shared machine.",
        "",
        "| engine | workers | seconds | MB/s | peak memory above idle (MB) | vs local x1 | units out |",
        "|---|---|---|---|---|---|---|",
    ]
    for engine, workers, seconds, peak, units_out, _t in rows:
        lines.append(
            f"| {engine} | {workers} | {seconds:.1f} | {size_mb / seconds:.1f} | {peak:,.0f} | "
            f"{base / seconds:.2f}x | {units_out:,} |"
        )
    lines += ["", f"Outputs byte-identical across all four runs: **{same}**", "", "Stage timings (s):", ""]
    for engine, workers, _s, _p, _u, timings in rows:
        lines.append(f"- {engine} x{workers}: " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
