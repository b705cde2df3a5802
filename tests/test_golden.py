"""A golden snapshot of the seeds run: the cleaned files and report.json (without timings and
library versions), read by hand once when committed (tests/golden/seeds/). A change shared by
both engines, which their equality tests cannot see, shows up here."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from seedclean.cli import main

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden" / "seeds"


def test_seeds_run_matches_the_golden_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(ROOT / "seeds"), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    for golden in sorted(GOLDEN.glob("*.txt")):
        assert (out / golden.name).read_bytes() == golden.read_bytes(), golden.name
    assert sorted(p.name for p in out.glob("*.txt")) == sorted(p.name for p in GOLDEN.glob("*.txt"))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for key in ("timings", "versions"):
        report.pop(key)
    report["inputs"] = ["<seeds>"]
    assert report == json.loads((GOLDEN / "report.json").read_text(encoding="utf-8"))


def test_the_snapshot_says_what_the_seeds_are() -> None:
    """What was checked by hand: 001 is one article 17 times (11 paragraphs kept), 002's NFD
    text is composed and its broken number joined, 003's no-break space is a space, hoá -> hóa."""
    report = json.loads((GOLDEN / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["exact_duplicates_removed"] == 176 and report["totals"]["units_out"] == 70
    assert report["totals"]["line_break_repairs"] == 1
    assert "1.000 học bổng" in (GOLDEN / "002_41399a70cdca298a.txt").read_text(encoding="utf-8")
    seed_001 = (GOLDEN / "001_501a62dae2258d1a.txt").read_text(encoding="utf-8")
    assert len([p for p in seed_001.split("\n\n") if p.strip()]) == 11
    assert re.search(r"\bhoá\b", seed_001) is None and "văn hóa" in seed_001
    assert "\u00a0" not in (GOLDEN / "003_237255f19d5a5d01.txt").read_text(encoding="utf-8")
