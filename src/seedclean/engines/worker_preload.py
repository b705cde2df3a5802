"""Imported by the worker pool's fork server before it forks any worker (see
:class:`seedclean.engines.workers.OrderedPool`): the package, numba and the compiled kernels a
worker runs (read, prepare, render) are loaded here once, so that each worker starts with them
loaded instead of loading them itself (about 0.8 s of CPU per worker on the 2-core build
machine, paid while the other processes wanted the cores). Loading changes no result."""

from __future__ import annotations

import contextlib

import numpy as np

from seedclean.clustering.dedup import DedupOptions, Document, RenderJob, prepare_batch
from seedclean.engines import local  # noqa: F401 - the pool's job function lives there
from seedclean.fingerprint.kernels import HAVE_NUMBA
from seedclean.io.jsonline import parse_line, scan_lines
from seedclean.io.write import render_lines
from seedclean.text.normalize import NormalizeOptions


def warm_worker_kernels() -> None:
    """Call each kernel a worker runs once, on a tiny input, so numba loads it from its cache."""
    if not HAVE_NUMBA:
        return
    line = '{"id": 1, "text": "Xin chào, thế giới."}'
    data = np.frombuffer(line.encode("utf-8"), dtype=np.uint8)
    scan_lines(data, np.zeros(1, dtype=np.int64), np.array([len(data)], dtype=np.int64), "text", "id")
    meta = {"file": 0, "record": parse_line(line, "text", "id").line, "record_id": "1", "id_from": "id"}
    records = [Document("a.jsonl:1", "Xin chào, thế giới.", meta), Document("a.jsonl:2", "Hai\n\ndòng.", meta)]
    p = prepare_batch(records, DedupOptions(), NormalizeOptions())
    render_lines(RenderJob.of_prepared(p, 0, np.ones(len(p.counts), dtype=bool), False), "text")


# a failure here would stop the fork server, and with it every worker: it is left for the
# workers' real calls to meet and report
with contextlib.suppress(Exception):
    warm_worker_kernels()
