"""The unit text store: any set of units comes back as the UTF-8 of their texts, with offsets
and their character offsets in their documents, as it went in, batch after batch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import vietnamese_text

from seedclean import dedup
from seedclean.clustering.units import UnitTexts, string_array, unit_spans
from seedclean.fingerprint.kernels import pack_utf8

unit_text = st.one_of(vietnamese_text(6), st.text(max_size=12))


@given(st.lists(st.lists(unit_text, max_size=6), max_size=5), st.integers(1, 40), st.data())
def test_gather_gives_back_what_went_in(batches: list[list[str]], window: int, data: st.DataObject) -> None:
    """Any units, in any order (a gather reads the file window by window in file order and puts
    the texts back in the order asked for)."""
    store = UnitTexts()
    everything: list[str] = []
    spans: list[tuple[int, int]] = []
    for batch in batches:
        where = [(3 * k, 3 * k + len(t)) for k, t in enumerate(batch)]
        store.extend(*pack_utf8(batch), np.array(where, dtype=np.int64).reshape(-1, 2))
        everything += batch
        spans += where
    uids = data.draw(st.lists(st.integers(0, len(everything) - 1))) if everything else []
    got, offsets, where = store.gather(np.array(uids, dtype=np.int64), window=window)
    raw = got.tobytes()
    texts = [raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(offsets[:-1], offsets[1:])]
    assert texts == [everything[u] for u in uids]
    assert [tuple(w) for w in where.tolist()] == [spans[u] for u in uids]
    store.close()


def test_adding_after_reading_is_refused() -> None:
    store = UnitTexts()
    store.extend(*pack_utf8(["một", "hai"]), np.array([[0, 3], [4, 7]]))
    store.gather(np.array([1]))
    with pytest.raises(ValueError, match="before any is read"):
        store.extend(*pack_utf8(["ba"]), np.array([[0, 2]]))
    store.close()


def test_string_array_holds_the_texts() -> None:
    texts = ["Hà Nội", "", "thủy", "x"]
    array = string_array(*pack_utf8(texts))
    assert array.to_pylist() == texts


def test_spans_skip_the_first_separators_line_breaks() -> None:
    # "\n\nA\n\nBB" is split into A (after the leading breaks, which the text loses) and BB
    assert unit_spans(["\n\n", "\n\n"], ["A", "BB"]) == [(0, 1), (3, 5)]
    assert unit_spans(["  ", "\n"], ["Hà", "BB"]) == [(2, 4), (5, 7)]


def test_removed_units_are_where_the_table_says_in_the_normalised_document() -> None:
    import seedclean

    shared = "Đoạn văn này được chép lại nguyên văn ở nhiều tài liệu khác nhau trong kho."
    docs = [
        f"Mở đầu riêng của tài liệu một.\n\n{shared}\n\nKết thúc một.",
        f"\n\n  Tài liệu hai mở đầu khác.\n\n\n{shared}",
        f"{shared}\n\nThêm một đoạn ở cuối tài liệu ba, với hoà và khoẻ.",
    ]
    with dedup(docs, keep_empty=True) as result:
        rows = result.removed.to_pylist()
    assert len(rows) == 2
    for row in rows:
        # offsets in the document as written when nothing is removed: its leading line breaks dropped
        normalised = seedclean.normalize(docs[int(row["doc"])]).lstrip("\n")
        assert normalised[row["start"] : row["end"]] == row["text"] == shared


def test_documents_are_read_back_where_the_system_has_no_pread(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    docs = [f"Đoạn {i} của tài liệu.\n\nĐoạn chung giữa các tài liệu." for i in range(30)]
    with dedup(docs) as result:
        expected = list(result)
    monkeypatch.delattr(os, "pread")  # as on Windows: seek and read instead
    with dedup(docs) as result:
        assert list(result) == expected
    assert (
        expected[0] == "Đoạn 0 của tài liệu.\n\nĐoạn chung giữa các tài liệu." and expected[1] == "Đoạn 1 của tài liệu."
    )


@given(st.lists(st.lists(unit_text, max_size=6), max_size=4), st.data())
def test_string_column_behaves_as_the_list_it_packs(parts: list[list[str]], data: st.DataObject) -> None:
    """The packed column (ids of millions of documents) against its reference, a list of str."""
    from seedclean.clustering.units import StringColumn

    column = StringColumn.concat([StringColumn.of(p) for p in parts])
    flat = [s for p in parts for s in p]
    assert len(column) == len(flat) and list(column) == flat and column == flat
    assert [column[k] for k in range(len(flat))] == flat and column[:] == flat
    if flat:
        assert column[-1] == flat[-1]
    assert column.empty().tolist() == [k for k, s in enumerate(flat) if not s]
    picks = data.draw(st.lists(st.integers(0, max(len(flat) - 1, 0)), max_size=8)) if flat else []
    assert list(column.take(np.array(picks, dtype=np.int64))) == [flat[k] for k in picks]
    where = sorted(set(picks))
    changed = column.replaced(where, [f"#{k}" for k in where])
    assert list(changed) == [f"#{k}" if k in where else s for k, s in enumerate(flat)]
    assert list(column) == flat  # the original is unchanged
    if all(not any(0xD800 <= ord(c) <= 0xDFFF for c in s) for s in flat):
        assert column.to_arrow().to_pylist() == flat
    with pytest.raises(IndexError):
        column[len(flat)]


line_like = st.one_of(
    st.builds(lambda rel, n: f"{rel}:{n}", st.text(max_size=6), st.integers(0, 10**12)),
    st.integers(0, 10**12).map(str),
    st.text(max_size=8),
)


@given(st.lists(st.tuples(line_like, st.booleans()), max_size=12), st.integers(0, 10**9))
def test_numbers_added_to_ids_as_the_reference_adds_them(items: list[tuple[str, bool]], add: int) -> None:
    """Line numbers in a piece's ids, renumbered by the compiled pass, against the Python twin
    (and the twin against what the merger once did by hand: rsplit at ':' and add)."""
    from seedclean.clustering.units import StringColumn
    from seedclean.fingerprint.kernels import add_to_trailing_numbers_reference

    values, selected = [v for v, _ in items], [s for _, s in items]
    expected = add_to_trailing_numbers_reference(values, selected, add)
    column = StringColumn.of(values).with_numbers_added(add, np.array(selected, dtype=bool))
    assert list(column) == expected
    for value, chosen, got in zip(values, selected, expected):
        head, _, tail = value.rpartition(":")
        if chosen and ":" in value and tail.isascii() and tail.isdigit():
            assert got == f"{head}:{int(tail) + add}"


def test_fewer_collections_raises_the_young_threshold_and_restores_it() -> None:
    import gc

    from seedclean.clustering.units import YOUNG_COLLECTION_EVERY, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(KeyError), fewer_collections():
        raise KeyError("an error inside the run")
    assert gc.get_threshold() == before
