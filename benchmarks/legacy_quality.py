"""Legacy-encoding detection quality: restored share per encoding and length, false conversions.

    python benchmarks/legacy_quality.py --per-cell 300 --clean 3000 --seed 7 \
        --out benchmarks/results/legacy-synthetic.md

Restoration: real Vietnamese paragraphs (seed sentences recombined, cut to 1-60 words) are
encoded with each legacy encoding, seen through cp1252 as they usually arrive, and passed to
``seedclean.text.legacy.fix_legacy``; a paragraph counts as restored when the result equals the
original exactly. TCVN3 paragraphs are lower-cased first (the ABC font has one case for
marked letters). False conversions: clean paragraphs (Vietnamese Unicode, English docstrings
and Python code lines from the standard library, French and Icelandic sentences) that
``fix_legacy`` changes at all; the target is zero.
"""

from __future__ import annotations

import argparse
import ast
import random
import sysconfig
from pathlib import Path

import corpus

from seedclean.text.legacy import ENCODINGS, encode, fix_legacy

BUCKETS = [(1, 4), (5, 9), (10, 29), (30, 60)]
FRENCH = [
    "Le gouvernement a présenté hier un projet de loi sur l'éducation nationale.",
    "Les élèves reçoivent leurs résultats à la fin du trimestre, où qu'ils soient.",
    "Ça dépend de la météo : s'il pleut, nous irons au musée d'Orsay.",
    "Noël approche et les marchés de la Côte d'Azur sont déjà très animés.",
    "Il a été élu maire à l'unanimité après une longue campagne électorale.",
    "Où êtes-vous né ? À Hà Nội, au Việt Nam, répondit-elle avec un sourire.",
    "La qualité de l'eau s'est améliorée grâce aux efforts des riverains.",
    "Les prévisions économiques pour l'année prochaine restent très prudentes.",
]
ICELANDIC = [
    "Ég fór með henni til Reykjavíkur og það var mjög gott veður þann dag.",
    "Þau keyptu nýjan bíl í síðustu viku en hann bilaði strax á leiðinni heim.",
    "Íslensk tunga hefur varðveist vel í gegnum aldirnar þrátt fyrir ýmis áhrif.",
    "Við ætlum að halda þorrablót í næsta mánuði með öllum ættingjunum okkar.",
    "Eyjafjallajökull gaus árið 2010 og aska dreifðist um alla Evrópu.",
    "Hún sagði að það væri ekkert mál að læra íslensku ef maður æfði sig daglega.",
]


def _seen(data: bytes) -> str:
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def vietnamese(rnd: random.Random, sentences: list[str], n_words: int) -> str:
    """``n_words`` words of seed sentences, ending with a full stop as a paragraph does."""
    words: list[str] = []
    while len(words) < n_words:
        words += rnd.choice(sentences).split()
    return " ".join(words[:n_words]).rstrip(".,;:") + "."


def stdlib_text(rnd: random.Random, n: int) -> tuple[list[str], list[str]]:
    """(English docstring paragraphs, Python code lines) from the standard library."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.glob("*.py"))
    rnd.shuffle(files)
    docs: list[str] = []
    code: list[str] = []
    for f in files:
        try:
            src = f.read_text(encoding="utf-8")
            tree = ast.parse(src)
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)):
                doc = ast.get_docstring(node)
                if doc:
                    docs += [p.replace("\n", " ") for p in doc.split("\n\n") if len(p.split()) >= 3]
        code += [line.strip() for line in src.split("\n") if len(line.strip()) > 10]
        if len(docs) >= n and len(code) >= n:
            break
    return docs[:n], code[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-cell", type=int, default=300, help="paragraphs per encoding and length bucket")
    ap.add_argument("--clean", type=int, default=3000, help="clean paragraphs per kind")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    ascii_punct = str.maketrans({"…": "...", "–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'"})
    sentences = [s.translate(ascii_punct) for s in corpus.seed_sentences()]  # legacy fonts: ASCII punctuation
    lines = [
        "# Legacy encodings: detection and conversion",
        "",
        f"Command: `python benchmarks/legacy_quality.py --per-cell {args.per_cell} --clean {args.clean}"
        f" --seed {args.seed}`",
        "",
        "## Restored exactly (share of paragraphs), per encoding and length in words",
        "",
        "| encoding | " + " | ".join(f"{lo}-{hi} words" for lo, hi in BUCKETS) + " |",
        "|---|" + "---:|" * len(BUCKETS),
    ]
    for enc in ENCODINGS:
        cells = []
        for lo, hi in BUCKETS:
            ok = total = 0
            for _ in range(args.per_cell):
                text = vietnamese(rnd, sentences, rnd.randint(lo, hi))
                if enc == "tcvn3":
                    text = text.lower()
                seen = _seen(encode(text, enc)) if enc != "viqr" else encode(text, enc).decode("ascii")
                total += 1
                ok += fix_legacy(seen)[0] == text
            cells.append(f"{ok / total:.4f} ({ok}/{total})")
        lines.append(f"| {enc} | " + " | ".join(cells) + " |")
    docs, code = stdlib_text(rnd, args.clean)
    clean = {
        "Vietnamese (Unicode)": [vietnamese(rnd, sentences, rnd.randint(1, 60)) for _ in range(args.clean)],
        "English (stdlib docstrings)": docs,
        "Python code (stdlib lines)": code,
        "French": [" ".join(rnd.sample(FRENCH, rnd.randint(1, 3))) for _ in range(args.clean // 2)],
        "Icelandic": [" ".join(rnd.sample(ICELANDIC, rnd.randint(1, 3))) for _ in range(args.clean // 2)],
    }
    lines += ["", "## False conversions of clean text", "", "| kind | paragraphs | changed |", "|---|---:|---:|"]
    total = changed_all = 0
    examples = []
    for kind, paras in clean.items():
        changed = [p for p in paras if fix_legacy(p)[0] != p]
        total += len(paras)
        changed_all += len(changed)
        examples += [(kind, p) for p in changed[:3]]
        lines.append(f"| {kind} | {len(paras):,} | {len(changed)} |")
    lines.append(f"| all | {total:,} | {changed_all} |")
    for kind, p in examples:
        lines.append(f"\n- {kind}: `{p[:100]}` -> `{fix_legacy(p)[0][:100]}`")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
