"""removed.parquet: one row per removed unit, joinable by record id, agreeing with the output."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import seedclean
from seedclean.cli import main
from seedclean.text import segment

SEEDS = Path(__file__).parent.parent / "seeds"
VI = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam từ năm 1976 đến nay."


def invoke(*args: str) -> object:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


def corpus(n: int) -> list[str]:
    """Paragraphs with exact copies and one-word edits among them."""
    words = VI.split()
    base = [" ".join(random.Random(i).choices(words, k=30)) + f" số {i}." for i in range(n)]
    out = []
    for i in range(n * 2):
        text = base[i % n]
        if i % 7 == 3:
            text = text.replace("Nội", "Nam", 1)
        out.append(text)
    return out


def test_every_input_unit_is_written_or_removed_never_both(tmp_path: Path) -> None:
    texts = corpus(40)
    records = [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    removed = pq.read_table(tmp_path / "o" / "removed.parquet").to_pylist()
    written = {json.loads(line)["id"] for line in (tmp_path / "o" / "c.jsonl").read_text().splitlines()}
    gone = {r["record_id"] for r in removed}
    assert gone and written and not gone & written and gone | written == {r["id"] for r in records}
    for r in removed:
        assert r["id_from"] == "id" and r["kept_record_id"] in written
        assert r["text"] == seedclean.normalize(texts[int(r["record_id"][1:])])
        assert r["kept_text"] == seedclean.normalize(texts[int(r["kept_record_id"][1:])])
        assert (r["kind"] == "exact") == (r["text"] == r["kept_text"]) and r["similarity"] >= 0.8
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    totals = report["totals"]
    assert len(removed) == totals["exact_duplicates_removed"] + totals["near_duplicates_removed"]


def test_record_ids_without_an_id_field_are_line_and_row_numbers(tmp_path: Path) -> None:
    texts = ["Xin chào các bạn thân mến.", "Một câu khác hẳn ở đây.", "Xin chào các bạn thân mến."]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    pq.write_table(pa.table({"key": [10, 20, 30], "text": texts}), tmp_path / "p.parquet")
    invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "j"))
    [row] = pq.read_table(tmp_path / "j" / "removed.parquet").to_pylist()
    assert (row["record_id"], row["id_from"], row["kept_record_id"], row["doc"]) == ("3", "line", "1", "c.jsonl:3")
    invoke("run", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "p"), "--id-field", "key")
    [row] = pq.read_table(tmp_path / "p" / "removed.parquet").to_pylist()
    assert (row["record_id"], row["id_from"], row["kept_record_id"]) == ("30", "key", "10")
    invoke("run", str(tmp_path / "p.parquet"), "--out", str(tmp_path / "p2"))  # no "id" column
    [row] = pq.read_table(tmp_path / "p2" / "removed.parquet").to_pylist()
    assert (row["record_id"], row["id_from"]) == ("3", "row")


def test_spans_point_into_the_normalised_document(tmp_path: Path) -> None:
    text = "Đoạn một ở đây.\n\nĐoạn hai khác hẳn.\n\nĐoạn một ở đây.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    invoke("run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"))
    [row] = pq.read_table(tmp_path / "o" / "removed.parquet").to_pylist()
    assert row["unit"] == 2 and text[row["start"] : row["end"]] == "Đoạn một ở đây."
    assert [s.text for s in segment.split(text.rstrip("\n"), "blank")][2] == row["text"]


def test_explain_names_the_sixteen_copies_of_each_seed_001_paragraph(tmp_path: Path) -> None:
    invoke("run", str(SEEDS), "--out", str(tmp_path / "o"))
    res = CliRunner().invoke(main, ["explain", str(tmp_path / "o"), "001_501a62dae2258d1a.txt"])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0] == "001_501a62dae2258d1a.txt: 187 units, 11 kept, 176 removed"
    for paragraph in range(11):
        copies = [line for line in lines if line.endswith(f"unit {paragraph}, similarity 1.000")]
        assert len(copies) == 16, paragraph


def test_library_removed_table_and_explain() -> None:
    records = [{"id": 1, "text": "Chào bạn thân mến của tôi."}, {"id": 2, "text": "CHÀO BẠN THÂN MẾN CỦA TÔI."}]
    with seedclean.dedup(records) as result:
        table = result.removed
        assert table.num_rows == 1 and table.column("record_id").to_pylist() == ["2"]
        [row] = result.explain(2)
        assert row["kept_record_id"] == "1" and row["kind"] == "exact"


def test_record_ids_in_documents_parquet_and_the_report(tmp_path: Path) -> None:
    records = [{"id": f"r{i}", "text": t} for i, t in enumerate(["Một câu giống hệt nhau ở đây."] * 3)]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    invoke("run", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"))
    docs = pq.read_table(tmp_path / "o" / "documents.parquet").to_pylist()
    assert [(d["record_id"], d["id_from"]) for d in docs] == [("r0", "id"), ("r1", "id"), ("r2", "id")]
    report = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    assert [m["record"] for m in report["clusters"][0]["removed"]] == ["r1", "r2"]
    page = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "c.jsonl:2 #0 (record r1), c.jsonl:3 #0 (record r2)" in page


def test_removal_table_is_the_same_written_in_many_batches_or_one(tmp_path: Path, monkeypatch) -> None:
    import seedclean.report.removals

    src = tmp_path / "in.txt"
    src.write_text("\n\n".join(corpus(60)) + "\n", encoding="utf-8")
    invoke("run", str(src), "--out", str(tmp_path / "memory"))
    monkeypatch.setattr(seedclean.report.removals, "_CHUNK_ROWS", 7)  # many chunks, and a last partial one
    invoke("run", str(src), "--out", str(tmp_path / "parts"))
    memory = pq.read_table(tmp_path / "memory" / "removed.parquet")
    assert memory.num_rows > 20
    assert pq.read_table(tmp_path / "parts" / "removed.parquet").equals(memory)


def test_no_removed_text_leaves_the_texts_out_and_nothing_else(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("\n\n".join(corpus(40)) + "\n", encoding="utf-8")
    invoke("run", str(src), "--out", str(tmp_path / "with"))
    invoke("run", str(src), "--out", str(tmp_path / "without"), "--no-removed-text")
    full = pq.read_table(tmp_path / "with" / "removed.parquet")
    bare = pq.read_table(tmp_path / "without" / "removed.parquet")
    assert full.num_rows > 10 and "text" in full.column_names and "kept_text" in full.column_names
    assert bare.column_names == [n for n in full.column_names if n not in ("text", "kept_text")]
    assert bare.equals(full.drop_columns(["text", "kept_text"]))
    assert (tmp_path / "with" / "in.txt").read_bytes() == (tmp_path / "without" / "in.txt").read_bytes()
    report = json.loads((tmp_path / "without" / "report.json").read_text(encoding="utf-8"))
    assert report["options"]["removed_text"] is False
    invoke("report", str(tmp_path / "without"), "--html")  # re-rendering from the tables still works


@pytest.mark.parametrize("workers", ["1", "2"])
def test_keep_longest_removes_units_for_later_ones_and_names_them(tmp_path: Path, workers: str) -> None:
    """``--keep longest`` keeps a later, longer copy: the first record's row names the later one
    (a run once stopped here with a traceback: the table expected every kept unit to come first)."""
    longer = VI[:-1] + " và là trung tâm chính trị, văn hóa của cả nước."
    records = [{"id": "a", "text": VI}, {"id": "b", "text": "Một đoạn khác hẳn."}, {"id": "c", "text": longer}]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    out = tmp_path / "o"
    invoke(
        "run",
        str(tmp_path / "c.jsonl"),
        "--out",
        str(out),
        "--keep",
        "longest",
        "--threshold",
        "0.5",
        "--workers",
        workers,
    )
    written = [json.loads(line)["id"] for line in (out / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert written == ["b", "c"]
    rows = pq.read_table(out / "removed.parquet").to_pylist()
    assert [(r["record_id"], r["kept_record_id"], r["kind"]) for r in rows] == [("a", "c", "near")]
    assert rows[0]["text"] == VI and rows[0]["kept_text"] == longer
    library = seedclean.dedup(records, keep="longest", threshold=0.5).removed.to_pylist()
    assert [(r["record_id"], r["kept_record_id"]) for r in library] == [("a", "c")]
