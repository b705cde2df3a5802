"""Clustering steps on plain arrays, shared by the local and the Ray engine.

Every function here is a pure function of its inputs, and none depends on how the rows are
partitioned or ordered on the way in, so that an engine that runs them per partition (after
routing all rows of a group to one partition) gets exactly what the local engine gets.
Unit ids (``uid``) are positions in input order: document by document, unit by unit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["exact_champions", "bucket_pairs", "split_stars", "removed_units"]


def exact_champions(hashes: np.ndarray, uids: np.ndarray, lengths: np.ndarray, keep: str) -> np.ndarray:
    """Champion uid of each row's exact group (equal ``hashes``): the first unit, or with
    ``keep="longest"`` the longest one, ties to the first."""
    if not len(uids):
        return np.empty(0, dtype=np.int64)
    _, group = np.unique(hashes, return_inverse=True)
    group = group.reshape(-1)
    if keep == "longest":
        order = np.lexsort((uids, -lengths.astype(np.int64), group))
    else:
        order = np.lexsort((uids, group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    champ_of_group = np.empty(group.max() + 1, dtype=np.int64)
    champ_of_group[group[order][first]] = uids[order][first]
    return champ_of_group[group]


def bucket_pairs(band: np.ndarray, key: np.ndarray, uid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (a < b) from rows (band, key, uid): within each (band, key) bucket, a
    star to its smallest uid plus a chain between neighbours; deduplicated and sorted. The same
    pairs :func:`seedclean.lsh.candidate_pairs` finds, for any split of the buckets into parts."""
    if len(uid) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    order = np.lexsort((uid, key, band))
    b, k, u = band[order], key[order], uid[order].astype(np.int64)
    same = (b[1:] == b[:-1]) & (k[1:] == k[:-1])
    n = len(u)
    head = np.maximum.accumulate(np.where(np.r_[False, same], 0, np.arange(n)))
    pos = np.arange(1, n)[same]
    lo = np.concatenate((u[head[pos]], u[pos - 1]))
    hi = np.concatenate((u[pos], u[pos]))
    keep = lo != hi
    pairs = np.unique(np.stack((lo[keep], hi[keep]), axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def split_stars(
    comp: np.ndarray,
    items: np.ndarray,
    jaccard: Callable[[np.ndarray, np.ndarray], np.ndarray],
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Split components into stars: ``comp`` and ``items`` are ordered by component, then by keep
    priority. The first item of a component keeps every item with ``jaccard >= threshold`` to
    it; the first of the rest starts the next star, and so on. Returns each item's centre and
    its similarity to it (1.0 for centres). All components advance together, one round per star.
    """
    center = items.copy()
    sim = np.ones(len(items))
    active = np.arange(len(items))
    while len(active) > 1:
        c = comp[active]
        is_first = np.r_[True, c[1:] != c[:-1]]
        head = active[np.maximum.accumulate(np.where(is_first, np.arange(len(active)), 0))]
        rest, rest_head = active[~is_first], head[~is_first]
        if not len(rest):
            break
        jac = jaccard(items[rest_head], items[rest])
        taken = jac >= threshold
        center[rest[taken]] = items[rest_head[taken]]
        sim[rest[taken]] = jac[taken]
        active = rest[~taken]
    return center, sim


def removed_units(
    n: int, champion: np.ndarray, star_items: np.ndarray, star_center: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(removed uids ascending, uid kept in the place of each): a unit survives when it is the
    champion of its exact group and that champion is the centre of its star (or in none)."""
    center = np.arange(n, dtype=np.int64)
    center[star_items] = star_center
    kept = center[champion]
    removed = np.flatnonzero(kept != np.arange(n))
    return removed, kept[removed]
