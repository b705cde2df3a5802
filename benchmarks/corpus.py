"""Deterministic synthetic Vietnamese corpora built from seeds/ (never committed; regenerate).

Sentences of the seeds are recombined into paragraphs, numbers redrawn, and near-duplicates
made by small word edits, tone-style swaps and NFD, so that the ground truth is known.

    python benchmarks/corpus.py --paragraphs 1000000 --out benchmarks/data/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import seedclean
from seedclean.text.segment import split

ROOT = Path(__file__).resolve().parent.parent
_NUMBER = re.compile(r"\d+")


def seed_sentences() -> list[str]:
    """Unique normalised sentences of the seeds (about 250)."""
    seen: dict[str, None] = {}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = seedclean.normalize(path.read_text(encoding="utf-8"))
        for seg in split(text, "auto", "sentence"):
            s = seg.text.strip()
            if len(s.split()) >= 4:
                seen.setdefault(s, None)
    return list(seen)


def vocabulary(sentences: list[str]) -> list[str]:
    return sorted({w for s in sentences for w in s.split()})


def base_paragraph(rnd: random.Random, sentences: list[str]) -> str:
    """3-6 random seed sentences with their numbers redrawn."""
    picked = rnd.sample(sentences, rnd.randint(3, 6))
    text = " ".join(picked)
    return _NUMBER.sub(lambda m: str(rnd.randrange(1, 10 ** len(m.group()))), text)


def edit(rnd: random.Random, text: str, rate: float, vocab: list[str]) -> str:
    """Replace, delete or insert each word with probability ``rate``."""
    out = []
    for w in text.split():
        if rnd.random() < rate:
            op = rnd.randrange(3)
            if op == 0:
                out.append(rnd.choice(vocab))
            elif op == 1:
                continue
            else:
                out += [w, rnd.choice(vocab)]
        else:
            out.append(w)
    return " ".join(out)


def noise(rnd: random.Random, text: str) -> str:
    """Formatting noise the normaliser must see through: tone style, NFD, spaces, case."""
    r = rnd.random()
    if r < 0.25:
        return seedclean.normalize(text, tone_style="hoà")
    if r < 0.4:
        return unicodedata.normalize("NFD", text)
    if r < 0.5:
        return text.replace(" ", "\u00a0", 3)
    return text


WINDOW = 1_000_000  # near-duplicates copy one of the last WINDOW paragraphs (all of them up to 1M)


def iter_paragraphs(n: int, seed: int = 0, dup_share: float = 0.3) -> Iterator[str]:
    """``n`` paragraphs, about ``dup_share`` of them near-duplicates of an earlier one; streamed,
    holding at most ``WINDOW`` paragraphs, so 10M paragraphs need about 1 GB."""
    rnd = random.Random(seed)
    sentences = seed_sentences()
    vocab = vocabulary(sentences)
    ring: list[str] = []
    for i in range(n):
        if ring and rnd.random() < dup_share:
            src = ring[rnd.randrange(len(ring))]
            para = noise(rnd, edit(rnd, src, rnd.choice([0.0, 0.02, 0.05]), vocab))
        else:
            para = base_paragraph(rnd, sentences)
        if len(ring) < WINDOW:
            ring.append(para)
        else:
            ring[i % WINDOW] = para
        yield para


def paragraphs(n: int, seed: int = 0, dup_share: float = 0.3) -> list[str]:
    """:func:`iter_paragraphs` as a list."""
    return list(iter_paragraphs(n, seed, dup_share))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=10, help="paragraphs per JSONL record")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    it = iter_paragraphs(args.paragraphs, args.seed)
    with open(args.out, "w", encoding="utf-8") as fh:
        for i in range(0, args.paragraphs, args.per_doc):
            chunk = list(islice(it, args.per_doc))
            rec = {"id": i // args.per_doc, "text": "\n\n".join(chunk)}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {args.paragraphs:,} paragraphs to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
