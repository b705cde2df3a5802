"""Reading the document spool back: ``pickle.load`` on the file, one document at a time, against
the block reader the engine used in session 22 (4 MB blocks, unpickled from memory; kept here
since the engine reads runs of documents whole). The spool holds what ``prepare_batch``
pickles for each record of a JSONL corpus.

    python benchmarks/spool_read.py --corpus c100k.jsonl --rounds 3
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from seedclean.clustering.dedup import DedupOptions, from_spool, prepare_batch
from seedclean.clustering.units import read_at
from seedclean.io.read import Warnings, discover, read_documents
from seedclean.text.normalize import NormalizeOptions

READ_BLOCK = 4 << 20  # bytes read at a time by :func:`read_runs`


def read_runs(file: Any, ends: np.ndarray) -> Iterator[memoryview]:
    """Consecutive byte runs of a file from its start, ``ends`` being each run's end offset, read
    in large blocks by offset (``read_at``)."""
    data, data_start, start = b"", 0, 0
    view = memoryview(data)
    for end in ends.tolist():
        if end > data_start + len(data):  # the run goes past what was read: read on from its start
            rest = data[start - data_start :]
            data = rest + read_at(file, max(READ_BLOCK, end - start - len(rest)), start + len(rest))
            data_start = start
            view = memoryview(data)
        yield view[start - data_start : end - data_start]
        start = end


def _spooled(spool: Any, ends: np.ndarray) -> Iterator[Any]:
    """The (record, separators, trailer) of each document, read in blocks and unpickled from memory."""
    spool.flush()
    for raw in read_runs(spool, ends):
        yield from_spool(pickle.loads(raw))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = discover([str(args.corpus)])
    docs = list(read_documents(files, "text", Warnings()))
    prepared = prepare_batch(docs, DedupOptions(), NormalizeOptions())
    spool = tempfile.TemporaryFile()
    spool.write(prepared.payload)
    spool.flush()
    ends = np.cumsum(prepared.payload_sizes)
    plain, blocks = [], []
    for _ in range(args.rounds):
        spool.seek(0)
        t0 = time.perf_counter()
        for _d in range(len(ends)):
            pickle.load(spool)
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _item in _spooled(spool, ends):
            pass
        blocks.append(time.perf_counter() - t0)
    print(f"Command: `python {' '.join(sys.argv)}`")
    print(f"{len(ends):,} documents, {len(prepared.payload) / 1e6:.1f} MB of spool, {args.rounds} rounds alternating")
    print(f"pickle.load on the file: median {statistics.median(plain):.3f} s ({', '.join(f'{t:.3f}' for t in plain)})")
    print(
        f"blocks + pickle.loads:   median {statistics.median(blocks):.3f} s ({', '.join(f'{t:.3f}' for t in blocks)})"
    )


if __name__ == "__main__":
    main()
