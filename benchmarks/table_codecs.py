"""What compressing the removal table costs: writing a run's removed.parquet again with each codec
(level), and the codecs alone on its text column (issue 17's report share).

    python benchmarks/table_codecs.py --table OUT/removed.parquet

Best of three of each; the same row groups (8,192 rows) and dictionary columns as a run writes.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from seedclean.report.removals import _CHUNK_ROWS, _REPEATING_COLUMNS

CODECS = [("zstd", 1), ("zstd", -5), ("zstd", -50), ("lz4", None), ("snappy", None), ("none", None)]


def best_of_three(work: Callable[[], Any]) -> tuple[float, Any]:
    """(the fastest of three calls, in seconds; the last call's result)."""
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def write_with(table: pa.Table, codec: str, level: int | None) -> int:
    """Bytes of ``table`` written as a run writes the removal table, with this codec."""
    sink = io.BytesIO()
    options = {"compression_level": level} if level is not None else {}
    pq.write_table(
        table, sink, row_group_size=_CHUNK_ROWS, compression=codec, use_dictionary=_REPEATING_COLUMNS, **options
    )
    return len(sink.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, required=True)
    args = ap.parse_args()
    table = pq.read_table(args.table)
    data = table.column("text").combine_chunks().buffers()[2].to_pybytes()
    print(f"{table.num_rows:,} rows; text column {len(data) / 1e6:.1f} MB")
    print("| codec | level | write the table (ms) | file (MB) | text column alone (ms) | MB/s |")
    print("|---|---|---:|---:|---:|---:|")
    for codec, level in CODECS:
        seconds, size = best_of_three(lambda codec=codec, level=level: write_with(table, codec, level))
        alone = " | "
        if codec != "none":
            c = pa.Codec(codec, level) if level is not None else pa.Codec(codec)
            t, _ = best_of_three(lambda c=c: c.compress(data))
            alone = f"{t * 1000:.1f} | {len(data) / t / 1e6:.0f}"
        shown = "" if level is None else level
        print(f"| {codec} | {shown} | {seconds * 1000:.1f} | {size / 1e6:.1f} | {alone} |")


if __name__ == "__main__":
    main()
