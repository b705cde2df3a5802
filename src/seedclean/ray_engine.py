"""The Ray engine: the per-document stage (normalise, segment, fingerprint) as Ray tasks.

Only imported when ``engine="ray"`` is asked for; the core package never imports Ray.
Documents are sent in batches to remote tasks running the very same :func:`seedclean.dedup.prepare`
as the local engine, and results come back in input order, so the driver's clustering sees
exactly what a local run sees and the output is byte-identical whatever the batch size,
worker count or scheduling order. Connects to ``RAY_ADDRESS`` when set, else starts a local
Ray instance.

Not yet distributed: band grouping and connected components run on the driver (numpy sort
and scipy), which bounds the corpus size by the driver's memory (about 1 KB per paragraph).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .dedup import DedupOptions, Prepared, prepare_batch
from .normalize import NormalizeOptions

__all__ = ["prepare_on_ray"]


def prepare_on_ray(
    docs: Iterable[Any],
    options: DedupOptions,
    normalize_options: NormalizeOptions | None,
    text_field: str = "text",
    *,
    batch_size: int = 64,
    workers: int | None = None,
) -> Iterator[Prepared]:
    """Yield :class:`Prepared` documents in input order, computed by Ray tasks."""
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - message checked by hand
        raise RuntimeError('the Ray engine needs Ray: pip install "seedclean[ray]"') from exc
    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS")
        kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False, "include_dashboard": False}
        if address:
            kwargs["address"] = address
        elif workers:
            kwargs["num_cpus"] = workers
        ray.init(**kwargs)
    remote = ray.remote(prepare_batch)
    opts_ref = ray.put(options)
    nopts_ref = ray.put(normalize_options)
    in_flight = max(2, 2 * int(ray.available_resources().get("CPU", 1)))
    pending: deque[Any] = deque()
    it = iter(docs)
    while True:
        batch = list(islice(it, batch_size))
        if batch:
            pending.append(remote.remote(batch, opts_ref, nopts_ref, text_field))
        if pending and (len(pending) >= in_flight or not batch):
            yield ray.get(pending.popleft())
        if not batch and not pending:
            return
