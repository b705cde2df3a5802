"""Random option sets through `seedclean run`: every run must end without an exception, and two
ways of running it must write the same files (a crash or a difference is printed with its options).

    python tools/option_fuzz.py seeds /work/data/c3k.jsonl --runs 40 --seed 1
    python tools/option_fuzz.py /tmp/mix --runs 8 --against ray

Each run draws every option with probability 0.4 (and each flag with 0.15) and runs twice:
``--workers 1`` and ``--workers 2`` (``--against workers``), or the local engine with one worker
and Ray with two (``--against ray``). The corpus files, documents.parquet, removed.parquet and
warnings.jsonl are compared byte for byte (report.json and report.html carry timings). Session
28 found ``--keep longest`` stopping every run with a traceback this way.
"""

from __future__ import annotations

import argparse
import filecmp
import random
import shutil
import tempfile
import traceback
from pathlib import Path

from click.testing import CliRunner

from seedclean.cli import main as cli

CHOICES = {
    "--granularity": ["paragraph", "line", "sentence", "document"],
    "--segmentation": ["auto", "blank", "line"],
    "--threshold": ["0.5", "0.8", "0.95"],
    "--shingle": ["word", "char"],
    "--ngram": ["1", "2", "3", "5"],
    "--short": ["exact", "char"],
    "--min-shingles": ["1", "3", "10"],
    "--keep": ["first", "longest"],
    "--verify": ["jaccard", "signature"],
    "--banding": ["recall", "datasketch"],
    "--mode": ["near", "exact", "off"],
    "--tone-style": ["hòa", "hoà", "keep"],
    "--min-kept": ["0", "0.5", "1"],
    "--num-perm": ["16", "128"],
    "--id-field": ["id", "nope"],
}
FLAGS = [
    "--no-ignore-punctuation",
    "--keep-empty",
    "--no-normalize",
    "--no-legacy",
    "--no-removed-text",
    "--guard-words=",
    "--no-repair-line-breaks",
]
WITH_TIMINGS = {"report.json", "report.html", ".seedclean-manifest.json"}


def draw(rng: random.Random) -> list[str]:
    """One random set of options."""
    args: list[str] = []
    for option, values in CHOICES.items():
        if rng.random() < 0.4:
            args += [option, rng.choice(values)]
    return args + [flag for flag in FLAGS if rng.random() < 0.15]


def files(folder: Path) -> list[Path]:
    """The run's output files that carry no timings, relative to ``folder``."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and p.name not in WITH_TIMINGS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--against", choices=("workers", "ray"), default="workers")
    args = ap.parse_args()
    ways = [["--workers", "1"], ["--workers", "2"]]
    if args.against == "ray":
        ways = [["--workers", "1"], ["--workers", "2", "--engine", "ray"]]
    rng = random.Random(args.seed)
    bad = 0
    work = Path(tempfile.mkdtemp(prefix="option-fuzz-"))
    for _ in range(args.runs):
        options = draw(rng)
        outs = []
        for k, way in enumerate(ways):
            out = work / str(k)
            shutil.rmtree(out, ignore_errors=True)
            res = CliRunner().invoke(cli, ["run", *args.inputs, "--out", str(out), "-q", *way, *options])
            if res.exit_code != 0 or res.exception is not None:
                bad += 1
                print("FAILED", way, options, res.output[-300:])
                if res.exc_info is not None and not isinstance(res.exception, SystemExit):
                    traceback.print_exception(*res.exc_info)
                break
            outs.append(out)
        if len(outs) == 2:
            a, b = files(outs[0]), files(outs[1])
            differ = [str(p) for p in a if p in b and not filecmp.cmp(outs[0] / p, outs[1] / p, shallow=False)]
            if a != b or differ:
                bad += 1
                print("DIFFERENT", options, sorted(set(map(str, a)) ^ set(map(str, b))), differ)
    shutil.rmtree(work, ignore_errors=True)
    print(f"{args.runs} option sets, {bad} failed or differed")


if __name__ == "__main__":
    main()
