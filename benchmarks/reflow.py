"""Is a paragraph found again when its copy is hard-wrapped? (issue 16, "every reflowed copy found")

    python benchmarks/reflow.py --corpus /work/data/realtext/paragraphs.jsonl --out benchmarks/results/reflow.md

Real paragraphs of one line (the held-out and tuned slices of ``dedup_realtext.sample``), long
enough to wrap at the narrowest width, and with no near duplicate among them by the benchmark's
exact ground truth (word 3-gram Jaccard >= 0.8), so that nothing else can remove them. For each
width, every paragraph appears twice, once as it is and once wrapped by ``textwrap.fill`` at that
width (breaks at spaces, whatever the next word's case or the line's last character), each in a
record of its own, in a random order. A paragraph is *found* when exactly one of its two records
comes out empty and the other whole (its normalised words) (the first in input order is the one kept). Options:
the defaults, and ``--segmentation line`` / ``blank`` for comparison. ``textwrap`` also breaks
inside words: a word longer than the width (a path, a URL) and after a hyphen (``cross-`` /
``disk``); a wrap read as a space cannot join those, so the defaults are also measured on copies
wrapped only at spaces, as ``fmt``, ``par``, mail clients and editors wrap.
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_realtext import components, sample, shingles, true_pairs  # noqa: E402

from seedclean import dedup, normalize  # noqa: E402

WIDTHS = (40, 60, 72, 79)
MODES = ("auto", "line", "blank")


def paragraphs(corpus: Path, n: int, seed: int) -> list[str]:
    """Distinct one-line paragraphs of at least 60 characters with no near duplicate among them."""
    texts: list[str] = []
    seen: set[str] = set()
    for heldout in (True, False):
        for t in sample(corpus, n, seed, heldout):
            t = " ".join(t.split())
            if len(t) >= 60 and "\n" not in t and t not in seen:
                seen.add(t)
                texts.append(t)
    labels = components(len(texts), true_pairs([shingles(t) for t in texts]))
    size: dict[int, int] = {}
    for c in labels:
        size[c] = size.get(c, 0) + 1
    return [t for t, c in zip(texts, labels) if size[c] == 1]


def whole(record: str, out: str) -> bool:
    """The record came out whole: its normalised words, in order (normalising may change quotes)."""
    return out.split() == normalize(record).split()


def wrap(text: str, width: int, spaces_only: bool = False) -> str:
    """``textwrap.fill``; with ``spaces_only`` no break inside a word (long words, hyphens)."""
    if spaces_only:
        return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
    return textwrap.fill(text, width)


def found(
    texts: list[str], width: int, mode: str, seed: int, spaces_only: bool = False
) -> tuple[int, list[tuple[int, str, str]]]:
    """How many paragraphs are found with their wrapped copy, and the ones that are not (the
    paragraph's number and both records' outputs)."""
    records = [(i, t) for i, t in enumerate(texts)] + [(i, wrap(t, width, spaces_only)) for i, t in enumerate(texts)]
    random.Random(seed).shuffle(records)
    out = list(dedup([r for _, r in records], keep_empty=True, segmentation=mode))
    by_paragraph: dict[int, list[tuple[str, str]]] = {}
    for (i, record), o in zip(records, out):
        by_paragraph.setdefault(i, []).append((record, o.rstrip("\n")))
    ok, failures = 0, []
    for i, pair in by_paragraph.items():
        (a, out_a), (b, out_b) = pair
        if (whole(a, out_a) and not out_b) or (whole(b, out_b) and not out_a):
            ok += 1
        else:
            failures.append((i, out_a, out_b))
    return ok, failures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--records", type=int, default=15000, help="records drawn from each slice")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    texts = paragraphs(args.corpus, args.records, args.seed)
    lines = [
        "# Reflowed copies of real paragraphs (issue 16)",
        "",
        f"Command: `python benchmarks/reflow.py --corpus {args.corpus} --records {args.records} "
        f"--seed {args.seed} --out {args.out}`",
        "",
        f"{len(texts):,} one-line paragraphs (>= 60 characters, no near duplicate among them), each "
        "also as a `textwrap.fill` copy at the width; found: one record of the two emptied, the other whole.",
        "",
        "| width | "
        + " | ".join(f"found, {m}" for m in MODES)
        + " | found, auto, copies wrapped at spaces only | seconds (auto) |",
        "|---:|" + "---:|" * (len(MODES) + 2),
    ]
    examples: list[str] = []
    spaces_examples: list[str] = []
    misses: list[str] = []
    for width in WIDTHS:
        cells = []
        seconds = 0.0
        for mode in MODES:
            start = time.perf_counter()
            ok, failures = found(texts, width, mode, args.seed)
            if mode == "auto":
                seconds = time.perf_counter() - start
                examples += [f"- width {width}: `{a!r}` / `{b!r}`" for _, a, b in failures[:3]]
                broken = sum(wrap(texts[i], width) != wrap(texts[i], width, spaces_only=True) for i, _, _ in failures)
                misses.append(f"width {width}: {len(failures)} ({broken} with a word broken by `textwrap`)")
            cells.append(f"{ok:,} of {len(texts):,} ({ok / len(texts):.2%})")
            print(width, mode, ok, len(texts), file=sys.stderr)
        ok, failures = found(texts, width, "auto", args.seed, spaces_only=True)
        cells.append(f"{ok:,} of {len(texts):,} ({ok / len(texts):.2%})")
        spaces_examples += [f"- width {width}: `{a!r}` / `{b!r}`" for _, a, b in failures[:3]]
        lines.append(f"| {width} | " + " | ".join(cells) + f" | {seconds:.1f} |")
    lines += ["", "Not found at the defaults: " + "; ".join(misses) + "."]
    lines += ["", "Not found at the defaults (outputs of the two records, first three per width):", "", *examples]
    lines += ["", "Not found at the defaults, copies wrapped at spaces only:", "", *spaces_examples, ""]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
