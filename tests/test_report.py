"""report.json against its published JSON Schema, its size bound, report --html from the Parquet
files, and the page in a real browser."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from seedclean.cli import main

SEEDS = Path(__file__).parent.parent / "seeds"
VI = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam từ năm 1976 đến nay."


def run(*args: str) -> None:
    res = CliRunner().invoke(main, ["run", *args], catch_exceptions=False)
    assert res.exit_code == 0, res.output


def schema() -> dict:
    return json.loads(resources.files("seedclean.report").joinpath("report.schema.json").read_text(encoding="utf-8"))


def test_seeds_report_validates_against_the_published_schema(tmp_path: Path) -> None:
    run(str(SEEDS), "--out", str(tmp_path / "o"))
    report = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema())
    broken = dict(report, lsh={"bands": "9", "rows": 13})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema())


def test_report_json_stays_bounded_on_a_corpus_with_many_clusters(tmp_path: Path) -> None:
    words = VI.split()
    base = [" ".join(random.Random(i).choices(words, k=40)) + f" {i}." for i in range(1500)]
    records = [{"id": i, "text": base[i % 1500] + ("" if i < 1500 else " thêm")} for i in range(4500)]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    run(str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    report = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema())
    assert report["totals"]["clusters"] > 1000 and len(report["clusters"]) == 100
    assert len(report["documents"]) == 500 and report["totals"]["documents"] == 4500
    assert (tmp_path / "o" / "report.json").stat().st_size < 1_000_000
    removed = pq.read_table(tmp_path / "o" / "removed.parquet")
    totals = report["totals"]
    assert removed.num_rows == totals["exact_duplicates_removed"] + totals["near_duplicates_removed"] == 3000
    documents = pq.read_table(tmp_path / "o" / "documents.parquet")
    assert documents.num_rows == 4500 and sum(documents.column("emptied").to_pylist()) == 3000


def test_report_html_from_the_parquet_files_equals_the_runs_page(tmp_path: Path) -> None:
    run(str(SEEDS), "--out", str(tmp_path / "o"))
    page = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    res = CliRunner().invoke(main, ["report", str(tmp_path / "o"), "--html"])
    assert res.exit_code == 0 and "176 exact" in res.output
    assert (tmp_path / "o" / "report.html").read_text(encoding="utf-8") == page


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.mark.skipif(_browser() is None, reason="no Chromium: .ci/run installs it; skipped only where it cannot")
def test_report_html_in_a_real_browser(tmp_path: Path) -> None:
    run(str(SEEDS), "--out", str(tmp_path / "o"))
    page = (tmp_path / "o" / "report.html").as_uri()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000"]
    shot = tmp_path / "report.png"
    subprocess.run([_browser(), *flags, f"--screenshot={shot}", page], capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000  # text was painted
    dom = subprocess.run(
        [_browser(), *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "Việt Nam Dân chủ Cộng hòa" in dom  # Vietnamese survives the round trip
    assert dom.count('class="sortable"') == 2 and 'id="audit"' in dom


@given(
    st.lists(st.floats(0.0, 1.0) | st.sampled_from([0.8, 0.85, 0.849949999, 0.84995, 1.0, 0.99995]), max_size=40),
    st.sampled_from([0.5, 0.7, 0.8, 0.9]),
)
def test_similarities_rounded_and_binned_in_arrays_as_value_by_value(values: list[float], threshold: float) -> None:
    import numpy as np

    from seedclean.clustering.dedup import round_like_python
    from seedclean.report.summary import _histogram, _histogram_reference

    array = np.array(values, dtype=np.float64)
    assert round_like_python(array, 4).tolist() == [round(v, 4) for v in values]
    rounded = [round(v, 4) for v in values]
    assert _histogram(np.array(rounded), threshold) == _histogram_reference(rounded, threshold)
