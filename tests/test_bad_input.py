"""Every bad input a counted warning, never a traceback, a stall or a silent change (issue 14).

One test (or a few) per item of the issue, numbered as there."""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import json
import os
import random
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import seedclean
from seedclean.cli import main
from seedclean.clustering.dedup import DedupOptions
from seedclean.text import segment
from seedclean.text.normalize import _TRAILING_RE, NormalizeOptions
from seedclean.text.tones import _LETTER, _NON_ASCII, WORD_RE

SEEDS = Path(__file__).parent.parent / "seeds"
VI = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam từ năm 1976 đến nay."


def invoke(*args: str, input: bytes | str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def report(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def kinds(out: Path) -> dict[str, int]:
    return report(out)["warning_counts"]


def distinct(n: int) -> list[str]:
    words = VI.split()
    return [" ".join(random.Random(i).choices(words, k=25)) + f" {i}." for i in range(n)]


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


# 1 ------------------------------------------------------------------------------------------
def test_truncated_jsonl_gz_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    data = gzip.compress(jsonl([{"id": i, "text": t} for i, t in enumerate(distinct(300))]).encode())
    (tmp_path / "c.jsonl.gz").write_bytes(data[: len(data) * 2 // 3])
    res = invoke("run", str(tmp_path / "c.jsonl.gz"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    [w] = [w for w in report(tmp_path / "o")["warnings"] if w["kind"] == "damaged"]
    assert w["file"] == "c.jsonl.gz" and "truncated" in w["message"] and w["line"] > 100
    kept = gzip.decompress((tmp_path / "o" / "c.jsonl.gz").read_bytes()).decode().splitlines()
    assert [json.loads(line)["id"] for line in kept] == list(range(w["line"]))


def test_truncated_txt_gz_keeps_the_text_before_the_damage(tmp_path: Path) -> None:
    text = "\n\n".join(distinct(200)) + "\n"
    data = gzip.compress(text.encode())
    (tmp_path / "a.txt.gz").write_bytes(data[: len(data) // 2])
    res = invoke("run", str(tmp_path / "a.txt.gz"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0 and kinds(tmp_path / "o") == {"damaged": 1}
    out = gzip.decompress((tmp_path / "o" / "a.txt.gz").read_bytes()).decode()
    assert len(out) > 1000 and text.startswith(out.rsplit("\n\n", 1)[0])


# 2, 3, 7: other fields come back byte for byte ------------------------------------------------------
def test_other_jsonl_fields_are_copied_byte_for_byte(tmp_path: Path) -> None:
    lines = [
        '{"id":"\\udc80","text":"Cộng hoà."}',
        '{"n":' + "9" * 5000 + ',"text":"Khoẻ."}',
        '{"a":1e999, "b" : 1e5,"c":[1,{"d":null}],"text":"Thuỷ điện.","z":"\\u00e9"}',
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / "c.jsonl").read_text(encoding="utf-8").splitlines() == [
        '{"id":"\\udc80","text":"Cộng hòa."}',
        '{"n":' + "9" * 5000 + ',"text":"Khỏe."}',
        '{"a":1e999, "b" : 1e5,"c":[1,{"d":null}],"text":"Thủy điện.","z":"\\u00e9"}',
    ]


def test_lone_surrogate_in_the_text_is_repaired_and_counted(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text('{"text":"Xin \\udc80chào."}\n', encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"), "--no-normalize")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "o" / "c.jsonl").read_text(encoding="utf-8")) == {"text": "Xin \ufffdchào."}
    assert kinds(tmp_path / "o") == {"invalid_utf8": 1}
    with seedclean.dedup(["Xin \udc80chào."], normalize_options=None) as result:
        assert list(result) == ["Xin \ufffdchào."] and result.changes == {"surrogates": 1}


# 4 ------------------------------------------------------------------------------------------
def test_file_name_with_invalid_utf8_bytes(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    name = os.fsdecode(b"t\xffx.txt")
    (d / name).write_text(VI, encoding="utf-8")
    res = invoke("run", str(d), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / name).read_text(encoding="utf-8") == VI
    assert report(tmp_path / "o")["documents"][0]["id"] == "t\\xffx.txt"
    assert pq.read_table(tmp_path / "o" / "documents.parquet").column("id").to_pylist() == ["t\\xffx.txt"]


def test_a_link_to_nothing_is_a_warning_not_silence(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(VI, encoding="utf-8")
    (d / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (d / "other.bin").symlink_to(tmp_path / "nowhere.bin")  # not an input: no warning
    res = invoke("run", str(d), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    [w] = report(tmp_path / "o")["warnings"]
    assert w["kind"] == "unreadable" and w["file"] == "gone.txt" and "nowhere.txt" in w["message"]
    assert (tmp_path / "o" / "a.txt").read_text(encoding="utf-8") == VI


def test_a_gz_name_on_plain_or_empty_data_is_read_as_it_is(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "plain.jsonl.gz").write_text(json.dumps({"text": VI}, ensure_ascii=False) + "\n", encoding="utf-8")
    (d / "empty.txt.gz").write_bytes(b"")
    (d / "real.txt.gz").write_bytes(gzip.compress("Một đoạn khác hẳn.".encode()))
    res = invoke("run", str(d), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    got = {(w["kind"], w["file"]) for w in report(tmp_path / "o")["warnings"]}
    assert got == {("not_gzip", "plain.jsonl.gz"), ("empty", "empty.txt.gz")}  # not "damaged", nor line 0
    out = gzip.decompress((tmp_path / "o" / "plain.jsonl.gz").read_bytes()).decode("utf-8")
    assert json.loads(out) == {"text": VI}
    assert gzip.decompress((tmp_path / "o" / "real.txt.gz").read_bytes()).decode() == "Một đoạn khác hẳn."


# 5, 7: Parquet keeps its schema and row groups ----------------------------------------------------
def test_parquet_columns_schema_and_row_groups_are_kept(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2, 3, 4], pa.int32()),
            "f": pa.array([1.5, 2.5, 3.5, 4.5], pa.float32()),
            "cat": pa.array(["a", "b", "a", "b"]).dictionary_encode(),
            "nul": pa.array([None] * 4, pa.string()),
            "ts": pa.array([1, 2, 3, 4], pa.timestamp("ns")),
            "text": ["Xin chào.", "Xin chào.", "Sức khoẻ.", "Tạm biệt."],
        }
    )
    pq.write_table(table, tmp_path / "p.parquet", row_group_size=2)
    res = invoke("run", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    out = pq.ParquetFile(tmp_path / "o" / "p.parquet")
    assert out.schema_arrow == table.schema and out.metadata.num_row_groups == 2
    got = out.read()
    assert got.column("id").to_pylist() == [1, 3, 4]
    assert got.column("text").to_pylist() == ["Xin chào.", "Sức khỏe.", "Tạm biệt."]
    assert got.column("ts").cast(pa.int64()).to_pylist() == [1, 3, 4]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_parquet_with_view_typed_columns_is_written_with_its_types(tmp_path: Path, workers: str) -> None:
    """Arrow cannot take rows from string_view / binary_view columns (a run once stopped there
    with a traceback): they are taken as their large kind and cast back."""
    table = pa.table(
        {
            "text": pa.array(["Xin chào.", "Xin chào.", "Sức khoẻ.", "Tạm biệt."], pa.string_view()),
            "raw": pa.array([b"a", b"b", b"c", b"d"], pa.binary_view()),
            "id": pa.array([1, 2, 3, 4], pa.int64()),
        }
    )
    pq.write_table(table, tmp_path / "v.parquet", row_group_size=3)
    res = invoke("run", str(tmp_path / "v.parquet"), "--out", str(tmp_path / "o"), "--workers", workers)
    assert res.exit_code == 0, res.output
    got = pq.read_table(tmp_path / "o" / "v.parquet")
    assert got.schema == table.schema
    assert got.to_pydict() == {
        "text": ["Xin chào.", "Sức khỏe.", "Tạm biệt."],
        "raw": [b"a", b"c", b"d"],
        "id": [1, 3, 4],
    }


def test_parquet_text_column_that_holds_no_text_is_a_one_line_error(tmp_path: Path) -> None:
    pq.write_table(pa.table({"text": pa.array([["Xin chào."], ["Tạm biệt."]])}), tmp_path / "l.parquet")
    res = invoke("run", str(tmp_path / "l.parquet"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 3 and "Traceback" not in res.output
    assert res.output.strip().splitlines()[-1] == (
        "seedclean: error: l.parquet: column 'text' holds list<element: string>, not text; use --text-field"
    )
    # a column of nulls only is text that is missing: each row a warning, as before
    pq.write_table(pa.table({"text": pa.array([None, None], pa.null())}), tmp_path / "n.parquet")
    res = invoke("run", str(tmp_path / "n.parquet"), "--out", str(tmp_path / "o2"))
    assert res.exit_code == 0, res.output
    assert [w["kind"] for w in report(tmp_path / "o2")["warnings"]] == ["no_text_field", "no_text_field"]


# 6 ------------------------------------------------------------------------------------------
def test_deeply_nested_line_is_one_warning(tmp_path: Path) -> None:
    lines = ["[" * 100_000, '{"a":' + "[" * 100_000 + "]" * 100_000 + ',"text":"x"}', json.dumps({"text": VI})]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    assert [(w["kind"], w["line"]) for w in report(tmp_path / "o")["warnings"]] == [("bad_json", 1), ("bad_json", 2)]
    assert json.loads((tmp_path / "o" / "c.jsonl").read_text(encoding="utf-8")) == {"text": VI}


# 8 ------------------------------------------------------------------------------------------
def test_over_long_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    texts = distinct(3)
    records = [{"text": texts[0]}, {"text": "x " * 5000}, {"text": texts[2]}]
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress(jsonl(records).encode()))
    res = invoke("run", str(tmp_path / "c.jsonl.gz"), "--out", str(tmp_path / "o"), "--max-record-bytes", "2000")
    assert res.exit_code == 0, res.output
    [w] = report(tmp_path / "o")["warnings"]
    assert w["kind"] == "too_long" and w["line"] == 2 and "10,013 bytes" in w["message"]
    out = gzip.decompress((tmp_path / "o" / "c.jsonl.gz").read_bytes()).decode().splitlines()
    assert [json.loads(x)["text"] for x in out] == [texts[0], texts[2]]


# 9, 19: config --------------------------------------------------------------------------------
def test_config_problems_are_usage_errors_naming_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = str(tmp_path / "o")
    Path("pyproject.toml").write_text("[tool]\nseedclean = 1\n")
    res = invoke("run", str(SEEDS), "--out", out)
    assert res.exit_code == 2 and "[tool.seedclean] must be a table" in res.output
    Path("pyproject.toml").write_text('tool = "x"\n')  # not ours: ignored
    assert invoke("run", str(SEEDS), "--out", out, "-q").exit_code == 0
    Path("seedclean.toml").write_text("thresold = 0.5\n")
    res = invoke("run", str(SEEDS), "--out", out, "--overwrite")
    assert res.exit_code == 2 and "unknown key 'thresold'; did you mean 'threshold'?" in res.output
    Path("seedclean.toml").write_text('threshold = "high"\n')
    res = invoke("run", str(SEEDS), "--out", out, "--overwrite")
    assert res.exit_code == 2 and "key 'threshold'" in res.output
    Path("seedclean.toml").write_text("ngram = true\n")
    res = invoke("run", str(SEEDS), "--out", out, "--overwrite")
    assert res.exit_code == 2 and "key 'ngram'" in res.output


def test_config_is_recorded_applies_to_normalize_and_works_after_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("seedclean.toml").write_text('tone_style = "hoà"\nthreshold = 0.5\n', encoding="utf-8")
    res = invoke("normalize", input="Thủy điện khỏe.")
    assert res.exit_code == 0 and res.output == "Thuỷ điện khoẻ."
    Path("other.toml").write_text("threshold = 0.6\n")
    res = invoke("run", str(SEEDS), "--out", "o", "--config", "other.toml", "-v")
    assert res.exit_code == 0 and "config: other.toml" in res.output
    rep = report(tmp_path / "o")
    assert rep["options"]["config_file"] == "other.toml" and rep["options"]["dedup"]["threshold"] == 0.6
    res = invoke("run", str(SEEDS), "--out", "o2", "--threshold", "0.7")  # the command line wins
    assert report(tmp_path / "o2")["options"]["dedup"]["threshold"] == 0.7
    assert report(tmp_path / "o2")["options"]["config_file"] == "seedclean.toml"


# 10 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["--threshold", "nan"],
        ["--threshold", "inf"],
        ["--seed", "-1"],
        ["--seed", "99999999999999999999"],
        ["--bands", "4"],
        ["--bands", "100", "--rows", "100"],
    ],
)
def test_bad_option_values_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    res = invoke("run", str(SEEDS), "--out", str(tmp_path / "o"), *args)
    assert res.exit_code == 2 and "Traceback" not in res.output and "Error" in res.output


# 11 -----------------------------------------------------------------------------------------
def test_report_command_on_bad_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    assert invoke("run", str(SEEDS), "--out", str(out)).exit_code == 0
    good = report(out)
    cases: list[Any] = [[1, 2], {"schema": "seedclean.report/1"}, {**good, "lsh": {"bands": "<script>", "rows": 1}}]
    for bad in cases:
        (out / "report.json").write_text(json.dumps(bad), encoding="utf-8")
        res = invoke("report", str(out), "--html")
        assert res.exit_code == 3 and "unreadable report" in res.output and "Traceback" not in res.output
    crafted = json.loads(json.dumps(good))
    crafted["documents"][0]["id"] = "<script>alert(1)</script>"
    crafted["warnings"] = [{"kind": "<b>", "file": "<i>", "message": "<script>x</script>", "line": 3}]
    (out / "report.json").write_text(json.dumps(crafted), encoding="utf-8")
    (out / "documents.parquet").unlink()  # the page then lists report.json's documents
    assert invoke("report", str(out), "--html").exit_code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<script>") == 1 and "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    (out / "report.json").unlink()
    (out / "report.json").mkdir()
    res = invoke("report", str(out), "--html")
    assert res.exit_code == 3 and "cannot read" in res.output
    (out / "report.json").rmdir()
    (out / "report.json").write_text(json.dumps(good), encoding="utf-8")

    def refuse(*args: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("seedclean.cli.atomic_write", refuse)
    res = invoke("report", str(out), "--html")
    assert res.exit_code == 4 and "cannot write" in res.output and "Permission denied" in res.output


# 12 -----------------------------------------------------------------------------------------
def test_records_with_empty_text_are_kept_and_counted(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text(jsonl([{"id": 1, "text": ""}, {"id": 2, "text": VI}]), encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0
    lines = (tmp_path / "o" / "c.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in lines] == [1, 2]
    assert kinds(tmp_path / "o") == {"empty_text": 1}


# 13 -----------------------------------------------------------------------------------------
def test_utf32_with_bom_is_not_read_as_utf16(tmp_path: Path) -> None:
    text = "Xin chào 😀 漢字 Việt Nam."
    (tmp_path / "a.txt").write_bytes(codecs.BOM_UTF32_LE + text.encode("utf-32-le"))
    assert invoke("run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o")).exit_code == 0
    assert (tmp_path / "o" / "a.txt").read_text(encoding="utf-8") == text
    assert report(tmp_path / "o")["warnings"] == []


# 14 -----------------------------------------------------------------------------------------
def test_invisible_only_file_duplicate_key_and_unreadable_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "in"
    (d / "locked").mkdir(parents=True)
    (d / "locked" / "x.txt").write_text(VI, encoding="utf-8")
    (d / "zw.txt").write_text("\u200b\u200d\ufeff\n", encoding="utf-8")
    (d / "dup.jsonl").write_text('{"text":"A","text":"Xin chào các bạn."}\n', encoding="utf-8")
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if isinstance(path, (str, os.PathLike)) and Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    res = invoke("run", str(d), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    found = {(w["kind"], w["file"]) for w in report(tmp_path / "o")["warnings"]}
    assert found == {("empty", "zw.txt"), ("duplicate_key", "dup.jsonl"), ("unreadable", "locked")}
    # json.loads keeps the last value, so the last is the text; the first is copied as it was
    assert (tmp_path / "o" / "dup.jsonl").read_text(encoding="utf-8") == '{"text":"A","text":"Xin chào các bạn."}\n'
    res = invoke("run", str(d / "locked"), "--out", str(tmp_path / "o2"))
    assert res.exit_code == 3 and "cannot read folder" in res.output and "Permission denied" in res.output


# 15 -----------------------------------------------------------------------------------------
JOINERY = st.lists(st.sampled_from(list("aeoiuyAÊỹủđ \u0301\u200c\u200d\n\u00a0") + ["ươ"]), max_size=30).map("".join)


@given(JOINERY)
def test_normalize_is_idempotent_around_joiners(text: str) -> None:
    once = seedclean.normalize(text)
    assert seedclean.normalize(once) == once


def test_the_reported_idempotence_case() -> None:
    once = seedclean.normalize("ỹ\u200dủÊ")
    assert "\u200d" not in once and seedclean.normalize(once) == once


# 16-18: linear passes: the fast regexes equal their reference twins, and 1 MB inputs run ---------------
OLD_WORD_RE = re.compile(rf"[A-Za-z]*(?:[{_NON_ASCII}][{_LETTER}]*)")
OLD_TRAILING_RE = re.compile(" +(?=\n)| +$")
WORDISH = st.text(alphabet=st.sampled_from(list("ab Zé ủ\u0301.-\nđ")), max_size=60)


@given(WORDISH)
def test_word_regex_finds_what_the_unanchored_one_found(text: str) -> None:
    assert [m.span() for m in WORD_RE.finditer(text)] == [m.span() for m in OLD_WORD_RE.finditer(text)]


@given(st.text(alphabet=st.sampled_from(list("a \n\t")), max_size=60))
def test_trailing_space_regex_equals_its_reference(text: str) -> None:
    assert _TRAILING_RE.sub("", text) == OLD_TRAILING_RE.sub("", text)
    assert _TRAILING_RE.sub("", text) == "\n".join(line.rstrip(" ") for line in text.split("\n"))


def _sentences_reference(text: str) -> list[str]:
    """The sentence split as it was: the abbreviation test on the whole growing piece."""
    out, start = [], 0
    for m in segment._SENTENCE_END.finditer(text):
        piece = text[start : m.start(1)]
        if segment._ABBREV.search(piece):
            continue
        out.append(piece)
        start = m.end(1)
    return [*out, text[start:]]


@given(st.lists(st.sampled_from(["Tp.", "A.", "v.v.", "ThS.", "Hà", "Nội.", "Đi!", "x", "TP."]), max_size=30))
def test_sentence_split_equals_its_reference(words: list[str]) -> None:
    text = " ".join(words)
    got = [s.text for s in segment._sentences(segment.Segment(text, ""))]
    assert got == _sentences_reference(text)


MB = 1_000_000


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Xin chào " + "a" * MB, "Xin chào " + "a" * MB),
        ("Xin chào" + " " * MB + "các bạn.", "Xin chào các bạn."),
        ("dd" * (MB // 2), "dd" * (MB // 2)),
        ("a\u200d" * (MB // 2), "a" * (MB // 2)),
    ],
    ids=["ascii-word", "space-run", "dd", "joiners"],
)
def test_one_megabyte_patterns_normalise(text: str, expected: str) -> None:
    assert seedclean.normalize(text) == expected


@pytest.mark.parametrize("text", ["Tp. " * (MB // 4), "A. " * (MB // 3)], ids=["Tp", "A"])
def test_one_megabyte_abbreviation_runs_split(text: str) -> None:
    assert "".join(s.prefix + s.text for s in segment.split(text, "blank", "sentence")) == text


# 20 -----------------------------------------------------------------------------------------
def test_every_option_field_has_a_flag_with_the_library_default() -> None:
    from seedclean.cli import run_cmd

    params = {p.name: p for p in run_cmd.params}
    for cls in (DedupOptions, NormalizeOptions):
        for f in dataclasses.fields(cls):
            assert f.name in params, f"no flag for {cls.__name__}.{f.name}"
            assert params[f.name].default == f.default, f.name
    assert params["tone_style"].type.choices == ("hòa", "hoà", "keep")  # type: ignore[attr-defined]


# 21 -----------------------------------------------------------------------------------------
def test_progress_counts_documents_per_stage_without_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text(jsonl([{"text": t} for t in distinct(200)]), encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    assert re.search(r"seedclean: read\+normalise done: 200 documents", res.output)
    assert "seedclean: exact+near+decide done" in res.output
    assert re.search(r"seedclean: write done: 200 documents", res.output)
    quiet = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "q"), "-q")
    assert quiet.output == ""


def test_progress_lines_never_count_documents_against_another_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a 1M run printed "read+normalise: 292,096 of 148 documents" (148 pieces) and
    # "exact+near+decide: 1 documents" (a one-step stage) in its 10-second lines
    import seedclean.cli
    import seedclean.engines.local

    monkeypatch.setattr(seedclean.cli._Progress.__init__, "__defaults__", (0.0,))  # a line per item
    monkeypatch.setattr(seedclean.engines.local, "PIECE_BYTES", 4096)  # several pieces
    (tmp_path / "c.jsonl").write_text(jsonl([{"text": t} for t in distinct(300)]), encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"), "--workers", "2")
    lines = res.output.splitlines()
    reading = [line for line in lines if line.startswith("seedclean: read+normalise: ")]
    assert len(reading) >= 2 and not any(" of " in line for line in reading)
    assert re.search(r"seedclean: read\+normalise done: 300 documents", res.output)
    assert not any(line.startswith("seedclean: exact+near+decide: ") for line in lines)
    writing = [line for line in lines if line.startswith("seedclean: write: ")]
    assert writing and all(" of 300 documents" in line for line in writing)


# 22 -----------------------------------------------------------------------------------------
def test_normalise_only_and_exact_only_modes(tmp_path: Path) -> None:
    assert invoke("run", str(SEEDS), "--out", str(tmp_path / "n"), "--no-dedup").exit_code == 0
    totals = report(tmp_path / "n")["totals"]
    assert (
        totals["units_in"] == totals["units_out"] == 246 and report(tmp_path / "n")["options"]["dedup"]["mode"] == "off"
    )
    assert (tmp_path / "n" / "003_237255f19d5a5d01.txt").read_text(encoding="utf-8").count("hóa") > 0
    assert invoke("run", str(SEEDS), "--out", str(tmp_path / "e"), "--exact-only").exit_code == 0
    totals = report(tmp_path / "e")["totals"]
    assert totals["exact_duplicates_removed"] == 176 and totals["near_duplicates_removed"] == 0
    res = invoke("run", str(SEEDS), "--out", str(tmp_path / "x"), "--exact-only", "--no-dedup")
    assert res.exit_code == 2


def test_normalize_command_on_jsonl_touches_only_the_text(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text('{"n":1e5,"text":"Thuỷ điện"}\nnot json\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["normalize", str(tmp_path / "c.jsonl")])
    assert res.exit_code == 0
    assert res.stdout == '{"n":1e5,"text":"Thủy điện"}\n'
    assert f"{tmp_path / 'c.jsonl'}:2" in res.stderr or "c.jsonl:2" in res.stderr


# 23 -----------------------------------------------------------------------------------------
def test_jsonl_without_the_text_field_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text(jsonl([{"content": VI}, {"content": "x"}]), encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 3 and "no record has a field 'text'" in res.output and "content" in res.output
    assert not (tmp_path / "o").exists()


def test_strict_quiet_prints_the_warning_count(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text('{"text":"Xin chào."}\nnot json\n', encoding="utf-8")
    res = invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"), "--strict", "-q")
    assert res.exit_code == 1 and "1 warning (--strict)" in res.output


# 24 -----------------------------------------------------------------------------------------
def test_library_refuses_what_it_would_misread() -> None:
    with pytest.raises(TypeError, match=r"dedup\(\[text\]\)"):
        seedclean.dedup("Xin chào.")
    with pytest.raises(TypeError, match="one dict"):
        seedclean.dedup({"text": "Xin chào."})

    class FakeFrame:  # what pandas and polars DataFrames look like to dedup()
        columns = ["text"]
        shape = (1, 1)

        def __iter__(self) -> Any:
            return iter(self.columns)

    with pytest.raises(TypeError, match="to_dict"):
        seedclean.dedup(FakeFrame())
    with pytest.raises(TypeError, match="DedupOptions"):
        seedclean.dedup(["x"], options={"threshold": 0.5})  # type: ignore[arg-type]


def test_a_closed_result_raises_instead_of_yielding_nothing() -> None:
    with seedclean.dedup(["Xin chào.", "Xin chào."]) as result:
        assert list(result) == ["Xin chào."]
    with pytest.raises(ValueError, match="closed"):
        list(result)


def test_run_options_take_the_same_overrides_as_dedup(tmp_path: Path) -> None:
    opts = seedclean.RunOptions(threshold=0.7, tone_style="hoà", overwrite=True)
    assert opts.dedup.threshold == 0.7 and opts.normalize is not None and opts.normalize.tone_style == "hoà"
    assert opts.overwrite
    with pytest.raises(TypeError, match="thresold"):
        seedclean.RunOptions(thresold=0.7)
    run = seedclean.run([str(SEEDS)], tmp_path / "o", opts)
    assert run.report["options"]["dedup"]["threshold"] == 0.7
