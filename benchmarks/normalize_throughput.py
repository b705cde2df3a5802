"""Normaliser throughput on a JSONL corpus, and proof that the pre-scan changes nothing (issue 15).

    python benchmarks/normalize_throughput.py --corpus /work/data/c100k.jsonl \\
        --out benchmarks/results/normalize-throughput.md

Times ``normalize_many`` (one pre-scan per batch of 256 texts, as ``seedclean run`` batches
them) and ``normalize_and_explain`` called once per text, alternating, median of ``--rounds``;
then checks, for three option sets, that every text and every fix count equals the normaliser
with the pre-scan bypassed (every line through every step). Also reports how the pre-scan
classed the lines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from seedclean import NormalizeOptions, normalize_and_explain
from seedclean.text.normalize import _run, normalize_many
from seedclean.text.prescan import FULL, LEGACY, TONES, lines_needing_work

BATCH = 256


def batched_run(texts: list[str]) -> None:
    for i in range(0, len(texts), BATCH):
        normalize_many(texts[i : i + BATCH])


def per_text_run(texts: list[str]) -> None:
    for text in texts:
        normalize_and_explain(text)


def full_path(text: str, options: NormalizeOptions) -> tuple[str, Counter[str]]:
    changes: Counter[str] = Counter()
    out = _run(text, options, changes, [(k, FULL) for k in range(text.count("\n") + 1)], {})
    return out, +changes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    texts = [json.loads(line)["text"] for line in args.corpus.open(encoding="utf-8") if line.strip()]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    normalize_many(texts[:BATCH])  # load the compiled kernels and tables once
    times: dict[str, list[float]] = {"batch": [], "per text": []}
    for _ in range(args.rounds):
        for name, fn in (("batch", batched_run), ("per text", per_text_run)):
            t0 = time.perf_counter()
            fn(texts)
            times[name].append(time.perf_counter() - t0)
    codes = lines_needing_work(texts, "hòa")
    classes = {
        "plain": int((codes == 0).sum()),
        "tone placement only": int((codes == TONES).sum()),
        "legacy step first": int(((codes & LEGACY) > 0).sum()),
        "every step (after cheap repairs where they apply)": int((codes == FULL).sum()),
    }
    checks = []
    option_sets = [NormalizeOptions(), NormalizeOptions(tone_style="hoà"), NormalizeOptions(legacy=False, tones=False)]
    for options in option_sets:
        batch = normalize_many(texts, options)
        same_text = same_fixes = 0
        for i, text in enumerate(texts):
            expected, changes = full_path(text, options)
            same_text += batch.texts[i] == expected
            same_fixes += batch.changes_of(i) == changes
        checks.append((options, same_text, same_fixes))
    lines = [
        "# Normaliser throughput with the pre-scan (issue 15)",
        "",
        f"`python benchmarks/normalize_throughput.py --corpus {args.corpus} --rounds {args.rounds}"
        + (f" --out {args.out}`" if args.out else "`"),
        "",
        f"Corpus {args.corpus.name}: {len(texts):,} texts, {mb:.1f} MB; batches of {BATCH}; {args.rounds} rounds"
        " alternating, median.",
        "",
        "| path | median (s) | all runs (s) | MB/s |",
        "|---|---|---|---|",
    ]
    for name, runs in times.items():
        med = statistics.median(runs)
        lines.append(f"| {name} | {med:.2f} | {', '.join(f'{r:.2f}' for r in runs)} | {mb / med:.1f} |")
    total_lines = len(codes)
    lines += ["", f"Pre-scan classes ({total_lines:,} lines):", ""]
    lines += [f"- {k}: {v:,} ({100 * v / total_lines:.1f}%)" for k, v in classes.items()]
    lines += ["", "Equal to the normaliser with the pre-scan bypassed (texts, fix counts per kind):", ""]
    for options, same_text, same_fixes in checks:
        shown = ", ".join(f"{k}={v}" for k, v in vars(options).items() if v != getattr(NormalizeOptions(), k))
        lines.append(f"- {shown or 'defaults'}: {same_text:,} / {len(texts):,} texts, {same_fixes:,} fix counts")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    assert all(t == len(texts) and f == len(texts) for _o, t, f in checks), "the pre-scan changed an output"


if __name__ == "__main__":
    main()
