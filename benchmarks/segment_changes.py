"""Which real multi-line records does auto segmentation split differently than at another commit?

    python benchmarks/segment_changes.py --corpus /work/data/realtext/paragraphs.jsonl --before HEAD~1

Loads ``src/seedclean/text/segment.py`` as it was at ``--before`` (``git show``) beside the
working tree's, splits every multi-line record of the corpus with both (mode ``auto``), and
prints how many differ and the first ``--show`` of them, so that a change to the rules is read
on real text before it lands.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from seedclean.text import segment as current

ROOT = Path(__file__).resolve().parent.parent


def segment_at(revision: str) -> object:
    """The segment module as it was at ``revision``."""
    source = subprocess.run(
        ["git", "show", f"{revision}:src/seedclean/text/segment.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    folder = tempfile.mkdtemp(prefix="segment-")
    path = Path(folder) / "segment_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("segment_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["segment_before"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--before", default="HEAD~1", help="git revision to compare with")
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()
    before = segment_at(args.before)
    multi, changed = 0, []
    for line in args.corpus.open(encoding="utf-8"):
        text = json.loads(line)["text"]
        if "\n" not in text:
            continue
        multi += 1
        old = [s.text for s in before.split(text)]  # type: ignore[attr-defined]
        new = [s.text for s in current.split(text)]
        if old != new:
            changed.append((text, len(old), len(new)))
    print(f"{multi:,} multi-line records; {len(changed):,} segment differently than at {args.before}")
    for text, a, b in changed[: args.show]:
        print(f"----- {a} -> {b} units")
        print(text[:600])


if __name__ == "__main__":
    main()
