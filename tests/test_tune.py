"""seedclean tune: its counts are what seedclean run removes at the same thresholds."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from seedclean.cli import main
from seedclean.report.tune import candidate_probability

SEEDS = Path(__file__).parent.parent / "seeds"
WORDS = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam từ năm 1976 đến nay và mãi mãi".split()


def edited_corpus(path: Path) -> None:
    """Paragraphs and copies with 1-8 words replaced: similarities spread over 0.5-1."""
    rng = random.Random(7)
    lines = []
    for i in range(60):
        words = [rng.choice(WORDS) for _ in range(40)] + [f"số{i}"]
        lines.append(" ".join(words))
        for edits in (1, 3, 6, 8):
            copy = list(words)
            for k in rng.sample(range(40), edits):
                copy[k] = f"khác{k}"
            lines.append(" ".join(copy))
    path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in lines), encoding="utf-8")


def removed_by_run(src: Path, out: Path, threshold: float) -> int:
    res = CliRunner().invoke(main, ["run", str(src), "--out", str(out), "--threshold", str(threshold), "-q"])
    assert res.exit_code == 0, res.output
    totals = json.loads((out / "report.json").read_text(encoding="utf-8"))["totals"]
    return int(totals["exact_duplicates_removed"] + totals["near_duplicates_removed"])


def test_tune_counts_match_run_at_each_threshold(tmp_path: Path) -> None:
    src = tmp_path / "c.jsonl"
    edited_corpus(src)
    res = CliRunner().invoke(main, ["tune", str(src), "--json", "--html", str(tmp_path / "tune.html")])
    assert res.exit_code == 0, res.output
    figures = json.loads(res.stdout)
    by_threshold = {row["threshold"]: row["removed"] for row in figures["thresholds"]}
    assert sorted(by_threshold) == [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    assert by_threshold[0.5] > by_threshold[0.8] > by_threshold[0.9] > 0  # the edits spread the similarities
    for t in (0.5, 0.7, 0.8, 0.9, 0.95):
        assert by_threshold[t] == removed_by_run(src, tmp_path / f"o{t}", t), t
    examples = figures["examples"]
    assert len(examples) == 20 and all(e["text"] and e["kept_text"] for e in examples)
    # named by file and line, as run names them (they were numbers in the sample)
    lines = src.read_text(encoding="utf-8").splitlines()
    for e in examples:
        assert e["doc"].startswith("c.jsonl:") and e["kept_doc"].startswith("c.jsonl:")
        assert json.loads(lines[int(e["doc"].split(":")[1]) - 1])["text"] == e["text"]
    page = (tmp_path / "tune.html").read_text(encoding="utf-8")
    assert "<svg" in page and "polyline" in page


def test_tune_on_the_seeds_runs_and_agrees_with_run(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["tune", str(SEEDS), "--json"])
    assert res.exit_code == 0
    rows = {row["threshold"]: row for row in json.loads(res.stdout)["thresholds"]}
    assert rows[0.8]["removed"] == removed_by_run(SEEDS, tmp_path / "o", 0.8) == 176
    assert (rows[0.8]["bands"], rows[0.8]["rows"]) == (16, 6)  # recall banding: 1 - (1 - 0.8**6)**16 = 0.992


def test_s_curve() -> None:
    assert candidate_probability(0.0, 9, 13) == 0.0 and candidate_probability(1.0, 9, 13) == 1.0
    assert abs(candidate_probability(0.8, 9, 13) - (1 - (1 - 0.8**13) ** 9)) < 1e-12


def test_the_sample_is_drawn_in_one_pass_holding_only_the_sample() -> None:
    from seedclean.report.tune import _sample

    drawn = _sample(iter(range(1_000_000)), 5)  # a generator: nothing is listed first
    assert len(drawn) == 5 and drawn == sorted(drawn) and drawn == _sample(iter(range(1_000_000)), 5)
