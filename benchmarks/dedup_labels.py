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

``score``: for each configuration, which labelled pairs it would still remove (the two units
alone through ``seedclean.dedup``), and the share of each label among them.
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
}


def sample_pairs(corpus: Path) -> list[dict[str, object]]:
    sys.path.insert(0, str(Path(__file__).parent))
    from dedup_realtext import sample

    out: list[dict[str, object]] = []
    for heldout, n in ((True, 100000), (False, 60000)):
        texts = sample(corpus, n, 16, heldout)
        result = dedup(texts, keep_empty=True)
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
        random.Random(16).shuffle(pairs)
        out += pairs[:150]
    return out


def still_removed(pair: dict[str, str], overrides: dict[str, object]) -> bool:
    return dedup([pair["kept"], pair["removed"]], **overrides).units_out == 1  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("sample", "score"))
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.command == "sample":
        json.dump(sample_pairs(args.corpus), sys.stdout, ensure_ascii=False)
        return
    cases = [json.loads(line) for line in CASES.open(encoding="utf-8")]
    lines = [
        "# Near-duplicate removals labelled by hand",
        "",
        f"Command: `python benchmarks/dedup_labels.py score --out {args.out}`; {len(cases)} pairs in "
        "`benchmarks/cases/dedup-labels.jsonl` (how they were sampled and labelled: the script's docstring).",
        "",
        "| configuration | slice | removed (of labelled) | same content | same template | different content "
        "| different share |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, overrides in CONFIGS.items():
        for slice_name in ("heldout", "tuned"):
            got = Counter(c["label"] for c in cases if c["slice"] == slice_name and still_removed(c, overrides))
            n = sum(got.values())
            share = got["different content"] / n if n else 0.0
            lines.append(
                f"| {name} | {slice_name} | {n} | {got['same content']} | {got['same template, another slot value']} "
                f"| {got['different content']} | {share:.1%} |"
            )
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
