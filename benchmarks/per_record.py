"""Python time per record of a one-worker run, outside compiled kernels and the normaliser's
marked-line path (issue 15's "at most 10 us" target).

Runs ``seedclean run CORPUS --workers 1`` in this process with every numba kernel of
``compiled_kernels`` wrapped by a timer, and the normaliser's per-text path (``_run``, and the
cheap repairs of marked lines) wrapped by another; what is left of the wall time, divided by the
records, is the per-record Python cost. An upper bound: it still holds pyarrow, zlib, pickle and
numpy calls, the report and the removal table.

    python benchmarks/per_record.py --corpus /work/data/c100k.jsonl
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numba

from seedclean.cli import main as cli_main
from seedclean.fingerprint import compiled_kernels
from seedclean.text import normalize


def timed(f: Any, account: dict[str, float], key: str, nested: dict[str, int]) -> Any:
    """``f`` with its time added to ``account[key]`` (outermost calls only)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if nested[key]:
            return f(*args, **kwargs)
        nested[key] += 1
        start = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            account[key] += time.perf_counter() - start
            nested[key] -= 1

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    args = parser.parse_args()
    account = {"kernels": 0.0, "marked": 0.0}
    nested = {"kernels": 0, "marked": 0}
    for name in dir(compiled_kernels):
        kernel = getattr(compiled_kernels, name)
        if name.endswith("_kernel") and isinstance(kernel, numba.core.registry.CPUDispatcher):
            setattr(compiled_kernels, name, timed(kernel, account, "kernels", nested))
    normalize._run = timed(normalize._run, account, "marked", nested)
    normalize._cheap_repairs = timed(normalize._cheap_repairs, account, "marked", nested)
    scratch = Path(tempfile.mkdtemp(prefix="seedclean-per-record-"))
    try:
        start = time.perf_counter()
        cli_main(["run", str(args.corpus), "--out", str(scratch / "o"), "--workers", "1", "-q"], standalone_mode=False)
        wall = time.perf_counter() - start
        records = json.loads((scratch / "o" / "report.json").read_text(encoding="utf-8"))["totals"]["documents"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rest = wall - account["kernels"] - account["marked"]
    print(
        f"{args.corpus.name}: wall {wall:.2f} s in process (imports before it not counted); compiled kernels "
        f"{account['kernels']:.2f} s (their first calls load them from numba's cache); the normaliser's "
        f"marked-line path {account['marked']:.2f} s; the rest {rest:.2f} s = {rest / records * 1e6:.1f} us per "
        f"record over {records:,} records"
    )


if __name__ == "__main__":
    main()
