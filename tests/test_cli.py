"""The command line and run(): outputs, formats, options, and every bad input named in issue 5."""

from __future__ import annotations

import gzip
import json
import os
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import seedclean
from seedclean.cli import main
from seedclean.io.write import atomic_write

SEEDS = Path(__file__).parent.parent / "seeds"
VI = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam từ năm 1976 đến nay."


def invoke(*args: str, input: bytes | str | None = None):
    runner = CliRunner()
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_run_seeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = invoke("run", str(SEEDS), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "176 exact" in res.output
    names = sorted(p.name for p in out.iterdir())
    reports = ["report.html", "report.json", "documents.parquet", "warnings.jsonl", "removed.parquet"]
    reports.append(".seedclean-manifest.json")
    expected = [p.name for p in SEEDS.glob("*.txt")] + reports
    assert names == sorted(expected)
    rep = _report(out)
    assert rep["schema"] == "seedclean.report/1"
    assert rep["totals"]["units_in"] == 246 and rep["totals"]["units_out"] == 70
    assert rep["options"]["dedup"]["threshold"] == 0.8
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<html" in html and "Cluster 0" in html


def test_same_input_byte_identical_outputs(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert invoke("run", str(SEEDS), "--out", str(a), "--granularity", "sentence").exit_code == 0
    assert invoke("run", str(SEEDS), "--out", str(b), "--granularity", "sentence", "--workers", "2").exit_code == 0
    for p in a.iterdir():
        if p.name == "report.json":
            ra, rb = _report(a), _report(b)
            for r in (ra, rb):
                r.pop("timings")
                r["options"].pop("workers")
            assert ra == rb
        elif p.name != "report.html":
            assert p.read_bytes() == (b / p.name).read_bytes(), p.name


def test_inputs_are_not_modified(tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in SEEDS.glob("*")}
    invoke("run", str(SEEDS), "--out", str(tmp_path / "o"))
    assert {p.name: p.read_bytes() for p in SEEDS.glob("*")} == before


def test_jsonl_in_jsonl_out(tmp_path: Path) -> None:
    src = tmp_path / "in" / "data.jsonl.gz"
    src.parent.mkdir()
    rows = [
        {"id": 1, "content": VI, "lang": "vi"},
        {"id": 2, "content": VI.upper()},
        {"id": 3, "content": "Khác hẳn."},
    ]
    src.write_bytes(gzip.compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()))
    out = tmp_path / "out"
    res = invoke("run", str(src.parent), "--out", str(out), "--text-field", "content")
    assert res.exit_code == 0, res.output
    got = [json.loads(line) for line in gzip.decompress((out / "data.jsonl.gz").read_bytes()).decode().splitlines()]
    assert got == [{"id": 1, "content": VI, "lang": "vi"}, {"id": 3, "content": "Khác hẳn."}]


def test_parquet_in_parquet_out(tmp_path: Path) -> None:
    src = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": [VI, VI, "Cộng hoà"], "n": [1, 2, 3]}), src)
    out = tmp_path / "out"
    res = invoke("run", str(src), "--out", str(out))
    assert res.exit_code == 0, res.output
    table = pq.read_table(out / "d.parquet").to_pylist()
    assert table == [{"text": VI, "n": 1}, {"text": "Cộng hòa", "n": 3}]


def test_parquet_without_the_text_column(tmp_path: Path) -> None:
    src = tmp_path / "d.parquet"
    pq.write_table(pa.table({"body": ["x"]}), src)
    res = invoke("run", str(src), "--out", str(tmp_path / "o"))
    assert res.exit_code == 3
    assert "no column 'text'" in res.output and "Traceback" not in res.output


def test_stdin(tmp_path: Path) -> None:
    res = invoke("run", "-", "--out", str(tmp_path / "o"), input=f"{VI}\n\n{VI}\n".encode())
    assert res.exit_code == 0
    assert (tmp_path / "o" / "stdin.txt").read_text(encoding="utf-8") == VI + "\n"


def test_dry_run_writes_only_reports(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert invoke("run", str(SEEDS), "--out", str(out), "--dry-run").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        ".seedclean-manifest.json",
        "documents.parquet",
        "removed.parquet",
        "report.html",
        "report.json",
        "warnings.jsonl",
    ]


def test_config_file_and_command_line_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("seedclean.toml").write_text('threshold = 0.5\ngranularity = "sentence"\n', encoding="utf-8")
    assert invoke("run", str(SEEDS), "--out", "a").exit_code == 0
    rep = _report(tmp_path / "a")
    assert rep["options"]["dedup"]["threshold"] == 0.5
    assert rep["options"]["dedup"]["granularity"] == "sentence"
    assert invoke("run", str(SEEDS), "--out", "b", "--threshold", "0.9").exit_code == 0
    assert _report(tmp_path / "b")["options"]["dedup"]["threshold"] == 0.9


def test_normalize_filter_and_report_command(tmp_path: Path) -> None:
    res = invoke("normalize", "--explain", input="Cộng hoà\u00a0xã hội\n".encode())
    assert res.exit_code == 0
    assert res.stdout.startswith("Cộng hòa xã hội\n")
    out = tmp_path / "o"
    invoke("run", str(SEEDS), "--out", str(out))
    (out / "report.html").unlink()
    res = invoke("report", str(out))
    assert res.exit_code == 0 and "176 exact" in res.output and not (out / "report.html").exists()
    res = invoke("report", str(out), "--html")
    assert res.exit_code == 0 and (out / "report.html").exists()
    assert invoke("report", str(tmp_path)).exit_code == 3


def test_version_and_help() -> None:
    assert seedclean.__version__ in invoke("--version").output
    assert "Examples" in invoke("--help").output
    assert "--threshold" in invoke("run", "--help").output


def test_python_dash_m_runs_the_command_line(tmp_path: Path) -> None:
    """``python -m seedclean`` is the same command, for environments without the script on PATH."""
    import subprocess
    import sys

    src = tmp_path / "a.txt"
    src.write_text("Một đoạn văn.\n\nMột đoạn văn.\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "seedclean", "run", str(src), "--out", str(tmp_path / "o"), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o" / "a.txt").read_text(encoding="utf-8") == "Một đoạn văn.\n"


# ---- bad input: a clear message or a counted warning naming the file, never a traceback ----


def test_missing_path(tmp_path: Path) -> None:
    res = invoke("run", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 3
    assert "input not found" in res.output and "nope" in res.output


def test_folder_without_matching_files(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("x")
    res = invoke("run", str(tmp_path / "in"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 3 and "no files matching" in res.output


def test_usage_error_exit_code(tmp_path: Path) -> None:
    assert invoke("run", str(SEEDS), "--out", str(tmp_path / "o"), "--threshold", "2").exit_code == 2
    assert invoke("run", str(SEEDS)).exit_code == 2


def _bad_folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (d / "latin1.txt").write_bytes("Café crème à Paris, señor.".encode("latin-1"))
    (d / "utf16.txt").write_bytes(("\ufeff" + VI).encode("utf-16-le"))
    (d / "badutf8.txt").write_bytes("Hà Nội ".encode() + b"\xff\xfe" + " là thủ đô.".encode())
    (d / "records.jsonl").write_text(
        json.dumps({"text": "Bản ghi tốt."}, ensure_ascii=False) + "\n{not json\n" + json.dumps({"body": "x"}) + "\n",
        encoding="utf-8",
    )
    return d


def test_bad_inputs_are_warned_and_no_text_is_lost(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = invoke("run", str(_bad_folder(tmp_path)), "--out", str(out), "-v")
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    rep = _report(out)
    kinds = {(w["kind"], w["file"]) for w in rep["warnings"]}
    assert ("empty", "empty.txt") in kinds
    assert ("binary", "binary.txt") in kinds
    assert ("legacy_decode", "latin1.txt") in kinds
    assert ("invalid_utf8", "badutf8.txt") in kinds
    assert ("bad_json", "records.jsonl") in kinds and ("no_text_field", "records.jsonl") in kinds
    lines = {w["line"] for w in rep["warnings"] if w["file"] == "records.jsonl"}
    assert lines == {2, 3}
    assert rep["warning_counts"]["bad_json"] == 1
    assert (out / "latin1.txt").read_text(encoding="utf-8") == "Café crème à Paris, señor."
    assert (out / "utf16.txt").read_text(encoding="utf-8") == VI
    assert (out / "badutf8.txt").read_text(encoding="utf-8") == "Hà Nội \ufffd\ufffd là thủ đô."
    assert json.loads((out / "records.jsonl").read_text(encoding="utf-8")) == {"text": "Bản ghi tốt."}
    assert "warning: binary.txt" in res.output
    assert invoke("run", str(tmp_path / "in"), "--out", str(tmp_path / "s"), "--strict", "-q").exit_code == 1


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "ok.txt").write_text(VI, encoding="utf-8")
    (d / "locked.txt").write_text("bí mật", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    res = invoke("run", str(d), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0
    rep = _report(tmp_path / "o")
    assert rep["warnings"] == [
        {"kind": "unreadable", "file": "locked.txt", "message": "cannot read: Permission denied"}
    ]


def test_output_folder_rules(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    res = invoke("run", str(SEEDS), "--out", str(out))
    assert res.exit_code == 4 and "not empty" in res.output and "--overwrite" in res.output
    res = invoke("run", str(SEEDS), "--out", str(out), "--overwrite")  # keep.txt is not seedclean's
    assert res.exit_code == 4 and "keep.txt" in res.output and "not written by seedclean" in res.output
    (out / "keep.txt").unlink()
    assert invoke("run", str(SEEDS), "--out", str(out)).exit_code == 0
    assert invoke("run", str(SEEDS), "--out", str(out), "--overwrite").exit_code == 0
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(VI, encoding="utf-8")
    res = invoke("run", str(d), "--out", str(d / "cleaned"))
    assert res.exit_code == 4 and "inside input" in res.output
    assert not (d / "cleaned").exists()


def test_huge_single_line(tmp_path: Path) -> None:
    rnd = random.Random(1)
    words = VI.split()
    line = " ".join(rnd.choice(words) + str(rnd.randrange(1000)) for _ in range(6_000_000))
    assert len(line.encode()) > 50_000_000
    (tmp_path / "big.txt").write_text(line, encoding="utf-8")
    res = invoke("run", str(tmp_path / "big.txt"), "--out", str(tmp_path / "o"), "-q")
    assert res.exit_code == 0
    assert (tmp_path / "o" / "big.txt").read_text(encoding="utf-8") == line


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x" / "f.txt"

    def boom(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"data")
    assert list(target.parent.iterdir()) == []


def test_library_run_and_streaming_helpers(tmp_path: Path) -> None:
    result = seedclean.run([str(SEEDS)], tmp_path / "o")
    assert result.report["totals"]["exact_duplicates_removed"] == 176
    assert list(seedclean.normalize_records(["hoá", {"text": "khoẻ", "id": 1}])) == [
        "hóa",
        {"text": "khỏe", "id": 1},
    ]
    batch = seedclean.normalize_batch({"text": ["thuỷ", None], "n": [1, 2]})
    assert batch == {"text": ["thủy", None], "n": [1, 2]}
    with pytest.raises(seedclean.InputError):
        seedclean.run([str(tmp_path / "missing")], tmp_path / "o2")


def test_streaming_helpers_batch_without_changing_results() -> None:
    lines = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    records: list[object] = []
    for k, text in enumerate(line for doc in lines for line in doc.split("\n")):
        records.append(text if k % 2 else {"text": text, "k": k})
    assert len(records) > 256  # more than one batch
    out = list(seedclean.normalize_records(iter(records)))
    expected = [
        seedclean.normalize(r) if isinstance(r, str) else {**r, "text": seedclean.normalize(r["text"])}  # type: ignore[index]
        for r in records
    ]
    assert out == expected
    assert any(o != r for o, r in zip(out, records))  # the seeds do need fixing
    column = [r if isinstance(r, str) else 7 for r in records]
    batch = seedclean.normalize_batch({"text": column})
    assert batch["text"] == [seedclean.normalize(t) if isinstance(t, str) else t for t in column]


def test_arrow_tables_in_and_out() -> None:
    """dedup() takes a pyarrow Table or RecordBatch (its rows) and gives a table back with the
    input's schema; normalize_batch() maps a table to a table, other columns untouched."""
    import pyarrow as pa

    table = pa.table(
        {
            "id": pa.array([1, 2, 3, 4], pa.int32()),
            "text": pa.array(["Sức khoẻ là vàng.", "SỨC KHỎE LÀ VÀNG.", None, "Hoà bình."], pa.large_string()),
            "score": [0.5, 0.25, 1.0, 2.0],
        }
    )
    rows = table.filter(pa.array([True, True, False, True]))
    for given in (rows, rows.to_batches()[0]):
        with seedclean.dedup(given) as result:
            out = result.to_arrow()
            assert list(result) == out.to_pylist()
        assert out.schema == table.schema
        assert out.to_pydict() == {"id": [1, 4], "text": ["Sức khỏe là vàng.", "Hòa bình."], "score": [0.5, 2.0]}
    with seedclean.dedup(["Chào bạn.", "Chào bạn."]) as result:
        assert result.to_arrow().to_pydict() == {"text": ["Chào bạn."]}
    with pytest.raises(KeyError, match="no 'body' column"):
        seedclean.dedup(pa.table({"text": ["x"]}), text_field="body")
    fixed = seedclean.normalize_batch(table)
    assert fixed.schema == table.schema and fixed.column("score").equals(table.column("score"))
    assert fixed.column("text").to_pylist() == ["Sức khỏe là vàng.", "SỨC KHỎE LÀ VÀNG.", None, "Hòa bình."]
    batch = seedclean.normalize_batch(table.to_batches()[0])
    assert isinstance(batch, pa.RecordBatch) and batch.column(1).to_pylist() == fixed.column("text").to_pylist()
    with pytest.raises(TypeError, match="normalize_batch"):
        list(seedclean.normalize_records(table))


def _bad_jsonl_folder(root: Path) -> Path:
    """A folder of JSONL files with what goes wrong in real corpora, big enough to be split."""
    src = root / "in"
    src.mkdir()
    lines: list[bytes] = [b"\xef\xbb\xbf" + json.dumps({"text": VI}, ensure_ascii=False).encode()]  # BOM, no id
    for seed in sorted(SEEDS.glob("*.txt")):
        for k, para in enumerate(seed.read_text(encoding="utf-8").split("\n\n")):
            record: dict[str, object] = {"text": para, "n": k}
            if k % 3:
                record["id"] = f"{seed.stem}-{k}"
            lines.append(json.dumps(record, ensure_ascii=False).encode())
    lines.insert(30, b"{not json")
    lines.insert(60, json.dumps({"id": "x", "body": "no text field"}).encode())
    lines.insert(70, b"")
    lines.insert(90, json.dumps({"text": "x" * 5000}).encode())  # over --max-record-bytes below
    lines.insert(120, b'{"text": "Vi\xe1\xbb\x87t \xff Nam"}')  # invalid UTF-8
    lines.insert(150, json.dumps({"text": "Ông Nam đã đến."}).encode())
    lines.insert(151, json.dumps({"text": "Ông Nam đã đến."}).encode())
    (src / "big.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (src / "empty.jsonl").write_bytes(b"\n\n")
    (src / "short.jsonl").write_bytes(b'{"text": "Xin ch\xc3\xa0o Vi\xe1\xbb\x87t Nam"}')  # no final newline
    return src


def _run_outputs(out: Path) -> dict[str, object]:
    got: dict[str, object] = {}
    for p in sorted(out.iterdir()):
        if p.name == "report.json":
            report = _report(out)
            report.pop("timings")
            report["options"].pop("workers")
            got[p.name] = report
        elif p.name != "report.html":
            got[p.name] = p.read_bytes()
    return got


def test_workers_reading_their_own_pieces_give_one_reads_output(tmp_path: Path, monkeypatch) -> None:
    """With several workers each reads line-aligned pieces of the files itself; ids, line numbers,
    warnings, outputs and reports are what one process reading the files in order gives."""
    import seedclean.engines.local

    src = _bad_jsonl_folder(tmp_path)
    args = ["run", str(src), "--max-record-bytes", "4000"]
    assert invoke(*args, "--out", str(tmp_path / "one")).exit_code == 0
    expected = _run_outputs(tmp_path / "one")
    warnings = [json.loads(line) for line in (tmp_path / "one" / "warnings.jsonl").read_text().splitlines()]
    kinds = {w["kind"] for w in warnings}
    assert {"bad_json", "no_text_field", "too_long", "invalid_utf8", "empty"} <= kinds, kinds
    assert all(w["line"] > 0 for w in warnings if w["file"] == "big.jsonl")
    for piece_bytes in (2_000, 50_000):
        monkeypatch.setattr(seedclean.engines.local, "PIECE_BYTES", piece_bytes)
        out = tmp_path / f"two-{piece_bytes}"
        assert invoke(*args, "--out", str(out), "--workers", "2").exit_code == 0
        assert _run_outputs(out) == expected, piece_bytes


def test_workers_reading_pieces_still_refuse_a_file_without_the_text_field(tmp_path: Path, monkeypatch) -> None:
    import seedclean.engines.local

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text("".join(json.dumps({"body": f"{VI} {k}"}) + "\n" for k in range(200)))
    monkeypatch.setattr(seedclean.engines.local, "PIECE_BYTES", 1_000)
    for workers in ("1", "2"):
        res = CliRunner().invoke(main, ["run", str(src), "--out", str(tmp_path / workers), "--workers", workers])
        assert res.exit_code == 3, res.output  # an input error
        assert "no record has a field 'text' (fields: body)" in res.output
        assert not (tmp_path / workers / "report.json").exists()


@pytest.mark.parametrize(("per_job", "workers"), [(1, 1), (3, 1), (4096, 1), (3, 2)])
@pytest.mark.parametrize("keep_empty", [False, True])
def test_rendered_lines_equal_the_document_by_document_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_job: int, workers: int, keep_empty: bool
) -> None:
    """JSONL is written from runs of lines rendered apart (the fast path, which workers can
    share); its reference is the writer that adds each document. Same bytes, whatever the run
    length, across files (one compressed), with multi-paragraph records, emptied records,
    records empty on input and other fields kept; rendered in the run's worker processes too."""
    import seedclean.engines.local as local_mod
    from seedclean.clustering.dedup import DedupResult

    shared = "Đoạn văn này được chép lại ở nhiều bản ghi khác nhau trong kho."
    records = [
        {"id": 1, "text": shared, "lang": "vi"},
        {"id": 2, "text": f"Mở đầu riêng của bản ghi hai.\n\n{shared}", "meta": {"n": [1, 2]}},
        {"id": 3, "text": shared},
        {"id": 4, "text": ""},
        {"id": 5, "text": 'Dòng "trích dẫn" với dấu \\ và tab\tở giữa.\n\nhoà hợp'},
        {"id": 6, "text": 'Dòng "trích dẫn" với dấu \\ và tab\tở giữa.'},
    ]
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    with gzip.open(src / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r, ensure_ascii=True) + "\n" for r in reversed(records)))
    monkeypatch.setattr(local_mod, "RENDER_DOCUMENTS", per_job)
    args = ["--workers", str(workers), *(["--keep-empty"] if keep_empty else [])]
    fast = invoke("run", str(src), "--out", str(tmp_path / "fast"), "-q", *args)
    monkeypatch.setattr(DedupResult, "renders_lines", property(lambda self: False))
    slow = invoke("run", str(src), "--out", str(tmp_path / "slow"), "-q", *args)
    assert fast.exit_code == slow.exit_code == 0
    for name in ("a.jsonl", "b.jsonl.gz"):
        got, want = (tmp_path / "fast" / name).read_bytes(), (tmp_path / "slow" / name).read_bytes()
        assert got == want
    a_lines = (tmp_path / "fast" / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(a_lines[0]) == records[0]  # read by hand: the first copy kept whole, other fields kept
    # records 3 and 6 (copies of 1 and of 5's first paragraph) emptied; record 4 was empty already
    assert [json.loads(line)["id"] for line in a_lines] == ([1, 2, 3, 4, 5, 6] if keep_empty else [1, 2, 4, 5])
    report = json.loads((tmp_path / "fast" / "report.json").read_text(encoding="utf-8"))
    assert report == json.loads((tmp_path / "slow" / "report.json").read_text(encoding="utf-8")) | {
        "timings": report["timings"]
    }
