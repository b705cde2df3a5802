"""Imported by the worker pool's fork server before it forks any worker (see
:class:`seedclean.engines.workers.OrderedPool`): the package, numba and the compiled kernels a
worker runs (read, prepare, render) are loaded here once, so that each worker starts with them
loaded instead of loading them itself (about 0.8 s of CPU per worker on the 2-core build
machine, paid while the other processes wanted the cores). Loading changes no result."""

from __future__ import annotations

import contextlib
import io

import numpy as np

from seedclean.clustering.dedup import DedupOptions, RenderJob, prepare_batch
from seedclean.engines import local  # noqa: F401 - the pool's job function lives there
from seedclean.fingerprint.kernels import HAVE_NUMBA
from seedclean.io.read import InputFile, Warnings, _bounded_lines, _read_jsonl
from seedclean.io.write import render_lines
from seedclean.text.normalize import NormalizeOptions


def warm_worker_kernels() -> None:
    """Read, prepare and render two tiny JSONL records as a worker does, so that numba loads
    each kernel a worker runs from its cache."""
    if not HAVE_NUMBA:
        return
    # the second text is decomposed (NFD): the normaliser's count of recomposed words runs too
    data = '{"id": 1, "text": "Xin chào, thế giới."}\n{"id": 2, "text": "Hai\\n\\ndo\\u0300ng."}\n'.encode()
    lines = _bounded_lines(io.BytesIO(data), 1 << 20)
    records = list(_read_jsonl(0, InputFile(None, "a.jsonl", "jsonl"), lines, "text", Warnings()))
    p = prepare_batch(records, DedupOptions(), NormalizeOptions())
    render_lines(RenderJob.of_prepared(p, 0, np.ones(len(p.counts), dtype=bool), False), "text")


# a failure here would stop the fork server, and with it every worker: it is left for the
# workers' real calls to meet and report
with contextlib.suppress(Exception):
    warm_worker_kernels()
