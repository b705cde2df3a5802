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
