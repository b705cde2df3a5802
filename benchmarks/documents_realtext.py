"""Near-duplicate whole documents on real text, and the document policy (issue 16, item 6).

    python benchmarks/documents_realtext.py --corpus /work/data/realtext/paragraphs.jsonl \\
        --out benchmarks/results/documents-realtext.md

Documents: every source file of the real-text corpus (a help page, a man page, a message
catalogue), its paragraphs joined by blank lines in their order, files sorted by path. Ground
truth, exhaustive: two documents are duplicates when the Jaccard similarity of their word
3-gram sets is at least 0.8 (``dedup_realtext.shingles``: NFC, case-folded); true clusters are the
connected components. Lost and missed as in ``dedup_realtext.py``, per document.

``--granularity document`` is scored against that truth. The document policy (``--min-kept``,
paragraph units) is scored by what it drops: the documents, the characters that paragraph dedup
had kept in them (the fragments the policy is there to remove; they had no copy), their share of
the output, and how many dropped documents have a true duplicate document that survives.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_realtext import components, score, shingles, true_pairs  # noqa: E402

from seedclean import dedup  # noqa: E402


def documents(corpus: Path) -> tuple[list[str], list[str]]:
    """(source paths, document texts), one document per source file."""
    paragraphs: dict[str, list[str]] = defaultdict(list)
    for line in corpus.open(encoding="utf-8"):
        record = json.loads(line)
        if record["text"].strip():
            paragraphs[record["source"]].append(record["text"].strip("\n"))
    names = sorted(paragraphs)
    return names, ["\n\n".join(paragraphs[n]) for n in names]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    names, texts = documents(args.corpus)
    start = time.perf_counter()
    pairs = true_pairs([shingles(t) for t in texts])
    labels = components(len(texts), pairs)
    truth_seconds = time.perf_counter() - start
    lines = [
        "# Near-duplicate documents on real text (issue 16)",
        "",
        f"Command: `python benchmarks/documents_realtext.py --corpus {args.corpus} --out {args.out}`",
        "",
        f"{len(texts):,} documents (source files), {len(set(labels)):,} true clusters, {len(pairs):,} true "
        f"pairs (word 3-gram Jaccard >= 0.8, ground truth in {truth_seconds:.1f} s).",
        "",
        "| configuration | lost | missed | documents kept | seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    for name, options in (
        ("--granularity document", {"granularity": "document"}),
        ("--granularity document --threshold 0.7", {"granularity": "document", "threshold": 0.7}),
        ("--granularity document --threshold 0.9", {"granularity": "document", "threshold": 0.9}),
    ):
        start = time.perf_counter()
        outs = list(dedup(texts, keep_empty=True, **options))  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
        survived = [bool(o.strip()) for o in outs]
        lost, missed, _, _ = score(labels, survived)
        lines.append(f"| {name} | {lost:.2%} | {missed:.2%} | {sum(survived):,} | {seconds:.1f} |")
        if not options.get("threshold"):
            members: dict[int, list[int]] = defaultdict(list)
            for i, c in enumerate(labels):
                members[c].append(i)
            for m in members.values():
                alive = [names[i] for i in m if survived[i]]
                if len(m) > 1 and len(alive) > 1:
                    notes.append(f"- missed at the defaults: {', '.join(alive)}")
    lines += ["", *notes, "", "Document policy on paragraph units (the default granularity):", ""]
    lines += [
        "| `--min-kept` | documents dropped | characters dropped (kept by paragraph dedup) | share of output "
        "| dropped with a true duplicate document kept | seconds |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    base = list(dedup(texts, keep_empty=True))
    output_chars = sum(len(b) for b in base)
    for share in (0.2, 0.5, 0.8):
        start = time.perf_counter()
        outs = list(dedup(texts, keep_empty=True, min_kept=share))
        seconds = time.perf_counter() - start
        dropped = [i for i, (o, b) in enumerate(zip(outs, base)) if b.strip() and not o.strip()]
        chars = sum(len(base[i]) for i in dropped)
        alive = {labels[j] for j, o in enumerate(outs) if o.strip()}
        twin = sum(1 for i in dropped if labels[i] in alive)
        lines.append(
            f"| {share} | {len(dropped):,} | {chars:,} | {chars / output_chars:.2%} | {twin:,} | {seconds:.1f} |"
        )
        worst = max(dropped, key=lambda i: len(base[i]), default=None)
        if worst is not None:
            notes.append(
                f"- at {share}, the dropped document that kept most: {names[worst]} "
                f"({len(base[worst]):,} of {len(texts[worst]):,} characters)"
            )
    lines += ["", *[n for n in notes if n.startswith("- at ")], ""]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
