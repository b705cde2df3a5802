"""Per-unit columns of a run: arrays grown batch by batch, and the normalised text of every unit
kept once as UTF-8 in a temporary file, so that any set of units (the removed ones, the ones
kept in their place, the members of the largest clusters) comes back as a column of bytes
with offsets, without a Python object per unit.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from seedclean.fingerprint.kernels import add_to_trailing_numbers, gather_ranges, pack_utf8

__all__ = [
    "BandKeys",
    "Growing",
    "StringColumn",
    "UnitTexts",
    "close_map",
    "fewer_collections",
    "read_at",
    "release_pages",
    "return_free_memory",
    "read_spans",
    "split_units",
    "string_array",
    "unit_spans",
]


def release_pages(mapping: mmap.mmap | None) -> None:
    """Unmap the pages of a read-only file mapping (they stay in the page cache, and come back
    on the next read): on a page cache of large folios one byte read maps its 2 MiB folio, and
    mapped pages count as this process's memory."""
    if mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED)


def close_map(mapping: mmap.mmap | None) -> None:
    """Close a file mapping, unless an array still views it (then it goes when that array does)."""
    if mapping is not None:
        with contextlib.suppress(BufferError):
            mapping.close()


def return_free_memory() -> None:
    """Hand the C heap's free memory back to the system (glibc's ``malloc_trim``) once large
    temporary arrays are freed (the batches' document tables once joined, the clustering's
    pairs): glibc keeps freed blocks in its arenas, where they still count as the process's
    memory. Elsewhere (no glibc) nothing is done; nothing in the results depends on it."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


YOUNG_COLLECTION_EVERY = 100_000  # allocations between young-generation collections in a run (Python: 700)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector's young generation every :data:`YOUNG_COLLECTION_EVERY`
    allocations instead of every 700 while records stream through: a run allocates a few
    short-lived containers per record and almost no cycles (1,454 objects collected in a 100k
    run), and at the default the collector took 0.43 s of a 6.3 s one-worker run (0.03 s
    after). The thresholds in force before come back on exit; no result depends on them."""
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Growing:
    """A numpy array collected in chunks and joined once when read: compact storage for
    millions of units without the 3x peak of grow-by-doubling."""

    def __init__(self, dtype: Any, width: int = 0) -> None:
        self.dtype = np.dtype(dtype)
        self.width = width  # 0: one value per unit, else a row of ``width`` values
        self.chunks: list[np.ndarray] = []
        self.size = 0
        self._pending: list[np.ndarray] = []
        self._pending_size = 0

    def extend(self, values: np.ndarray) -> None:
        self._pending.append(values)
        self._pending_size += len(values)
        self.size += len(values)
        if self._pending_size >= 1 << 16:  # merge small pieces, so per-array overhead stays small
            self._merge()

    def _merge(self) -> None:
        if self._pending:
            self.chunks.append(np.concatenate(self._pending).astype(self.dtype, copy=False))
            self._pending, self._pending_size = [], 0

    def view(self) -> np.ndarray:
        self._merge()
        if len(self.chunks) != 1:
            shape = (0, self.width) if self.width else (0,)
            self.chunks = [np.concatenate(self.chunks) if self.chunks else np.empty(shape, dtype=self.dtype)]
        return self.chunks[0]


def unit_spans(prefixes: list[str], texts: list[str]) -> list[tuple[int, int]]:
    """(start, end) character offsets of each unit in its document's normalised text, as
    written with every unit kept (the first separator's line breaks are not written)."""
    out, pos = [], 0
    for k, (prefix, text) in enumerate(zip(prefixes, texts)):
        pos += len(prefix.lstrip("\n") if k == 0 else prefix)
        out.append((pos, pos + len(text)))
        pos += len(text)
    return out


def read_spans(data: bytes, ends: np.ndarray) -> Iterator[memoryview]:
    """Consecutive pieces of ``data`` from its start, ``ends`` being each one's end offset."""
    view = memoryview(data)
    start = 0
    for end in ends.tolist():
        yield view[start:end]
        start = end


def read_at(file: Any, size: int, offset: int) -> bytes:
    """``size`` bytes of ``file`` from ``offset`` (fewer at its end), by ``os.pread`` where the
    system has it (its position untouched), else by seek and read."""
    if hasattr(os, "pread"):
        return os.pread(file.fileno(), size, offset)
    file.seek(offset)
    data: bytes = file.read(size)
    return data


def split_units(raw: Any, lengths: np.ndarray) -> list[str]:
    """The texts of one document's units from their UTF-8 one after the other and their
    lengths in characters."""
    text = str(raw, "utf-8")
    if len(lengths) == 1:
        return [text]
    out, pos = [], 0
    for n in lengths.tolist():
        out.append(text[pos : pos + n])
        pos += n
    return out


class StringColumn(Sequence[str]):
    """Strings kept as one UTF-8 buffer with offsets: a column of millions of short strings
    (document and record ids) at a few bytes each, where a list holds a Python object of 50+
    bytes per value; reading ``column[i]`` decodes one value. Immutable: :meth:`replaced` makes
    a changed copy."""

    __slots__ = ("data", "offsets")

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self.data = np.asarray(data, dtype=np.uint8)
        self.offsets = np.asarray(offsets, dtype=np.int64)

    @classmethod
    def of(cls, values: Iterable[str]) -> StringColumn:
        """The column of ``values`` (UTF-8; a lone surrogate is kept as it was given)."""
        return cls(*pack_utf8(list(values)))

    @classmethod
    def concat(cls, columns: Sequence[StringColumn]) -> StringColumn:
        """The columns one after the other."""
        if not columns:
            return cls.of([])
        firsts = np.cumsum([0] + [len(c.data) for c in columns[:-1]])
        offsets = np.concatenate([[0]] + [c.offsets[1:] + first for c, first in zip(columns, firsts)])
        return cls(np.concatenate([c.data for c in columns]), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("string column index out of range")
        return bytes(self.data[self.offsets[i] : self.offsets[i + 1]]).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        raw, bounds = self.data.tobytes(), self.offsets.tolist()
        return (raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds, bounds[1:]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StringColumn):
            return np.array_equal(self.offsets, other.offsets) and np.array_equal(self.data, other.data)
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<StringColumn of {len(self):,} strings, {len(self.data):,} bytes>"

    def empty(self) -> np.ndarray:
        """Positions of the empty strings (ascending)."""
        return np.flatnonzero(np.diff(self.offsets) == 0)

    def take(self, positions: np.ndarray) -> StringColumn:
        """The strings at ``positions``, in that order."""
        at = np.asarray(positions, dtype=np.int64)
        return StringColumn(*gather_ranges(self.data, self.offsets[at], self.offsets[at + 1]))

    def replaced(self, positions: Sequence[int], values: Sequence[str]) -> StringColumn:
        """A copy with ``values`` at ``positions`` (ascending)."""
        if not len(positions):
            return self
        merged = list(self)
        for k, value in zip(positions, values):
            merged[k] = value
        return StringColumn.of(merged)

    def with_numbers_added(self, add: int, selected: np.ndarray | None = None) -> StringColumn:
        """A copy where each string (or each ``selected`` one) that ends in ASCII digits has
        ``add`` added to that number: line numbers counted from a file's start, not a piece's."""
        chosen = np.ones(len(self), dtype=bool) if selected is None else np.asarray(selected, dtype=bool)
        return StringColumn(*add_to_trailing_numbers(self.data, self.offsets, chosen, add))

    def to_arrow(self) -> Any:
        """The column as an Arrow string array (its buffers handed over, not a string per value)."""
        return string_array(self.data, self.offsets)


_GATHER_WINDOW = 64 << 20  # bytes of the unit file mapped at a time by a gather


class BandKeys:
    """Every unit's LSH band keys, one temporary file per band: candidate pairs are found band
    by band, so only one band's column (8 bytes a unit) is ever in memory, not the whole
    matrix (16 bands: 1.3 GB at 10M units, and twice that while it was being joined)."""

    def __init__(self, bands: int) -> None:
        self._files = [tempfile.TemporaryFile(prefix="seedclean-band-") for _ in range(bands)]
        self._reading = threading.Lock()  # two threads may read columns at once (seek and read elsewhere)
        self.size = 0

    def extend(self, keys: np.ndarray) -> None:
        """Append a batch: (units, bands) uint64 keys."""
        for band, file in enumerate(self._files):
            file.write(np.ascontiguousarray(keys[:, band], dtype=np.uint64).tobytes())
        self.size += len(keys)

    def __len__(self) -> int:
        return len(self._files)

    def __getitem__(self, band: int) -> np.ndarray:
        """Band ``band``'s key of every unit, read from its file (in pieces of at most 1 GiB:
        one ``pread`` returns at most about 2 GiB)."""
        out = np.empty(self.size, dtype=np.uint64)
        raw = out.view(np.uint8)
        with self._reading:
            file = self._files[band]
            file.flush()
            done = 0
            while done < len(raw):
                piece = read_at(file, min(len(raw) - done, 1 << 30), done)
                if not piece:
                    raise OSError(f"band keys file {band} ended at byte {done} of {len(raw)}")
                raw[done : done + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
                done += len(piece)
        return out

    def matrix(self) -> np.ndarray:
        """All keys as one (units, bands) array (for tests and small inputs)."""
        if not len(self):
            return np.zeros((self.size, 0), dtype=np.uint64)
        return np.stack([self[band] for band in range(len(self))], axis=1)

    def close(self) -> None:
        for file in self._files:
            file.close()


class UnitTexts:
    """The UTF-8 text of every unit in input order, in a temporary file, with each unit's byte
    range and its character span in its document (``extend`` per batch, ``gather`` later)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="seedclean-units-")
        self._ends = Growing(np.int64)  # byte offset after each unit in the file
        self._spans = Growing(np.int64, 2)
        self._size = 0
        self._map: mmap.mmap | None = None
        self._mapping = threading.Lock()  # the removal table's thread and the report may read at once

    def __len__(self) -> int:
        return self._ends.size

    def extend(self, data: np.ndarray, bounds: np.ndarray, spans: np.ndarray) -> None:
        """Append a batch: its units' UTF-8 bytes, their offsets (one more than units) and their
        (start, end) character spans in their documents."""
        if self._map is not None:
            raise ValueError("units are added before any is read back")
        self._file.write(np.ascontiguousarray(data, dtype=np.uint8).data)
        self._ends.extend(self._size + np.asarray(bounds[1:], dtype=np.int64))
        self._spans.extend(np.asarray(spans, dtype=np.int64).reshape(-1, 2))
        self._size += int(bounds[-1])

    def _bytes(self) -> np.ndarray:
        if not self._size:
            return np.zeros(0, dtype=np.uint8)
        with self._mapping:
            if self._map is None:
                self._file.flush()
                self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        return np.frombuffer(self._map, dtype=np.uint8, count=self._size)

    def ranges(self, uids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) byte offsets of the units ``uids`` in the file."""
        ends = self._ends.view()
        uids = np.asarray(uids, dtype=np.int64)
        starts = np.where(uids > 0, ends[np.maximum(uids - 1, 0)], 0)
        return starts, ends[uids]

    def spans(self, uids: np.ndarray) -> np.ndarray:
        """The (start, end) characters of the units ``uids`` in their documents, without their text."""
        return self._spans.view()[np.asarray(uids, dtype=np.int64)]

    def gather(self, uids: np.ndarray, window: int = _GATHER_WINDOW) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(UTF-8 bytes of the units ``uids`` one after the other, their offsets, their spans).

        Read ``window`` bytes of the file at a time (in file order), the mapped pages handed back after
        each (they stay in the page cache): on a page cache of large folios one byte read maps
        its 2 MiB folio, so a few thousand scattered units would map the whole file, which
        counts as this process's memory (at 10M paragraphs, 5.9 GB)."""
        starts, ends = self.ranges(uids)
        data = self._bytes()
        order = None if (np.diff(starts) >= 0).all() else np.argsort(starts, kind="stable")
        if order is not None:
            starts, ends = starts[order], ends[order]
        cuts = np.concatenate(([0], np.flatnonzero(np.diff(starts // window)) + 1, [len(starts)]))
        pieces = []
        for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
            pieces.append(gather_ranges(data, starts[lo:hi], ends[lo:hi])[0])
            release_pages(self._map)
        out = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.uint8)
        offsets = np.zeros(len(starts) + 1, dtype=np.int64)
        np.cumsum(ends - starts, out=offsets[1:])
        if order is not None:  # back to the order asked for
            at = np.empty(len(order), dtype=np.int64)
            at[order] = np.arange(len(order))
            out, offsets = gather_ranges(out, offsets[at], offsets[at + 1])
        return out, offsets, self._spans.view()[np.asarray(uids, dtype=np.int64)]

    def run(self, first: int, last: int) -> tuple[bytes, np.ndarray, np.ndarray]:
        """Units ``first:last`` as read from the file: their UTF-8 one after the other, each one's
        end offset in it, and each one's length in characters."""
        self._file.flush()
        ends, spans = self._ends.view(), self._spans.view()
        start = int(ends[first - 1]) if first > 0 else 0
        stop = int(ends[last - 1]) if last > first else start
        raw = read_at(self._file, stop - start, start) if stop > start else b""
        return raw, ends[first:last] - start, spans[first:last, 1] - spans[first:last, 0]

    def close(self) -> None:
        close_map(self._map)
        self._map = None
        self._file.close()


def string_array(data: np.ndarray, offsets: np.ndarray) -> Any:
    """UTF-8 bytes and offsets (as :meth:`UnitTexts.gather` gives them) as an Arrow string
    array: the buffers are handed over, not a Python string per value."""
    import pyarrow as pa

    if len(offsets) and offsets[-1] >= 2**31:
        raise ValueError("over 2 GiB of text in one string array: gather fewer units at a time")
    small = np.asarray(offsets, dtype=np.int32)
    array = pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(small), pa.py_buffer(data))
    array.validate()  # offsets within the data (the UTF-8 is ours: encoded by Python, cut at unit bounds)
    return array
