"""The JSONL line parser against Python's json: same text value, same id, the line cut exactly
around the text value (so other fields are written back byte for byte)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seedclean.io.jsonline import MISSING, JsonLineError, parse_line

KEYS = st.sampled_from(["text", "id", "meta", "url", "tẽxt", 'te"xt', "t\\ext"])
SCALARS = st.one_of(
    st.text(max_size=20),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=6
)
SPACE = st.sampled_from(["", " ", "  ", "\t", " \r "])


@st.composite
def json_lines(draw: st.DrawFn) -> str:
    """One JSON object per line, with keys repeated at times and whitespace anywhere allowed."""
    items = draw(st.lists(st.tuples(KEYS, VALUES), max_size=5))
    ascii_only = draw(st.booleans())
    parts = [
        draw(SPACE)
        + json.dumps(k, ensure_ascii=ascii_only)
        + draw(SPACE)
        + ":"
        + draw(SPACE)
        + json.dumps(v, ensure_ascii=ascii_only)
        + draw(SPACE)
        for k, v in items
    ]
    return draw(SPACE) + "{" + ",".join(parts) + (draw(SPACE) if not parts else "") + "}" + draw(SPACE) + "\n"


@given(json_lines())
def test_parse_line_agrees_with_json(line: str) -> None:
    expected = json.loads(line)
    keys = [k for k, _ in json.loads(line, object_pairs_hook=list)]  # top level: every occurrence
    parsed = parse_line(line, "text", "id")
    body = line.rstrip("\r\n")
    if "text" not in expected:
        assert parsed.text is MISSING and not parsed.is_text and parsed.line is None
    else:
        value = expected["text"]
        assert parsed.occurrences == keys.count("text")
        assert parsed.is_text == isinstance(value, str)
        if isinstance(value, str):
            assert parsed.text == value
            assert parsed.line is not None
            # the cut: the line is head + the text value as it stood + tail
            raw = body[len(parsed.line.head) : len(body) - len(parsed.line.tail)]
            assert json.loads(raw) == value
            assert json.loads(parsed.line.with_text(value)) == expected | {"text": value}
    if "id" in expected:
        if isinstance(expected["id"], str):
            assert parsed.record_id == expected["id"] or "\\ud" in parsed.record_id.lower()
        else:
            assert json.loads(parsed.record_id) == expected["id"]
    else:
        assert parsed.record_id is None


@pytest.mark.parametrize(
    "line",
    [
        '{"text": "a"',
        '{"text": "a",}',
        '{"text" "a"}',
        '{"text": "a"} x',
        "",
        '{"text": tru}',
        "{'text': 1}",
    ],
)
def test_parse_line_refuses_what_json_refuses(line: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
    with pytest.raises(JsonLineError):
        parse_line(line, "text")


def test_parse_line_refuses_json_that_is_not_one_object() -> None:
    for line in ('["text"]', '"text"', "1"):
        json.loads(line)
        with pytest.raises(JsonLineError, match="not a JSON object"):
            parse_line(line, "text")


@given(st.text(), st.text(max_size=5), st.text(max_size=5))
def test_with_text_writes_what_json_dumps_writes(text: str, head: str, tail: str) -> None:
    """The output line's text value, escaped without an encoder per record, against the
    reference: json.dumps(text, ensure_ascii=False), character for character."""
    from seedclean.io.jsonline import JsonLine

    assert JsonLine(head, tail).with_text(text) == head + json.dumps(text, ensure_ascii=False) + tail


# the compiled line scanner: the reader with it reads what the line-by-line reader reads ------------

BREAKERS = ['"', "\\", "\\u", "\\ud800", ",", "}", "{", "[", "]", ":", "x", "\x01", "NaN", "-", ".", "e", "0", " "]


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    """A JSONL line as bytes: a valid object (often with the text field), or one broken by a cut,
    an inserted character, a stray byte, a BOM, a CR LF ending or nothing but spaces."""
    line = draw(json_lines()).rstrip("\n")
    if draw(st.booleans()):
        line = line[:-1] + draw(st.sampled_from([', "text": "một hai"}', ', "id": "r1", "text": "a\\"b\\u00e0"}', "}"]))
    kinds = ["plain", "plain", "cut", "insert", "insert", "byte", "bom", "crlf", "blank", "deep", "twice", "raw"]
    kind = draw(st.sampled_from(kinds))
    if kind == "cut":
        line = line[: draw(st.integers(0, max(len(line) - 1, 0)))]
    elif kind == "insert":
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.sampled_from(BREAKERS)) + line[at:]
    elif kind == "blank":
        line = draw(st.sampled_from(["", " ", " \t ", "\r", "\x0b"]))
    elif kind == "twice":  # the text field twice, the first maybe not a string
        line = '{"text": ' + draw(st.sampled_from(['"a"', "1", "null", "[]"])) + ', "id": 2, "text": "b"}'
    elif kind == "raw":  # a raw character in the text value: control characters are not JSON
        line = '{"id": 1, "text": "x' + draw(st.sampled_from(["\x01", "\x1f", "\t", "\x7f", "\u2028"])) + 'y"}'
    elif kind == "deep":
        depth = draw(st.integers(60, 70))
        line = '{"text": "a", "x": ' + "[" * depth + "]" * depth + "}"
    data = line.encode("utf-8", "surrogatepass")
    if kind == "byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe1\xba"])) + data[at:]
    if kind == "bom":
        data = b"\xef\xbb\xbf" + data
    return data + (b"\r\n" if kind == "crlf" else b"\n")


def _read_both(lines: list[bytes], chunk_lines: int, limit: int) -> dict[bool, tuple[object, ...]]:
    import io
    from types import SimpleNamespace
    from unittest import mock

    from seedclean.io import read

    out: dict[object, tuple[object, ...]] = {}
    for scan in (True, False, "block"):  # lines read one by one (scanned or not), or all at once
        warnings = read.Warnings()
        f = SimpleNamespace(name="in.jsonl")
        data = b"".join(lines)
        stream = data if scan == "block" else read._bounded_lines(io.BytesIO(data), limit)
        with mock.patch.object(read, "_CHUNK_LINES", chunk_lines), mock.patch.object(read, "_CHUNK_BYTES", 200):
            try:
                found = read._read_jsonl(0, f, stream, "text", warnings, scan=bool(scan), limit=limit)
                docs = [(d.id, d.text, d.meta) for d in found]
                error = None
            except read.InputError as exc:
                docs, error = [], str(exc)
        out[scan] = (docs, warnings.items, error)
    return out


@given(st.lists(jsonl_bytes(), max_size=8), st.integers(1, 4), st.sampled_from([40, 1 << 20]))
def test_the_scanned_reader_reads_what_the_line_reader_reads(lines: list[bytes], chunk: int, limit: int) -> None:
    both = _read_both(lines, chunk, limit)
    assert both[True] == both[False] == both["block"]


def test_a_null_id_names_the_record_by_its_line_on_both_readers() -> None:
    """A JSON null id is no id (as a Parquet null is): the line number names the record, on the
    scanned path and the line-by-line one; the string "null" is an id."""
    lines = [
        b'{"id": null, "text": "a"}\n',
        b'{"id" : null , "text": "b", "n": NaN}\n',
        b'{"id": "null", "text": "c"}\n',
    ]
    both = _read_both(lines, 4, 1 << 20)
    assert both[True] == both[False]
    docs, warnings, error = both[True]
    assert [(m["record_id"], m["id_from"]) for _, _, m in docs] == [("1", "line"), ("2", "line"), ("null", "id")]  # type: ignore[index, union-attr]
    assert warnings == [] and error is None


def test_the_scanner_reads_plain_records_and_leaves_the_rest_to_the_line_reader() -> None:
    import numpy as np

    from seedclean.io.jsonline import SCAN_BLANK, SCAN_READ, SCAN_SLOW, scan_lines

    cases = {
        '{"id": 1, "text": "Xin chào", "meta": {"a": [1, 2.5e-3, null, true, false, {}]}}': SCAN_READ,
        '  {"text":"a\\"\\u00e0\\n"}  \r': SCAN_READ,
        '{"text": "a", "id": "x"}': SCAN_READ,
        "   \t": SCAN_BLANK,
        '{"text": NaN}': SCAN_SLOW,  # Python reads NaN; the scanner leaves it to the line reader
        '{"text": "a", "n": NaN}': SCAN_SLOW,
        '{"te\\u0078t": "a"}': SCAN_SLOW,  # an escaped key
        '{"text": "a", "text": "b"}': SCAN_SLOW,  # the line reader warns of the repeat
        '{"text": 1}': SCAN_SLOW,
        '{"id": 1}': SCAN_SLOW,
        '{"text": "a",}': SCAN_SLOW,
        '{"text": "a\x01"}': SCAN_SLOW,  # a raw control character
        '{"text": "a", "n": 01}': SCAN_SLOW,
        '{"text": "a", "n": 1.}': SCAN_SLOW,
        '{"text": "a", "n": -}': SCAN_SLOW,
        '["text"]': SCAN_SLOW,
        '{"text": "a"} x': SCAN_SLOW,
        '{"text": "a", "x": ' + "[" * 65 + "]" * 65 + "}": SCAN_SLOW,  # deeper than the scanner goes
    }
    data = "".join(cases).encode("utf-8")
    ends = np.cumsum([len(c.encode("utf-8")) for c in cases])
    scan = scan_lines(np.frombuffer(data, dtype=np.uint8), ends - [len(c.encode()) for c in cases], ends, "text", "id")
    assert dict(zip(cases, scan.status.tolist())) == cases


# rendering: the compiled JSONL line writer writes what the Python one writes ----------------------

RENDER_TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["", " ", "a\x01b", 'x"y\\z', "\x7f\u2028\t", "hai dòng\nthứ hai", "đoạn\n\nđoạn", "\b\f\r"]),
)


@given(st.lists(st.tuples(RENDER_TEXTS, st.booleans()), max_size=10), st.booleans(), st.booleans())
def test_rendered_lines_are_what_the_python_writer_writes(docs: list[tuple[str, bool]], empty: bool, ids: bool) -> None:
    import numpy as np

    from seedclean.clustering.dedup import DedupOptions, Document, RenderJob, prepare_batch
    from seedclean.io.write import render_lines, render_lines_reference

    records = []
    for k, (text, _keep) in enumerate(docs):
        line = json.dumps({"id": k, "text": text} if ids else {"text": text, "n": [k]}, ensure_ascii=k % 2 == 0)
        parsed = parse_line(line, "text", "id")
        meta = {"file": 0, "record": parsed.line, "record_id": str(k), "id_from": "id"}
        records.append(Document(f"in.jsonl:{k + 1}", text, meta))
    p = prepare_batch(records, DedupOptions(), None)
    keep = np.array([keep for (_text, keep), n in zip(docs, p.docs.units_in.tolist()) for _ in range(n)], dtype=bool)
    job = RenderJob.of_prepared(p, 0, keep, empty)
    fast, plain = render_lines(job, "text"), render_lines_reference(job, "text")
    assert fast.lines == plain.lines
    assert fast.line_ends.tolist() == plain.line_ends.tolist() and fast.bytes_out.tolist() == plain.bytes_out.tolist()


def test_shown_text_check_is_the_character_rule_for_every_code_point() -> None:
    """``\\s`` in the fast check is exactly ``str.isspace``: every code point alone, and padded."""
    from seedclean.io.read import _has_text, _has_text_reference

    for cp in range(0x110000):
        ch = chr(cp)
        assert _has_text(ch) == _has_text_reference(ch), hex(cp)
    assert not _has_text(" \u00a0\t\u200b\ufeff\u00ad\n") and _has_text(" \u200b x ")


@given(
    st.text(
        alphabet=st.sampled_from(list(" \t\n\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff\u00adaẠ.\u0301")), max_size=12
    )
)
def test_shown_text_check_agrees_with_its_reference(text: str) -> None:
    from seedclean.io.read import _has_text, _has_text_reference

    assert _has_text(text) == _has_text_reference(text)


def test_a_cut_string_is_named_once_with_its_column() -> None:
    with pytest.raises(JsonLineError) as err:
        parse_line('{"id": 2, "text": "broken', "text")
    assert str(err.value) == "invalid JSON: Unterminated string starting at column 19"


@given(
    st.lists(jsonl_bytes(), max_size=8),
    st.sampled_from(["", "Dòng một.\\nDòng hai.", "Đoạn một.\\n\\nĐoạn hai.", "ho\\u00e0 ho\\u00e0"]),
)
def test_records_read_as_columns_prepare_as_the_documents_do(lines: list[bytes], multi: str) -> None:
    """The reader's columns (JsonlRecords, what a piece of a JSONL file becomes) give the same
    warnings and, prepared, the same document table, spool entries and units as the documents
    the reader yields otherwise."""
    import io
    from types import SimpleNamespace

    from seedclean.clustering.dedup import DedupOptions, prepare_batch
    from seedclean.io import read
    from seedclean.io.jsonline import JsonlRecords

    lines = [*lines, ('{"id": 7, "text": "' + multi + '"}\n').encode()]
    f = SimpleNamespace(name="in.jsonl")
    results = []
    for as_columns in (False, True):
        warnings = read.Warnings()
        stream = read._bounded_lines(io.BytesIO(b"".join(lines)), 1 << 20)
        columns = JsonlRecords(3, "in.jsonl") if as_columns else None
        try:
            docs = list(read._read_jsonl(3, f, stream, "text", warnings, columns=columns))
        except read.InputError as exc:
            results.append((str(exc), warnings.items))
            continue
        records = columns if columns is not None else docs
        assert not (as_columns and docs)  # with columns, nothing is yielded
        p = prepare_batch(records, DedupOptions())
        table = p.docs
        results.append(
            (
                list(table.ids),
                list(table.record_ids),
                table.id_from,
                table.modes,
                table.units_in.tolist(),
                table.bytes_in.tolist(),
                table.files.tolist(),
                p.payload,
                p.payload_sizes.tolist(),
                p.unit_utf8.tobytes(),
                p.unit_spans.tolist(),
                warnings.items,
            )
        )
    assert results[0] == results[1]


@given(st.lists(jsonl_bytes(), min_size=1, max_size=10), st.integers(0, 3))
def test_a_piece_read_at_once_is_the_piece_read_line_by_line(lines: list[bytes], skip: int) -> None:
    """read_piece reads a range of a file in one call when it is small enough, else line by
    line: the same records (as columns), warnings and line count either way."""
    import tempfile
    from pathlib import Path
    from unittest import mock

    from seedclean.io import read

    data = b"".join(lines)
    start = sum(len(line) for line in lines[: min(skip, len(lines) - 1)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.jsonl"
        path.write_bytes(data)
        f = read.InputFile(path, "p.jsonl", "jsonl")
        piece = read.Piece(((0, f),), start, len(data), True)
        got = []
        for block_bytes in (1 << 20, 0):
            with mock.patch.object(read, "_BLOCK_BYTES", block_bytes):
                records, info = read.read_piece(piece, "text", "id", max_record_bytes=60)
            got.append((records.lines, records.texts, records.heads, records.tails, records.record_ids, info))
    assert got[0] == got[1]


_RECORD_TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\u200b", "Việt Nam", "a\nb", "x\ud800y", "\\", '"q"', "\u2028"]),
)
_RECORD_IDS = st.one_of(st.integers(-5, 10**20), st.text(max_size=6), st.none(), st.just("\udfff"), st.floats(0, 1))


@given(st.lists(st.tuples(_RECORD_IDS, _RECORD_TEXTS, st.booleans(), st.booleans()), min_size=1, max_size=12))
def test_chunks_of_records_are_taken_a_column_at_a_time_as_line_by_line(
    rows: list[tuple[object, str, bool, bool]],
) -> None:
    """A chunk whose every line is a record the scanner read is added to the columns at once;
    escapes, lone surrogates, empty texts and every kind of id give what reading the same lines
    one by one gives (the columns twin test above rarely has a chunk without a bad line)."""
    import io
    from types import SimpleNamespace
    from unittest import mock

    from seedclean.io import read
    from seedclean.io.jsonline import JsonlRecords

    lines = []
    for record_id, text, has_id, ascii_only in rows:
        record = {"id": record_id, "text": text} if has_id else {"text": text}
        lines.append((json.dumps(record, ensure_ascii=ascii_only) + "\n").encode("utf-8", "surrogatepass"))
    got = []
    for bulk in (True, False):
        warnings = read.Warnings()
        columns = JsonlRecords(0, "in.jsonl")
        stream = read._bounded_lines(io.BytesIO(b"".join(lines)), 1 << 20)
        with mock.patch.object(read, "_all_plain", read._all_plain if bulk else lambda *_: False):
            assert not list(
                read._read_jsonl(0, SimpleNamespace(name="in.jsonl"), stream, "text", warnings, columns=columns)
            )
        got.append(
            (
                columns.lines,
                columns.texts,
                columns.utf8,
                columns.heads,
                columns.tails,
                columns.record_ids,
                columns.id_from,
                warnings.items,
            )
        )
    assert got[0] == got[1]
    assert len(got[0][1]) == len(rows)


def test_whole_jsonl_files_read_as_columns_prepare_as_their_documents(tmp_path: object) -> None:
    """A piece of whole JSONL files (small files grouped, gzip ones included) comes as columns
    naming each record's file by its number in the run; prepared, the same as the documents the
    same files give, and with the same warnings."""
    import gzip
    from pathlib import Path

    from seedclean.clustering.dedup import DedupOptions, prepare_batch
    from seedclean.io import read

    folder = Path(str(tmp_path))
    (folder / "a.jsonl").write_text('{"id": 1, "text": "Một hai ba."}\nnot json\n{"text": "Bốn\\nnăm"}\n')
    with gzip.open(folder / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write('{"text": "Sáu bảy."}\n{"id": null, "text": ""}\n')
    (folder / "c.jsonl").write_text("")
    files = [read.InputFile(folder / n, n, "jsonl") for n in ("a.jsonl", "b.jsonl.gz", "c.jsonl")]
    piece = read.Piece(((4, files[0]), (7, files[1]), (9, files[2])))
    records, info = read.read_piece(piece, "text", "id")
    assert isinstance(records, read.JsonlRecords)
    assert records.files == [4, 4, 7, 7] and records.names == ["a.jsonl", "a.jsonl", "b.jsonl.gz", "b.jsonl.gz"]
    warnings = read.Warnings()
    docs = list(read.read_documents(files, "text", warnings, numbers=[4, 7, 9]))
    assert [d.meta["file"] for d in docs] == [4, 4, 7, 7]  # type: ignore[index]
    assert info.warnings == warnings.items and [w["kind"] for w in warnings.items] == [
        "bad_json",
        "empty_text",
        "empty",
    ]
    p, q = prepare_batch(records, DedupOptions()), prepare_batch(docs, DedupOptions())
    assert (p.payload, p.unit_utf8.tobytes(), list(p.docs.ids), p.docs.files.tolist()) == (
        q.payload,
        q.unit_utf8.tobytes(),
        list(q.docs.ids),
        q.docs.files.tolist(),
    )
