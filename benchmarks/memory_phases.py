"""Peak resident memory of a `seedclean run`'s main process, per stage.

Runs the command line, samples the main process's VmRSS every ``--interval`` seconds, and maps
the samples to the stages by the run's report.json timings (read, exact+near+decide, write,
report). /usr/bin/time gives one peak; this says when it happens.

    python benchmarks/memory_phases.py --corpus /work/data/c1m.jsonl --workers 2 --out benchmarks/results/memory-1m.md
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq


def status_mb(pid: int, field: str = "VmRSS") -> int:
    """A memory line of /proc/PID/status in MB (VmRSS: resident now; VmHWM: its peak so far); 0 once gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def descendants(root: int) -> list[int]:
    """``root`` and every process under it (workers forked by a fork server are grandchildren)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree += frontier
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory(prefix="seedclean-memory-")  # the run's output: 5 GB at 10M
    out = Path(scratch.name) / "o"
    cmd = [
        sys.executable,
        "-m",
        "seedclean",
        "run",
        str(args.corpus),
        "--out",
        str(out),
        "-q",
        "--workers",
        str(args.workers),
    ]
    start = time.monotonic()
    proc = subprocess.Popen(cmd)
    samples: list[tuple[float, int]] = []
    tree_peak: dict[int, int] = {}  # pid -> its VmHWM, for every process of the run seen
    while proc.poll() is None:
        samples.append((time.monotonic() - start, status_mb(proc.pid)))
        for pid in descendants(proc.pid):
            tree_peak[pid] = max(tree_peak.get(pid, 0), status_mb(pid, "VmHWM"))
        time.sleep(args.interval)
    if proc.returncode:
        raise SystemExit(f"seedclean exited with {proc.returncode}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    timings, totals = report["timings"], report["totals"]
    removed_rows = pq.ParquetFile(out / "removed.parquet").metadata.num_rows
    scratch.cleanup()
    # what /usr/bin/time reports: the largest peak of any process of the run (main or worker)
    largest_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    read = timings["read_normalize_fingerprint"]
    finish = read + timings["exact"] + timings["near"] + timings["decide"]
    write = finish + timings["write"]
    stages = {"read+prepare": (0.0, read), "exact+near+decide": (read, finish), "write": (finish, write)}
    stages["report"] = (write, float("inf"))
    lines = [
        f"# Main process memory per stage: {args.corpus.name}, {args.workers} workers",
        "",
        f"Command: `python benchmarks/memory_phases.py --corpus {args.corpus} --workers {args.workers}"
        + (f" --out {args.out}`" if args.out else "`")
        + f" (VmRSS every {args.interval} s; stages from report.json, whose clock starts a little after the process)",
        "",
        "| stage | seconds | peak RSS (MB) |",
        "|---|---|---|",
    ]
    for name, (lo, hi) in stages.items():
        inside = [mb for t, mb in samples if lo <= t < hi]
        seconds = (min(hi, samples[-1][0]) - lo) if samples else 0.0
        lines.append(f"| {name} | {seconds:.1f} | {max(inside) if inside else '-'} |")
    peak = max(samples, key=lambda s: s[1]) if samples else (0.0, 0)
    lines += [
        "",
        f"Peak {peak[1]:,} MB at {peak[0]:.1f} s of {samples[-1][0] if samples else 0:.1f} s; the largest peak "
        f"of the processes it waited for (getrusage, what /usr/bin/time reports): {largest_peak:,} MB; "
        f"the largest peak (VmHWM) of any process of its tree, workers of the fork server included: "
        f"{max(tree_peak.values(), default=0):,} MB over {len(tree_peak)} processes.",
        "",
        f"Units in {totals['units_in']:,}, out {totals['units_out']:,}; removed exact "
        f"{totals['exact_duplicates_removed']:,}, near {totals['near_duplicates_removed']:,}; "
        f"removed.parquet rows {removed_rows:,}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
