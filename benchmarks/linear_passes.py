"""Every text pass is linear: time each adversarial pattern at 100 KB and at 1 MB and report the
ratio (10 is linear; the issue-14 patterns took 40 s to over 120 s at 50 KB-1 MB before).

    python benchmarks/linear_passes.py --out benchmarks/results/linear.md

Each size is timed in a fresh process, so no cache filled by the smaller run helps the larger.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

PATTERNS = {
    "ASCII word after Vietnamese": "'Xin chào ' + 'a' * n",
    "one ASCII word": "'x' * n",
    "space run inside a line": "'Xin chào' + ' ' * n + 'các bạn.'",
    "dd pairs": "'dd' * (n // 2)",
    "letter + ZWJ": "'a\\u200d' * (n // 2)",
    "joiner run": "'ỹ' + '\\u200d' * n + 'ủ'",
    "Tp. abbreviations": "'Tp. ' * (n // 4)",
    "A. initials": "'A. ' * (n // 3)",
    "trailing spaces per line": "('Xin chào   \\n' * (n // 12))",
    "blank-line runs": "'\\n \\n' * (n // 3)",
    "hard-wrapped paragraph": "('một hai ba bốn năm sáu bảy tám chín mười ' * 2 + 'một hai\\n') * (n // 70)",
    "lower-case continuations": "('xin chào các bạn\\n' * (n // 17))",
}

STAGES = {
    "normalize": "seedclean.normalize(text)",
    "dedup (sentence)": "list(seedclean.dedup([text], granularity='sentence'))",
}


def time_one(expr: str, stage: str, n: int) -> float:
    code = (
        "import time, seedclean\n"
        f"n = {n}\ntext = {expr}\n"
        f"{STAGES['normalize']}\n"  # warm imports and compiled kernels on a tiny text first
        "t = time.perf_counter()\n"
        f"{STAGES[stage]}\n"
        "print(time.perf_counter() - t)\n"
    ).replace("seedclean.normalize(text)\nt =", "seedclean.normalize('Xin chào')\nt =", 1)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="write the table (Markdown) here")
    args = parser.parse_args()
    rows = ["| pattern | stage | 100 KB (s) | 1 MB (s) | ratio |", "|---|---|---|---|---|"]
    started = time.perf_counter()
    for name, expr in PATTERNS.items():
        for stage in STAGES:
            small, large = time_one(expr, stage, 100_000), time_one(expr, stage, 1_000_000)
            ratio = large / small if small > 0 else float("inf")
            rows.append(f"| {name} | {stage} | {small:.3f} | {large:.3f} | {ratio:.1f} |")
            print(rows[-1], flush=True)
    text = "\n".join(rows) + f"\n\nTotal {time.perf_counter() - started:.0f} s.\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            command = "python benchmarks/linear_passes.py --out benchmarks/results/linear.md"
            fh.write(f"# Linear text passes\n\n`{command}`\n\n")
            fh.write(text)


if __name__ == "__main__":
    main()
