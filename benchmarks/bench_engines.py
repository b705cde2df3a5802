"""Local engine against the Ray engine on one corpus, same machine, same run.

    python benchmarks/bench_engines.py --corpus benchmarks/data/corpus-1000000.jsonl --out benchmarks/results/engines.md

Each configuration runs ``seedclean run`` in a subprocess. Memory is the peak, sampled every
0.5 s, of the anonymous memory of the whole process tree plus the growth of shared memory (Ray's
object store lives in /dev/shm): a per-process peak RSS would miss Ray's other processes and the
object store, and would count the page cache of memory-mapped files. Outputs are compared byte
for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _meminfo_kb(key: str) -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _tree(root: int) -> set[int]:
    """``root`` and all its descendants (Ray's raylet, GCS and workers too)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, grew = {root}, True
    while grew:
        more = {p for p, pp in parent.items() if pp in tree and p not in tree}
        tree |= more
        grew = bool(more)
    return tree


_RAY_DAEMONS = ("raylet", "gcs_server", "dashboard", "log_monitor", "monitor.py", "RuntimeEnvAgent", "DashboardAgent")


def _anon_by_role(root: int) -> dict[str, int]:
    """RssAnon (kB) of the tree split into the run's own process ("driver"), the processes that
    run its work ("workers": Ray workers, the local pool and its fork server) and Ray's own
    daemons ("ray daemons": raylet, GCS, dashboard and runtime-env agents, log monitor)."""
    out = {"driver": 0, "workers": 0, "ray daemons": 0}
    for pid in _tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        anon = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("RssAnon:")), 0)
        role = "driver" if pid == root else "ray daemons" if any(d in cmdline for d in _RAY_DAEMONS) else "workers"
        out[role] += anon
    return out


def _tree_anon_kb(root: int) -> int:
    """Sum of RssAnon over ``root`` and all its descendants."""
    return sum(_anon_by_role(root).values())


def measure(cmd: list[str]) -> tuple[float, float, dict[str, float]]:
    """(seconds, peak MB, the peak's parts in MB) of a command: anonymous memory of its whole
    process tree plus the growth of shared memory (Ray's object store lives in /dev/shm),
    sampled every 0.5 s."""
    shm_base = _meminfo_kb("Shmem")
    peak, parts = 0, {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    while proc.poll() is None:
        roles = _anon_by_role(proc.pid)
        roles["object store"] = max(0, _meminfo_kb("Shmem") - shm_base)
        if sum(roles.values()) > peak:
            peak, parts = sum(roles.values()), roles
        time.sleep(0.5)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return seconds, peak / 1024, {k: v / 1024 for k, v in parts.items()}


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
        seconds, peak, parts = measure(cmd)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        rows.append((engine, workers, seconds, peak, report["totals"]["units_out"], report["timings"], parts))
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
        "| engine | workers | seconds | MB/s | peak memory (MB) | vs local x1 | units out |",
        "|---|---|---|---|---|---|---|",
    ]
    for engine, workers, seconds, peak, units_out, _t, _parts in rows:
        lines.append(
            f"| {engine} | {workers} | {seconds:.1f} | {size_mb / seconds:.1f} | {peak:,.0f} | "
            f"{base / seconds:.2f}x | {units_out:,} |"
        )
    lines += [
        "",
        "The peak's parts (MB): the run's process, its workers (Ray workers; the local pool and its fork",
        "server), Ray's daemons (raylet, GCS, dashboard and runtime-env agents, log monitor), the object",
        "store (growth of /dev/shm); and object store + workers + driver against local with as many workers:",
        "",
        "| engine | workers | driver | workers | ray daemons | object store | store + workers + driver vs local |",
        "|---|---|---|---|---|---|---|",
    ]
    local_peak = {w: pk for e, w, _s, pk, _u, _t, _p in rows if e == "local"}
    for engine, workers, _s, _pk, _u, _t, parts in rows:
        own = parts["driver"] + parts["workers"] + parts["object store"]
        lines.append(
            f"| {engine} | {workers} | {parts['driver']:,.0f} | {parts['workers']:,.0f} | "
            f"{parts['ray daemons']:,.0f} | {parts['object store']:,.0f} | {own / local_peak[workers]:.2f}x |"
        )
    lines += ["", f"Outputs byte-identical across all four runs: **{same}**", "", "Stage timings (s):", ""]
    for engine, workers, _s, _p, _u, timings, _parts in rows:
        lines.append(f"- {engine} x{workers}: " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
