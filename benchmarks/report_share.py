"""Share of a `seedclean run` spent writing its report: the removal table (removed.parquet, its rows
made while the corpus is written and compressed on a background thread) and the report files
(report.json, report.html, documents.parquet, warnings.jsonl), from each run's report.json timings.
Workers 1 and 2 alternate; median of N rounds.

    python benchmarks/report_share.py --corpus c100k.jsonl --rounds 5 --out benchmarks/results/report-share.md
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(exe: str, corpus: Path, out: Path, workers: int, extra: list[str]) -> dict[str, float]:
    """The run's timings, with the wall time of the whole process and the report's share of it."""
    start = time.perf_counter()
    cmd = [exe, "run", str(corpus), "--out", str(out), "-q", "--overwrite", "--workers", str(workers), *extra]
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start
    timings = json.loads((out / "report.json").read_text(encoding="utf-8"))["timings"]
    run_time = timings["total"] + timings["removal_table"] + timings["report"]
    return {
        "wall": wall,
        "run": run_time,
        "removal_table": timings["removal_table"],
        "report": timings["report"],
        "share": 100 * (timings["removal_table"] + timings["report"]) / run_time,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--extra", default="", help="more options for seedclean run, space-separated")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    exe = shutil.which("seedclean") or "seedclean"
    work = Path(tempfile.mkdtemp())
    extra = args.extra.split()
    counts = [int(w) for w in args.workers.split(",")]
    runs: dict[int, list[dict[str, float]]] = {w: [] for w in counts}
    try:
        for _ in range(args.rounds):
            for w in counts:
                runs[w].append(one_run(exe, args.corpus, work / "o", w, extra))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = " ".join(["python", *sys.argv])
    lines = [
        f"# Report writing as a share of run time: {args.corpus.name}",
        "",
        f"Command: `{command}`",
        "",
        "run = timings.total + removal_table + report (report.json); share = (removal_table + report) / run;",
        f"median of {args.rounds} rounds, workers alternating; every round listed.",
        "",
        "| workers | run (s) | removal table (s) | report files (s) | share | rounds (share %) |",
        "|---|---|---|---|---|---|",
    ]
    for w, rows in runs.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        shares = ", ".join(f"{r['share']:.1f}" for r in rows)
        lines.append(
            f"| {w} | {med['run']:.2f} | {med['removal_table']:.3f} | {med['report']:.3f} | "
            f"{med['share']:.2f}% | {shares} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
