"""Share of a `seedclean run` spent writing its report, from each run's report.json timings.

The report phase (timings.report) is everything after the corpus is written: report.json,
report.html, documents.parquet, warnings.jsonl, and waiting for removed.parquet, whose rows are
made on their own thread while the corpus is written (timings.removal_table: that thread's
time, overlapped). What the table costs the corpus writing itself (the thread shares the GIL
and the cores) is measured against runs without a removal table ("no table":
this script turns the collector off in the process; the product has no such switch): the extra
write time. share = (report phase + extra write time) / run time. Workers 1 and 2 and both modes
alternate; median of N rounds.

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

NO_TABLE = (
    "import sys, seedclean.engines.local as local; local._collector = lambda *a, **k: None; "
    "from seedclean.cli import main; sys.argv[0] = 'seedclean'; main()"
)


def one_run(exe: str, corpus: Path, out: Path, workers: int, extra: list[str], table: bool) -> dict[str, float]:
    """The run's timings (report phase, removal table, write, run time) and its wall time."""
    start = time.perf_counter()
    args = ["run", str(corpus), "--out", str(out), "-q", "--overwrite", "--workers", str(workers), *extra]
    cmd = [exe, *args] if table else [sys.executable, "-c", NO_TABLE, *args]
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start
    timings = json.loads((out / "report.json").read_text(encoding="utf-8"))["timings"]
    return {
        "wall": wall,
        "run": timings["total"] + timings["report"],
        "write": timings["write"],
        "removal_table": timings["removal_table"],
        "report": timings["report"],
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
    runs: dict[tuple[int, bool], list[dict[str, float]]] = {(w, t): [] for w in counts for t in (True, False)}
    try:
        for _ in range(args.rounds):
            for w, table in runs:
                runs[(w, table)].append(one_run(exe, args.corpus, work / "o", w, extra, table))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = " ".join(["python", *sys.argv])
    lines = [
        f"# Report writing as a share of run time: {args.corpus.name}",
        "",
        f"Command: `{command}`",
        "",
        "run = timings.total + timings.report; report phase = timings.report; extra write = median write time",
        "with the table minus without; share = (report phase + extra write) / run. Median of "
        f"{args.rounds} rounds, runs alternating.",
        "",
        "| workers | run (s) | write (s) | write, no table (s) | extra write (s) | removal table thread (s) "
        "| report phase (s) | share |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for w in counts:
        med = {k: statistics.median(r[k] for r in runs[(w, True)]) for k in runs[(w, True)][0]}
        bare = statistics.median(r["write"] for r in runs[(w, False)])
        extra_write = max(med["write"] - bare, 0.0)
        share = 100 * (med["report"] + extra_write) / med["run"]
        lines.append(
            f"| {w} | {med['run']:.2f} | {med['write']:.3f} | {bare:.3f} | {extra_write:.3f} | "
            f"{med['removal_table']:.3f} | {med['report']:.3f} | {share:.2f}% |"
        )
    lines += ["", "Every round (workers, table: run s / write s / report phase s):", ""]
    for (w, table), rows in runs.items():
        cells = ", ".join(f"{r['run']:.2f}/{r['write']:.3f}/{r['report']:.3f}" for r in rows)
        lines.append(f"- {w}, {'table' if table else 'no table'}: {cells}")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
