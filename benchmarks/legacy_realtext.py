"""Legacy restoration on real paragraphs: glibc iconv (and our encoders) out, ``normalize`` back.

    python benchmarks/realtext.py --out /work/data/realtext
    python benchmarks/legacy_realtext.py --corpus /work/data/realtext/paragraphs.jsonl \\
        --sample 2000 --out benchmarks/results/legacy.md

Real Vietnamese paragraphs of 5+ words (translators' text from Debian packages, deduplicated,
a fixed random sample) are encoded with ``iconv -t`` for every Vietnamese charset glibc knows
(TCVN5712-1, VISCII, CP1258) and with seedclean's own encoders for VNI, VIQR and VPS, both from
NFC and from "composite" Unicode (quality marks precomposed, tone marks apart, as some input
methods write; iconv then writes base letter + combining tone byte). The bytes are read as
cp1252, the way such text usually arrives, and passed to ``seedclean.normalize``.

A paragraph is *restored* when the output equals ``normalize`` of the original; *left as it
was* when no legacy conversion fired; *converted wrongly* otherwise. *Characters deleted* counts
control and format characters of the input that a left-as-it-was paragraph lost (the target is
zero: such characters are letters in some legacy reading). Paragraphs the charset cannot hold
(curly quotes in TCVN, say) are counted and skipped.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import time
import unicodedata
from collections import Counter
from pathlib import Path

from seedclean import normalize, normalize_and_explain
from seedclean.text.legacy import encode

ICONV = {"tcvn3": "TCVN5712-1", "viscii": "VISCII", "cp1258": "CP1258"}
OURS = ("vni", "viqr", "vps")
TONES = "\u0300\u0301\u0303\u0309\u0323"


def tone_decomposed(text: str) -> str:
    """Quality marks precomposed, tone marks as combining characters after the letter."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            out[-1] += ch
        else:
            out.append(ch)
    clusters = []
    for cluster in out:
        tones = "".join(c for c in cluster if c in TONES)
        clusters.append(unicodedata.normalize("NFC", "".join(c for c in cluster if c not in TONES)) + tones)
    return "".join(clusters)


def seen(data: bytes) -> str:
    """Legacy bytes as they usually arrive: decoded as cp1252, latin-1 where cp1252 has nothing."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def encode_with(encoding: str, text: str) -> bytes | None:
    """The legacy bytes of ``text``, or None when the charset cannot hold it."""
    if encoding in ICONV:
        got = subprocess.run(["iconv", "-f", "UTF-8", "-t", ICONV[encoding]], input=text.encode(), capture_output=True)
        return got.stdout if got.returncode == 0 else None
    try:
        return encode(text, encoding)
    except ValueError:
        return None


def sample(corpus: Path, n: int, seed: int, heldout_only: bool = False) -> list[str]:
    """``n`` distinct real Vietnamese paragraphs of 5+ words (NFC), in a fixed order."""
    texts = set()
    for line in corpus.open(encoding="utf-8"):
        record = json.loads(line)
        if heldout_only and not record.get("heldout"):
            continue
        text = unicodedata.normalize("NFC", record["text"]).strip()
        if len(text.split()) >= 5 and any(ord(c) > 0x7F and c.isalpha() for c in text):
            texts.add(text)
    ordered = sorted(texts)
    random.Random(seed).shuffle(ordered)
    return ordered[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--heldout", action="store_true", help="only the packages realtext.py keeps out of tuning")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    texts = sample(args.corpus, args.sample, args.seed, args.heldout)
    rows = []
    failures: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    start = time.perf_counter()
    for encoding in [*ICONV, *OURS]:
        for form in ("NFC", "tones apart"):
            tally: Counter[str] = Counter()
            for text in texts:
                source = text if form == "NFC" else tone_decomposed(text)
                if form != "NFC" and (source == text or encoding not in ICONV):
                    continue  # our encoders take any form: only iconv's decomposed output differs
                data = encode_with(encoding, source)
                if data is None:
                    tally["not encodable"] += 1
                    continue
                tally["paragraphs"] += 1
                garbled = seen(data)
                result = normalize_and_explain(garbled)
                if result.text == normalize(text):
                    tally["restored"] += 1
                    continue
                if any(k.startswith("legacy_") for k in result.changes):
                    tally["converted wrongly"] += 1
                    kind = "converted wrongly"
                else:
                    tally["left as it was"] += 1
                    kind = "left as it was"
                    lost = Counter(c for c in garbled if unicodedata.category(c) in ("Cc", "Cf") and c != "\n")
                    lost.subtract(Counter(result.text))
                    tally["characters deleted"] += sum(v for v in lost.values() if v > 0)
                failures.setdefault((encoding, form), []).append((kind, text, result.text))
            if tally["paragraphs"]:
                rows.append((encoding, form, tally))
    seconds = time.perf_counter() - start
    lines = [
        "# Legacy encodings on real text: restored through iconv and our encoders",
        "",
        f"Command: `python benchmarks/legacy_realtext.py --corpus /work/data/realtext/paragraphs.jsonl "
        f"--sample {args.sample} --seed {args.seed}{' --heldout' if args.heldout else ''} --out {args.out}` "
        "(corpus from `python benchmarks/realtext.py --out /work/data/realtext`).",
        "",
        f"{len(texts):,} distinct real paragraphs of 5+ words"
        f"{' from the held-out packages only' if args.heldout else ''}; {seconds:.0f} s. Encoders: glibc iconv for "
        f"{', '.join(f'{k} ({v})' for k, v in ICONV.items())}; seedclean's own for {', '.join(OURS)}. "
        "'tones apart' rows: iconv given composite Unicode (tone marks as combining characters), "
        "only the paragraphs where that differs from NFC.",
        "",
        "| encoding | input form | paragraphs | not encodable | restored | left as it was | converted wrongly "
        "| characters deleted |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for encoding, form, t in rows:
        share = t["restored"] / t["paragraphs"]
        lines.append(
            f"| {encoding} | {form} | {t['paragraphs']:,} | {t['not encodable']:,} | {share:.2%} ({t['restored']:,}) "
            f"| {t['left as it was']:,} | {t['converted wrongly']:,} | {t['characters deleted']:,} |"
        )
    lines += ["", "## Every paragraph not restored (original -> output)", ""]
    for (encoding, form), items in failures.items():
        lines.append(f"### {encoding}, {form} ({len(items)})")
        lines.append("")
        lines += [f"- {kind}: `{text[:150]!r}` -> `{out[:150]!r}`" for kind, text, out in items]
        lines.append("")
    report = "\n".join(lines) + "\n"
    print("\n".join(lines[: 20 + len(rows)]))
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
