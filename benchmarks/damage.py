"""Damage to clean real text: every change the normaliser makes, classified per token.

    python benchmarks/realtext.py --out /work/data/realtext
    python benchmarks/damage.py --corpus /work/data/realtext/paragraphs.jsonl \
        --english /work/data/realtext/english.jsonl --out benchmarks/results/damage.md

Each paragraph of the real-text corpus (translators' Unicode Vietnamese) goes through
``seedclean.normalize`` with the default options. A paragraph that comes out different is split
into whitespace tokens and each changed token gets the first class that explains it:
``nfc`` (NFC of the input token equals the output), ``invisible`` (equal once zero-width and
format characters are dropped), ``Ð read as Đ`` (the Icelandic eth typed for Vietnamese đ in a
Vietnamese syllable, repaired on purpose), ``tone moved`` (same letters and same tone, the mark on another
vowel of the syllable), ``whitespace`` (the paragraph differs only in spaces and line breaks),
else ``letters changed``. Targets: zero ``letters changed``, and zero letters deleted.
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from collections import Counter
from pathlib import Path

from seedclean import NormalizeResult, normalize, normalize_and_explain

TONES = "\u0300\u0301\u0303\u0309\u0323"
INVISIBLE = dict.fromkeys(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF, 0xAD]
)
LOOKALIKE = {ord("Ð"): "Đ", ord("ð"): "đ"}  # Icelandic eth typed for Vietnamese đ: repaired on purpose


def _base_and_tone(token: str) -> tuple[str, str]:
    """The token without tone marks (NFC) and the tone marks it carries, in order."""
    d = unicodedata.normalize("NFD", token)
    tones = "".join(c for c in d if c in TONES)
    return unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES)), tones


def token_class(before: str, after: str) -> str:
    """Why one whitespace token changed (``letters changed`` when nothing harmless explains it)."""
    if unicodedata.normalize("NFC", before) == after:
        return "nfc"
    if unicodedata.normalize("NFC", before.translate(INVISIBLE)) == after:
        return "invisible"
    if _base_and_tone(before) == _base_and_tone(after):
        return "tone moved"
    if unicodedata.normalize("NFC", before.translate(LOOKALIKE).translate(INVISIBLE)) == after:
        return "Ð read as Đ"
    return "letters changed"


def letters(text: str) -> int:
    """Letters in a text (NFC), the quantity that must never shrink."""
    return sum(1 for c in unicodedata.normalize("NFC", text) if c.isalpha())


def classify(before: str, after: str) -> Counter[str]:
    """Classes of the changes between a paragraph and its normalised form."""
    found: Counter[str] = Counter()
    a, b = before.split(), after.split()
    if len(a) != len(b):
        found["letters changed"] += 1
        return found
    for x, y in zip(a, b):
        if x != y:
            found[token_class(x, y)] += 1
    if not found or " ".join(a) != " ".join(b):
        found["whitespace"] += 1 if before != after and " ".join(a) == " ".join(b) else 0
    return +found


def _legacy_fired(result: NormalizeResult) -> bool:
    return any(kind.startswith("legacy_") for kind in result.changes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--english", type=Path, help="english.jsonl from realtext.py: clean text in another language")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    records = [json.loads(line) for line in args.corpus.open(encoding="utf-8")]
    classes: Counter[str] = Counter()
    paragraphs_changed = 0
    damaged: list[tuple[str, str, str]] = []
    examples: dict[str, list[tuple[str, str]]] = {}
    lost_letters = 0
    start = time.perf_counter()
    for r in records:
        text = r["text"]
        out = normalize(text)
        if out == text:
            continue
        paragraphs_changed += 1
        found = classify(text, out)
        classes.update(found)
        for name in found:
            if len(examples.setdefault(name, [])) < 3:
                examples[name].append((text, out))
        lost = letters(text) - letters(out)
        if lost > 0:
            lost_letters += lost
        if found["letters changed"] or lost > 0:
            damaged.append((r["id"], text, out))
    seconds = time.perf_counter() - start
    total_chars = sum(len(r["text"]) for r in records)
    lines = [
        "# Damage to clean real text",
        "",
        "Command: `python benchmarks/damage.py --corpus /work/data/realtext/paragraphs.jsonl "
        "--english /work/data/realtext/english.jsonl --out benchmarks/results/damage.md` "
        "(corpus from `python benchmarks/realtext.py --out /work/data/realtext`).",
        "",
        f"Paragraphs: {len(records):,} ({total_chars:,} characters) from the packages in "
        "`benchmarks/realtext.py`; changed by `normalize` (defaults): "
        f"{paragraphs_changed:,}; normalised in {seconds:.1f} s.",
        "",
        "| change | tokens (whitespace: paragraphs) |",
        "|---|---:|",
    ]
    for name in ("nfc", "invisible", "tone moved", "Ð read as Đ", "whitespace", "letters changed"):
        lines.append(f"| {name} | {classes[name]:,} |")
    lines += [
        "",
        f"Letters deleted (letters in minus letters out, summed over paragraphs that lost any): {lost_letters}.",
        "",
        "## Three examples of each class (input -> output)",
        "",
    ]
    for name, pairs in sorted(examples.items()):
        lines += [f"- {name}: `{a[:120]!r}` -> `{b[:120]!r}`" for a, b in pairs]
    lines += [
        "",
        f"## Every paragraph with letters changed or deleted ({len(damaged)})",
        "",
    ]
    for rid, text, out in damaged:
        lines.append(f"- `{rid}`: `{text[:200]!r}` -> `{out[:200]!r}`")
    if args.english:
        english = [json.loads(line)["text"] for line in args.english.open(encoding="utf-8")]
        converted = [(t, r.text) for t in english if _legacy_fired(r := normalize_and_explain(t))]
        lines += [
            "",
            f"## English source strings of the same catalogues: {len(english):,}, "
            f"taken for a legacy encoding: {len(converted)}",
            "",
        ]
        lines += [f"- `{a[:200]!r}` -> `{b[:200]!r}`" for a, b in converted]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
