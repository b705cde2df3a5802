"""Near-duplicate quality: precision and recall against exact Jaccard, per similarity bin.

    python benchmarks/quality.py --families 1500 --out benchmarks/results/quality.md

Labelled set: ``families`` base paragraphs (seed sentences recombined, numbers redrawn), each
with variants made by word edits at rates 0-50% plus formatting noise. Every pair inside a
family, and as many random cross-family pairs (which often share whole sentences), gets its
exact Jaccard over the same shingles seedclean uses (sets, no MinHash). All units go through
``seedclean.dedup`` together; a pair is "found" when both units end in the same cluster.

Part 2 compares shingle choices against a shingle-independent truth: "copy" = variant made with
<= 5% of words edited, "different" = base paragraphs of other families.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from pathlib import Path

import corpus
import numpy as np

import seedclean
from seedclean.fingerprint.lsh import band_keys
from seedclean.fingerprint.minhash import signatures
from seedclean.fingerprint.shingle import dedup_key, jaccard, shingle_hashes

RATES = [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5]


def build(families: int, seed: int) -> list[tuple[int, float, str]]:
    rnd = random.Random(seed)
    sentences = corpus.seed_sentences()
    vocab = corpus.vocabulary(sentences)
    units = []
    for f in range(families):
        base = corpus.base_paragraph(rnd, sentences)
        units.append((f, -1.0, base))
        for rate in RATES:
            units.append((f, rate, corpus.noise(rnd, corpus.edit(rnd, base, rate, vocab))))
    return units


def run_dedup(units: list[tuple[int, float, str]], **opts) -> tuple[np.ndarray, dict[int, int]]:
    """(survives per unit, kept unit for each removed near/exact unit)."""
    docs = [seedclean.Document(str(i), u[2]) for i, u in enumerate(units)]
    survives = np.ones(len(units), dtype=bool)
    partner: dict[int, int] = {}
    with seedclean.dedup(docs, segmentation="blank", **opts) as result:
        for c in result.clusters:
            for m in c.removed:
                survives[int(m.doc_id)] = False
                partner[int(m.doc_id)] = int(c.kept.doc_id)
    return survives, partner


def part1(units, threshold: float, pairs, sets, verify: str) -> list[str]:
    t0 = time.perf_counter()
    survives, partner = run_dedup(units, threshold=threshold, verify=verify)
    secs = time.perf_counter() - t0
    bins = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0001)]
    rows = []
    for lo, hi in bins:
        sel = [(a, b) for a, b, j in pairs if lo <= j < hi]
        caught = sum(1 for a, b in sel if not (survives[a] and survives[b]))
        merged = sum(1 for a, b in sel if partner.get(a, a) == partner.get(b, b))
        rows.append(
            f"| {lo:.1f}–{min(hi, 1.0):.1f} | {len(sel):,} | {caught:,} | {caught / len(sel) if sel else 0:.4f} "
            f"| {merged / len(sel) if sel else 0:.4f} |"
        )
    true_dups = [(a, b) for a, b, j in pairs if j >= threshold]
    hi_dups = [(a, b) for a, b, j in pairs if j >= 0.9]
    recall = sum(not (survives[a] and survives[b]) for a, b in true_dups) / len(true_dups)
    recall_hi = sum(not (survives[a] and survives[b]) for a, b in hi_dups) / len(hi_dups)
    good = sum(jaccard(sets[k], sets[r]) >= threshold for r, k in partner.items())
    precision = good / len(partner) if partner else 1.0
    return [
        f"### threshold {threshold}, verify={verify} ({secs:.1f} s for {len(units):,} units)",
        "",
        f"- precision {precision:.4f}: removed units whose exact Jaccard with the unit kept in their place "
        f"is >= {threshold} ({good:,} of {len(partner):,})",
        f"- recall {recall:.4f} over pairs with J >= {threshold} ({len(true_dups):,} pairs); "
        f"recall {recall_hi:.4f} over pairs with J >= 0.9 ({len(hi_dups):,} pairs)",
        "",
        "A pair is caught when at most one of its two units survives (both may be removed as copies of a "
        "third unit); merged means one was removed for the other or both for the same kept unit.",
        "",
        "| exact Jaccard | pairs | caught | share caught | share merged |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
    ]


def lsh_recall(sets, pairs, threshold: float = 0.8) -> list[str]:
    """Measured: the share of pairs per 0.05 bin of exact Jaccard whose signatures share a band
    (what verification gets to see), for the banding in force and datasketch's."""
    sigs = signatures(sets, 128, 1)
    lines = [
        "## LSH recall per similarity bin (measured on the signatures)",
        "",
        "| banding | " + " | ".join(f"[{lo:.2f}, {lo + 0.05:.2f})" for lo in (0.8, 0.85, 0.9, 0.95)) + " |",
        "|---|" + "---:|" * 4,
    ]
    for banding in ("recall", "datasketch"):
        b, r = seedclean.DedupOptions(threshold=threshold, banding=banding).lsh_params()
        keys = band_keys(sigs, b, r)
        cells = []
        for lo in (0.8, 0.85, 0.9, 0.95):
            sel = [(a, c) for a, c, j in pairs if lo <= j < lo + 0.05]
            hit = sum(bool((keys[a] == keys[c]).any()) for a, c in sel)
            cells.append(f"{hit / len(sel):.4f} ({len(sel):,})" if sel else "-")
        lines.append(f"| {banding} ({b} x {r}) | " + " | ".join(cells) + " |")
    return lines + [""]


def part2(units) -> list[str]:
    lines = [
        "## Shingle choice (truth independent of shingles)",
        "",
        "copy = variant with <= 2% (or <= 5%) of words edited, plus formatting noise; different = two base "
        "paragraphs of different families (they often share whole sentences). A copy is caught when it or "
        "its base is removed; a false merge is a pair of different bases of which one was removed for the other.",
        "",
        "| shingles | threshold | caught, <= 2% edits | caught, <= 5% edits | false merges | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    base_of = {f: i for i, (f, rate, _) in enumerate(units) if rate < 0}
    bases = set(base_of.values())
    for shingle, n in [("word", 1), ("word", 2), ("word", 3), ("word", 5), ("char", 5)]:
        for threshold in (0.7, 0.8):
            t0 = time.perf_counter()
            survives, partner = run_dedup(units, threshold=threshold, shingle=shingle, ngram=n)
            secs = time.perf_counter() - t0
            cells = []
            for limit in (0.02, 0.05):
                copies = [(base_of[f], i) for i, (f, rate, _) in enumerate(units) if 0 <= rate <= limit]
                cells.append(sum(not (survives[a] and survives[b]) for a, b in copies) / len(copies))
            merged = sum(1 for r, k in partner.items() if r in bases and k in bases)
            lines.append(
                f"| {shingle} {n}-grams | {threshold} | {cells[0]:.4f} | {cells[1]:.4f} | {merged} | {secs:.1f} |"
            )
    return lines + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    units = build(args.families, args.seed)
    defaults = seedclean.DedupOptions()
    ngram = defaults.ngram
    keys = [dedup_key(seedclean.normalize(u[2]), ignore_punctuation=defaults.ignore_punctuation) for u in units]
    sets = [shingle_hashes(key, "word", ngram) for key in keys]
    rnd = random.Random(args.seed)
    pairs = []
    by_family: dict[int, list[int]] = {}
    for i, u in enumerate(units):
        by_family.setdefault(u[0], []).append(i)
    for members in by_family.values():
        for a, b in itertools.combinations(members, 2):
            pairs.append((a, b, jaccard(sets[a], sets[b])))
    for _ in range(len(pairs)):
        a, b = rnd.randrange(len(units)), rnd.randrange(len(units))
        if units[a][0] != units[b][0]:
            pairs.append((min(a, b), max(a, b), jaccard(sets[a], sets[b])))
    out = [
        f"# Near-duplicate quality ({args.families:,} families, {len(units):,} units, {len(pairs):,} labelled pairs, "
        f"word {ngram}-grams, punctuation ignored: the defaults, 128 permutations)",
        "",
        f"Command: `python benchmarks/quality.py --families {args.families} --seed {args.seed} --out {args.out}`",
        "",
        *lsh_recall(sets, pairs),
        "## Precision and recall against exact Jaccard",
        "",
    ]
    for threshold, verify in [(0.8, "jaccard"), (0.8, "signature"), (0.5, "jaccard")]:
        out += part1(units, threshold, pairs, sets, verify)
    out += part2(units)
    text = "\n".join(out)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
