"""Near-duplicate removals read by hand: sample them, and score configurations against the labels.

    python benchmarks/dedup_labels.py sample --corpus /work/data/realtext/paragraphs.jsonl > pairs.json
    python benchmarks/dedup_labels.py score --out benchmarks/results/dedup-labels.md

``sample``: the distinct near removals of ``seedclean.dedup`` at the options given (the defaults
when the case file was made: 3-grams, punctuation ignored, recall banding, guard of negation
words only) on
35,518 held-out and 60,000 tuned records (``dedup_realtext.sample``, seed 16), shuffled with seed
16, 150 from each slice. ``benchmarks/cases/dedup-labels.jsonl`` holds those 300 pairs with a label
read by hand: *same content* (wording, punctuation, a fragment or a prefix differs), *same
template, another slot value* (a name, number, URL or gendered subject in a fixed sentence), or
*different content* (the statement changes: negation, opposite action or direction, another
axis, option or object).

Second stratum (``"stratum": "multi-line"``, session 23): once auto segmentation kept
hard-wrapped lines together in the pipeline (it had unwrapped them only when ``segment.split`` was
called directly), near removals of multi-line units appeared that the first sample could not
contain. ``census`` lists every distinct one at the defaults on the same records; all were read
and labelled by the same rules: 42 first (36 held-out, 6 tuned), then the 88 more that the
width rule of auto segmentation brought (69 of them one coreutils template whose URL line
now stays with its sentence), then 19 more when auto began to keep short documents whole
(session 28, read one by one: 12 same content, 5 same template, 2 different content). Pairs the
defaults no longer remove stay labelled.

``score``: for each configuration, which labelled pairs it would still remove (the two units
alone through ``seedclean.dedup``), and the share of each label among them, per stratum and
pooled; the *weighted* share counts the sampled stratum at its size in the population (the
distinct near removals at the defaults, ``census`` prints both counts).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

from seedclean import dedup

CASES = Path(__file__).parent / "cases" / "dedup-labels.jsonl"
CONFIGS: dict[str, dict[str, object]] = {
    "defaults": {},
    "threshold 0.85": {"threshold": 0.85},
    "threshold 0.9": {"threshold": 0.9},
    "no guard": {"guard_words": ""},
    "guard: negation words only": {"guard_words": "không chẳng chả chưa đừng chớ"},
    "segmentation blank": {"segmentation": "blank"},
    "datasketch banding": {"banding": "datasketch"},
    "min_shingles 3": {"min_shingles": 3},
    "min_shingles 5": {"min_shingles": 5},
    "2-grams": {"ngram": 2},
}


SLICES = ((True, 100000), (False, 60000))  # (held out, records asked for): what was sampled


def near_pairs(corpus: Path, heldout: bool, n: int) -> list[dict[str, object]]:
    """The distinct (removed, kept) near removals of ``seedclean.dedup`` at the defaults."""
    sys.path.insert(0, str(Path(__file__).parent))
    from dedup_realtext import sample

    result = dedup(sample(corpus, n, 16, heldout), keep_empty=True)
    seen, pairs = set(), []
    for c in result.clusters:
        for m in c.removed:
            if m.kind == "near" and (m.text, c.kept.text) not in seen:
                seen.add((m.text, c.kept.text))
                pairs.append(
                    {
                        "slice": "heldout" if heldout else "tuned",
                        "similarity": round(float(m.similarity), 3),
                        "removed": m.text,
                        "kept": c.kept.text,
                    }
                )
    return pairs


def multi_line(pair: dict[str, object]) -> bool:
    return "\n" in str(pair["removed"]) or "\n" in str(pair["kept"])


def sample_pairs(corpus: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for heldout, n in SLICES:
        pairs = near_pairs(corpus, heldout, n)
        random.Random(16).shuffle(pairs)
        out += pairs[:150]
    return out


def census(corpus: Path) -> tuple[list[dict[str, object]], dict[str, tuple[int, int]]]:
    """Every multi-line near removal, and per slice (distinct near removals, multi-line ones)."""
    out: list[dict[str, object]] = []
    sizes: dict[str, tuple[int, int]] = {}
    for heldout, n in SLICES:
        pairs = near_pairs(corpus, heldout, n)
        multi = [p for p in pairs if multi_line(p)]
        sizes["heldout" if heldout else "tuned"] = (len(pairs), len(multi))
        out += [{**p, "stratum": "multi-line"} for p in multi]
    return out, sizes


def still_removed(pair: dict[str, str], overrides: dict[str, object]) -> bool:
    return dedup([pair["kept"], pair["removed"]], **overrides).units_out == 1  # type: ignore[arg-type]


def row(name: str, slice_name: str, stratum: str, got: Counter[str]) -> str:
    n = sum(got.values())
    share = got["different content"] / n if n else 0.0
    return (
        f"| {name} | {slice_name} | {stratum} | {n} | {got['same content']} "
        f"| {got['same template, another slot value']} | {got['different content']} | {share:.1%} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("sample", "census", "score"))
    ap.add_argument("--corpus", type=Path, help="the real-text paragraphs (sample, census; score: for the weights)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.command == "sample":
        json.dump(sample_pairs(args.corpus), sys.stdout, ensure_ascii=False)
        return
    if args.command == "census":
        pairs, sizes = census(args.corpus)
        json.dump(pairs, sys.stdout, ensure_ascii=False)
        print(f"\ndistinct near removals (all, multi-line): {sizes}", file=sys.stderr)
        return
    cases = [json.loads(line) for line in CASES.open(encoding="utf-8")]
    corpus = f" --corpus {args.corpus}" if args.corpus else ""
    command = f"python benchmarks/dedup_labels.py score{corpus} --out {args.out}"
    lines = [
        "# Near-duplicate removals labelled by hand",
        "",
        f"Command: `{command}`; {len(cases)} pairs in "
        "`benchmarks/cases/dedup-labels.jsonl` (how they were sampled and labelled: the script's docstring).",
        "",
        "| configuration | slice | stratum | removed (of labelled) | same content | same template | different content "
        "| different share |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    defaults: dict[tuple[str, str], Counter[str]] = {}
    for name, overrides in CONFIGS.items():
        for slice_name in ("heldout", "tuned"):
            pooled: Counter[str] = Counter()
            for stratum in ("sample", "multi-line"):
                got = Counter(
                    c["label"]
                    for c in cases
                    if c["slice"] == slice_name
                    and c.get("stratum", "sample") == stratum
                    and still_removed(c, overrides)
                )
                pooled += got
                if name == "defaults":
                    defaults[slice_name, stratum] = got
                lines.append(row(name, slice_name, stratum, got))
            lines.append(row(name, slice_name, "pooled", pooled))
    if args.corpus:
        lines += ["", "Weighted at the defaults: each stratum's different share times its size among the"]
        lines += ["distinct near removals on the sampled records.", ""]
        for heldout, n in SLICES:
            slice_name = "heldout" if heldout else "tuned"
            pairs = near_pairs(args.corpus, heldout, n)
            sizes = {"multi-line": sum(map(multi_line, pairs))}
            sizes["sample"] = len(pairs) - sizes["multi-line"]
            share = sum(
                sizes[k] * defaults[slice_name, k]["different content"] / max(1, sum(defaults[slice_name, k].values()))
                for k in sizes
            ) / max(1, len(pairs))
            lines.append(
                f"- {slice_name}: {len(pairs)} distinct near removals ({sizes['multi-line']} multi-line): "
                f"different content **{share:.1%}**"
            )
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
