"""``seedclean.run``: read, normalise, deduplicate and write a corpus, as the CLI does.

Also the streaming building blocks for people's own pipelines: :func:`normalize_records`
(an iterable of str or dicts in, the same out), :func:`normalize_batch` (a ``datasets.map`` /
pandas-friendly batch function) and :func:`seedclean.dedup`.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, overload

import numpy as np

from seedclean.clustering.dedup import (
    DEFAULT_NORMALIZE,
    ClusterList,
    Deduplicator,
    DedupOptions,
    Document,
    DocumentTable,
    Prepared,
    is_arrow_table,
    prepare_batch,
    record_batches,
    require_column,
)
from seedclean.clustering.units import fewer_collections, return_free_memory
from seedclean.engines.workers import OrderedPool
from seedclean.fingerprint.kernels import warm_parent_kernels
from seedclean.io.outdir import RESERVED_NAMES, OutputFolder
from seedclean.io.read import (
    DEFAULT_INCLUDE,
    MAX_RECORD_BYTES,
    InputError,
    Piece,
    PieceMerger,
    PieceRead,
    Warnings,
    discover,
    display_name,
    plan_pieces,
    read_documents,
    read_piece,
)
from seedclean.io.write import CorpusWriter, OutputError, Rendered, atomic_write, temp_path
from seedclean.report import summary as report_mod
from seedclean.report.removals import REMOVED_FILE, RemovalCollector
from seedclean.text.normalize import NormalizeOptions, normalize_many

RENDER_DOCUMENTS = 4096  # documents per render job: a few MB of lines

__all__ = ["RunOptions", "RunResult", "run", "normalize_records", "normalize_batch"]

_DEFAULT: Any = object()  # "the default NormalizeOptions" (None means: do not normalise)


PIECE_BYTES = 4 << 20  # with several workers, each reads and prepares pieces of about this size


def read_prepare(
    piece: Piece,
    options: DedupOptions,
    normalize_options: NormalizeOptions | None,
    text_field: str,
    id_field: str | None,
    max_record_bytes: int,
) -> tuple[Prepared, PieceRead]:
    """Read one piece of the input and prepare it, where it is read: a worker process or a Ray
    task (no text passes the parent); :class:`PieceMerger` folds the result back in."""
    t0 = time.perf_counter()
    docs, read = read_piece(piece, text_field, id_field, max_record_bytes)
    p = prepare_batch(docs, options, normalize_options, text_field)
    p.timings["read"] += time.perf_counter() - t0 - sum(p.timings.values())
    return p, read


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` consecutive items (the last may be shorter)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


@dataclass(frozen=True, init=False)
class RunOptions:
    """Everything ``seedclean run`` can be told, besides inputs and output folder.

    Fields of :class:`DedupOptions` and :class:`NormalizeOptions` may be given directly, as
    ``dedup()`` takes them: ``RunOptions(threshold=0.7, tone_style="hoà", overwrite=True)``.

    Attributes:
        dedup: how units are split, compared and pruned.
        normalize: which normalisation steps run (None: the text is not normalised).
        text_field: JSONL / Parquet field holding the text.
        include: globs of files to read in folders.
        exclude: globs of files to skip in folders.
        stdin_format: format of standard input (txt or jsonl).
        dry_run: write only the reports, no corpus.
        overwrite: replace an earlier run's output in the folder.
        workers: processes for the per-document stage.
        engine: local (this machine) or ray (Ray tasks).
        max_record_bytes: a JSONL line longer than this is skipped with a warning.
        id_field: the JSONL / Parquet field that names a record in removed.parquet (else its
            line or row number).
        config_file: the config file the options came from (recorded in the report).
        removed_text: removed.parquet carries the normalised text of both units of each row
            (False: ids, spans and similarities only, a much smaller file).
    """

    dedup: DedupOptions
    normalize: NormalizeOptions | None
    text_field: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    stdin_format: str
    dry_run: bool
    overwrite: bool
    workers: int
    engine: str
    max_record_bytes: int
    id_field: str
    config_file: str | None
    removed_text: bool

    def __init__(
        self,
        dedup: DedupOptions | None = None,
        normalize: NormalizeOptions | None = _DEFAULT,
        text_field: str = "text",
        include: tuple[str, ...] = DEFAULT_INCLUDE,
        exclude: tuple[str, ...] = (),
        stdin_format: str = "txt",
        dry_run: bool = False,
        overwrite: bool = False,
        workers: int = 1,
        engine: str = "local",
        max_record_bytes: int = MAX_RECORD_BYTES,
        id_field: str = "id",
        config_file: str | None = None,
        removed_text: bool = True,
        **overrides: Any,
    ) -> None:
        dedup_fields = {f.name for f in fields(DedupOptions)}
        norm_fields = {f.name for f in fields(NormalizeOptions)}
        unknown = sorted(set(overrides) - dedup_fields - norm_fields)
        if unknown:
            raise TypeError(
                f"RunOptions() got unknown option(s) {', '.join(unknown)}; "
                "it takes its own fields and those of DedupOptions and NormalizeOptions"
            )
        dedup = dedup if dedup is not None else DedupOptions()
        if not isinstance(dedup, DedupOptions):
            raise TypeError(f"dedup must be a DedupOptions, not {type(dedup).__name__}")
        dedup_over = {k: v for k, v in overrides.items() if k in dedup_fields}
        norm_over = {k: v for k, v in overrides.items() if k in norm_fields}
        if normalize is _DEFAULT:
            normalize = NormalizeOptions()
        if norm_over and normalize is None:
            raise TypeError(f"normalize=None turns normalisation off; {', '.join(norm_over)} cannot apply")
        if normalize is not None and not isinstance(normalize, NormalizeOptions):
            raise TypeError(f"normalize must be a NormalizeOptions or None, not {type(normalize).__name__}")
        values = {
            "dedup": replace(dedup, **dedup_over) if dedup_over else dedup,
            "normalize": replace(normalize, **norm_over) if norm_over and normalize is not None else normalize,
            "text_field": text_field,
            "include": tuple(include),
            "exclude": tuple(exclude),
            "stdin_format": stdin_format,
            "dry_run": dry_run,
            "overwrite": overwrite,
            "workers": workers,
            "engine": engine,
            "max_record_bytes": max_record_bytes,
            "id_field": id_field,
            "config_file": config_file,
            "removed_text": bool(removed_text),
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)
        if self.engine not in ("local", "ray"):
            raise ValueError(f"engine must be 'local' or 'ray', not {self.engine!r}")
        if self.stdin_format not in ("txt", "jsonl"):
            raise ValueError(f"stdin_format must be 'txt' or 'jsonl', not {self.stdin_format!r}")
        if not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be a whole number >= 1, not {self.workers!r}")


@dataclass
class RunResult:
    """What a run did: the report (as data), where it wrote, and how long it took."""

    report: dict[str, Any]
    out: Path
    seconds: float
    warnings: list[dict[str, Any]] = field(default_factory=list)  # all of them (report.json lists the first 1,000)


def run(
    inputs: list[str] | str,
    out: str | Path,
    options: RunOptions | None = None,
    *,
    progress: Callable[[Iterable[Any], str, int | None], Iterable[Any]] | None = None,
) -> RunResult:
    """Clean and deduplicate ``inputs`` (files, folders, ``-``) into folder ``out``.

    Writes the cleaned corpus mirroring the inputs (unless ``dry_run``), ``report.json`` and
    ``report.html``. Raises :class:`InputError` / :class:`OutputError` with a one-line message.
    The folder is locked for the run; with ``overwrite`` the files an earlier run wrote and this
    one does not are removed, and an interrupted run leaves the folder marked incomplete (no
    report.json), never new files under an old report.
    """
    opts = options or RunOptions()
    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
    if not isinstance(opts, RunOptions):
        raise TypeError(f"options must be a RunOptions, not {type(opts).__name__}")
    warnings = Warnings()
    files = discover(inputs, opts.include, opts.exclude, opts.stdin_format, RESERVED_NAMES, warnings)
    folder = OutputFolder(Path(out), opts.overwrite)
    folder.claim(inputs)
    try:
        t_start = time.perf_counter()  # the run's time counts the workers' start
        # one pool of worker processes for the whole run: reading and preparing, then rendering
        pool = OrderedPool(opts.workers, call_job) if opts.workers > 1 and opts.engine == "local" else None
        with pool if pool is not None else contextlib.nullcontext(), fewer_collections():
            return _run_claimed(inputs, files, folder, opts, progress, warnings, pool, t_start)
    finally:
        folder.release()


def call_job(job: tuple[Callable[[Any], Any], Any]) -> Any:
    """What a worker of the run's pool does with an item: ``(function, argument)``, called."""
    fn, arg = job
    return fn(arg)


def _one_step(
    wrap: Callable[[Iterable[Any], str, int | None], Iterable[Any]], stage: str, fn: Callable[[], Any]
) -> Any:
    """Run ``fn`` as a one-step stage of the progress display (so a long stage is not silent)."""
    [value] = list(wrap((fn() for _ in range(1)), stage, 1))  # drained, so the display closes the stage
    return value


def _collector(result: Any, path: Path, with_text: bool, file_names: list[str]) -> RemovalCollector | None:
    """A removal-table collector writing to ``path`` (both engines give a ClusterList), its
    documents named from the document table and the input files."""
    if not isinstance(result.clusters, ClusterList):
        return None
    return RemovalCollector(result, path, with_text, file_names)


def _run_claimed(
    inputs: list[str],
    files: list[Any],
    folder: OutputFolder,
    opts: RunOptions,
    progress: Callable[[Iterable[Any], str, int | None], Iterable[Any]] | None,
    warnings: Warnings,
    pool: OrderedPool | None = None,
    t_start: float | None = None,
) -> RunResult:
    t_start = time.perf_counter() if t_start is None else t_start
    out = folder.out
    wrap = progress or (lambda it, _desc, _total: it)
    docs = read_documents(files, opts.text_field, warnings, opts.max_record_bytes, opts.id_field)
    t0 = t_start  # the read stage counts the workers' start, as when each stage had its own pool
    if opts.engine == "ray":
        from seedclean.engines.ray_engine import (  # optional extra: imported when asked for
            dedup_files_on_ray,
            dedup_on_ray,
        )

        if any(f.path is None for f in files):  # stdin: read here, prepared on Ray
            result = dedup_on_ray(
                docs, opts.dedup, opts.normalize, opts.text_field, workers=opts.workers, progress=wrap
            )
        else:  # files: read by the Ray tasks themselves
            result = dedup_files_on_ray(
                files,
                opts.dedup,
                opts.normalize,
                opts.text_field,
                warnings,
                workers=opts.workers,
                progress=wrap,
                id_field=opts.id_field,
            )
        t_read = result.timings.pop("read_normalize_fingerprint")
    else:
        engine = Deduplicator(opts.dedup, opts.normalize, threads=opts.workers)
        work = partial(prepare_batch, options=opts.dedup, normalize_options=opts.normalize, text_field=opts.text_field)
        # with workers the parent only waits meanwhile; alone, the import runs while the compiled
        # kernels of the main thread hold no GIL (100k x1: 0.11 s of the removal table's 0.18 s),
        # begun once the first batch is prepared: before, loading the kernels the main thread
        # wants first took turns with it on numba's compiler lock
        if pool is not None:
            _preload("pyarrow.parquet")
        # the workers read their own pieces of the files: the parent only merges; alone, the
        # same pieces when every input is a plain JSONL file (read as columns, see read_piece);
        # anything else streams through record_batches (a piece of a whole .gz or Parquet file
        # would be held in memory at once)
        plain_jsonl = all(
            f.path is not None and f.format == "jsonl" and not f.path.name.lower().endswith(".gz") for f in files
        )
        if (pool is not None and all(f.path is not None for f in files)) or (pool is None and plain_jsonl):
            pieces = plan_pieces(files, PIECE_BYTES)
            merger = PieceMerger(pieces, warnings, opts.text_field)
            read_work = partial(
                read_prepare,
                options=opts.dedup,
                normalize_options=opts.normalize,
                text_field=opts.text_field,
                id_field=opts.id_field,
                max_record_bytes=opts.max_record_bytes,
            )
            # counted in documents, whose number is not known before the pieces are read
            reads = ((read_work, piece) for piece in pieces)
            results = pool.imap(reads) if pool is not None else _preload_after_first(map(call_job, reads))
            for i, (p, read) in enumerate(wrap(results, "read+normalise", None)):
                engine.add_prepared(p, merger.absorb(i, p.docs, read))
        elif pool is not None:
            jobs = ((work, batch) for batch in record_batches(docs, opts.text_field))
            for p in wrap(pool.imap(jobs), "read+normalise", None):
                engine.add_prepared(p)
        else:
            prepared = _preload_after_first(map(work, record_batches(docs, opts.text_field)))
            for p in wrap(prepared, "read+normalise", None):
                engine.add_prepared(p)
        t_read = time.perf_counter() - t0
        result = _one_step(wrap, "exact+near+decide", engine.finish)
        del engine  # its per-unit band keys and hashes are done with: the result keeps what it needs
        return_free_memory()
    t0 = time.perf_counter()
    folder.begin(set() if opts.dry_run else {f.rel for f in files})
    writer = CorpusWriter(out, opts.text_field, folder.target)
    table_tmp = temp_path(out / REMOVED_FILE)
    collector = _collector(result, table_tmp, opts.removed_text, [f.name for f in files])
    # the removal table is made on its own thread while the corpus is written (its work is mostly
    # compiled gathers and zstd, which release the GIL): with one worker, 1M records, it costs the
    # writing 0.28 s and saves the report phase 0.76 s (session 29; in session 24, with the
    # rendering in Python, it slowed the writing by 1.8 s and waited for it instead)
    table_thread = ThreadPoolExecutor(1, thread_name_prefix="seedclean-removed") if collector is not None else None
    table_written = table_thread.submit(collector.finish) if table_thread and collector is not None else None

    table = result.documents
    try:
        if not opts.dry_run and result.renders_lines and all(f.format == "jsonl" for f in files):
            # JSONL only: documents are rendered to lines in runs (by the pool's workers or the
            # Ray engine's tasks), the sinks only append bytes
            def on_pool(fn: Callable[[Any], Any], jobs: Iterator[Any]) -> Iterator[Any]:
                assert pool is not None
                return pool.imap((fn, job) for job in jobs)

            mapper: Any = on_pool if pool is not None else map
            rendered = result.rendered_lines(opts.text_field, mapper, RENDER_DOCUMENTS)
            file_of = _write_rendered(rendered, table, files, writer, folder, wrap)
        else:
            file_of = _write_documents(result, files, writer, folder, opts, wrap)
    except BaseException:
        _stop_table(collector, table_written)
        table_tmp.unlink(missing_ok=True)
        result.close()
        raise
    finally:
        if table_thread is not None:
            table_thread.shutdown(wait=False)  # its one job ends on its own (or was stopped above)
    folder.finish()
    per_file = _per_file_figures(table, file_of, [f.name for f in files])
    timings = {"read_normalize_fingerprint": round(t_read, 3), **result.timings}
    timings["write"] = round(time.perf_counter() - t0, 3)
    timings["total"] = round(time.perf_counter() - t_start, 3)
    t_report = time.perf_counter()
    try:
        rep = _write_reports(
            result, collector, table_written, table_tmp, out, opts, per_file, warnings, inputs, timings
        )
    except BaseException:
        _stop_table(collector, table_written)
        table_tmp.unlink(missing_ok=True)
        raise
    finally:
        result.close()
    # removal_table: the table's own time (beside the report files); report: the whole report phase
    # (report.json, report.html, documents.parquet, warnings.jsonl, removed.parquet)
    rep["timings"]["removal_table"] = round(collector.seconds, 3) if collector is not None else 0.0
    rep["timings"]["report"] = round(time.perf_counter() - t_report, 3)
    atomic_write(out / "report.json", report_mod.dumps(rep).encode("utf-8"))
    folder.seal()
    return RunResult(rep, out, time.perf_counter() - t_start, warnings.items)


class _Sinks:
    """The output file a run is writing into, switched when the input file changes: the one place
    that opens, closes (and records as written) or aborts the corpus files."""

    def __init__(self, files: list[Any], writer: CorpusWriter, folder: OutputFolder, dry_run: bool = False) -> None:
        self.files, self.writer, self.folder, self.dry_run = files, writer, folder, dry_run
        self.current: int | None = None
        self.sink: Any = None

    def to(self, number: int) -> Any:
        """The sink of input file ``number`` (None in a dry run), the previous one closed."""
        if number != self.current:
            self.close()
            self.current = number
            f = self.files[number]
            self.sink = None if self.dry_run else self.writer.open(f.rel, f.format, f.path)
        return self.sink

    def close(self) -> None:
        if self.sink is not None and self.sink.close():
            self.folder.wrote(self.files[self.current].rel)  # type: ignore[index]
        self.sink = None

    def abort(self) -> None:
        if self.sink is not None:
            self.sink.abort()
        self.sink = None


def _write_documents(
    result: Any, files: list[Any], writer: CorpusWriter, folder: OutputFolder, opts: RunOptions, wrap: Any
) -> np.ndarray:
    """Write the corpus document by document (any format, any engine); returns each document's
    input file. A dry run writes nothing but still sizes every document."""
    table = result.documents
    file_of = np.zeros(len(table), dtype=np.int64)  # each document's input file, for the per-file figures
    units_in, bytes_in = table.units_in, table.bytes_in
    sinks = _Sinks(files, writer, folder, opts.dry_run)
    try:
        # records as spooled: the writer needs only their file and their line around the text
        documents = ((d, r, t, int(bytes_in[d])) for d, r, t in result.iter_documents(as_spooled=True))
        for d, record, text, _size in wrap(documents, "write", len(table)):
            table.bytes_out[d] = len(text.encode("utf-8"))
            assert isinstance(record, Document)
            meta = record.meta or {}
            file_of[d] = number = meta.get("file", 0)
            sink = sinks.to(number)
            if sink is not None and (text or opts.dedup.keep_empty or units_in[d] == 0):
                sink.add(text, meta.get("record"))  # a record empty on input is kept as it was
        sinks.close()
    except BaseException:
        sinks.abort()
        raise
    return file_of


def _write_rendered(
    rendered: Iterable[Rendered],
    table: DocumentTable,
    files: list[Any],
    writer: CorpusWriter,
    folder: OutputFolder,
    wrap: Any,
) -> np.ndarray:
    """Write JSONL files from runs of rendered lines, in document order: each run's lines are
    cut where the input file changes and appended to that file's sink. Returns each document's
    input file."""
    file_of = table.files.astype(np.int64)
    sinks = _Sinks(files, writer, folder)
    try:
        for r in wrap(rendered, "write", len(table)):
            n = len(r.line_ends)
            table.bytes_out[r.first : r.first + n] = r.bytes_out
            numbers = file_of[r.first : r.first + n]
            cuts = [0, *(np.flatnonzero(np.diff(numbers)) + 1).tolist(), n]
            for lo, hi in zip(cuts, cuts[1:]):
                start = int(r.line_ends[lo - 1]) if lo else 0
                sinks.to(int(numbers[lo])).write_lines(r.lines[start : int(r.line_ends[hi - 1])])
        sinks.close()
    except BaseException:
        sinks.abort()
        raise
    return file_of


def _preload_after_first(items: Iterator[Any]) -> Iterator[Any]:
    """``items``, with :func:`_preload` begun once the first has been taken."""
    for k, item in enumerate(items):
        yield item
        if k == 0:
            _preload("pyarrow.parquet")


def _preload(module: str) -> None:
    """Import ``module`` and load the parent's compiled kernels on a daemon thread while the
    workers start and the parent only waits (or, with one worker, while its kernels run without
    the GIL), so that the stages after reading do not pay for it (the Parquet writer: about
    0.1 s of imports; the kernels: about 0.4 s). A failure is left for the real import or call
    to report."""

    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(module)
        with contextlib.suppress(Exception):
            warm_parent_kernels()
        with contextlib.suppress(Exception):
            report_mod.library_versions()  # package metadata, read once a process

    threading.Thread(target=load, name="seedclean-preload", daemon=True).start()


def _stop_table(collector: RemovalCollector | None, written: Future[None] | None) -> None:
    """Stop the removal table's thread at its next chunk and wait for it (a run that fails or is
    interrupted must not close the result under it); its own error, if any, is not the story."""
    if collector is None:
        return
    collector.cancel()
    if written is not None:
        with contextlib.suppress(BaseException):
            written.result()
    collector.close()


def _write_reports(
    result: Any,
    collector: RemovalCollector | None,
    table_written: Future[None] | None,
    table_tmp: Path,
    out: Path,
    opts: RunOptions,
    per_file: dict[str, list[int]],
    warnings: Warnings,
    inputs: list[str],
    timings: dict[str, float],
) -> dict[str, Any]:
    """Write report.html, warnings.jsonl and documents.parquet (on a background thread while the
    report is built: mostly numpy and pyarrow work, which releases the GIL), and move
    removed.parquet into place once ``table_written`` (begun with the corpus writing) is done;
    the report is returned for report.json, written last."""
    lowest = [report_mod.cut_texts(r) for r in collector.lowest()] if collector is not None else []
    with ThreadPoolExecutor(1, thread_name_prefix="seedclean-report") as background:
        try:
            documents_written = background.submit(
                lambda: atomic_write(out / report_mod.DOCUMENTS_FILE, report_mod.documents_table(result.documents))
            )
            rep = report_mod.build_report(
                result,
                files=report_mod.file_summaries(per_file),
                lowest=lowest,
                warnings=warnings.items,
                inputs=[display_name(i) for i in inputs],
                extra_options={
                    "config_file": opts.config_file,
                    "max_record_bytes": opts.max_record_bytes,
                    "id_field": opts.id_field,
                    "text_field": opts.text_field,
                    "include": list(opts.include),
                    "exclude": list(opts.exclude),
                    "dry_run": opts.dry_run,
                    "workers": opts.workers,
                    "engine": opts.engine,
                    "removed_text": opts.removed_text,
                },
                timings=timings,
            )
            atomic_write(out / report_mod.WARNINGS_FILE, report_mod.warnings_lines(warnings.items))
            atomic_write(out / "report.html", report_mod.render_html(rep).encode("utf-8"))
            documents_written.result()
            if table_written is not None:
                table_written.result()
                os.replace(table_tmp, out / REMOVED_FILE)
        except BaseException:
            _stop_table(collector, table_written)  # its thread stops at the next chunk instead of writing them all
            raise
    return rep


def _per_file_figures(docs: DocumentTable, file_of: np.ndarray, names: list[str]) -> dict[str, list[int]]:
    """Per input file (in input order, files without documents left out): documents, units in,
    units out, exact and near removals, bytes in and out."""
    columns = (docs.units_in, docs.units_out, docs.exact_removed, docs.near_removed, docs.bytes_in, docs.bytes_out)
    out: dict[str, list[int]] = {}
    counts = np.bincount(file_of, minlength=len(names))
    sums = [np.bincount(file_of, weights=c, minlength=len(names)) for c in columns]
    for number in dict.fromkeys(file_of.tolist()):
        row = out.setdefault(names[number], [0] * 7)
        row[0] += int(counts[number])
        for k, column in enumerate(sums, start=1):
            row[k] += int(column[number])
    return out


def normalize_records(
    records: Iterable[Any],
    options: NormalizeOptions | None = None,
    *,
    text_field: str = "text",
    batch_size: int = 256,
) -> Iterator[Any]:
    """Normalise a stream of str (yields str) or dicts (yields copies with ``text_field`` fixed),
    ``batch_size`` records at a time (one pre-scan per batch; the stream is never held whole)."""
    opts = options or DEFAULT_NORMALIZE
    if is_arrow_table(records):
        raise TypeError("normalize_records() takes records; for a pyarrow table use normalize_batch(table)")
    for batch in batched(records, batch_size):
        texts = []
        for record in batch:
            if isinstance(record, str):
                texts.append(record)
            elif isinstance(record, dict):
                texts.append(record[text_field])
            else:
                raise TypeError(f"cannot normalise a {type(record).__name__}; give str or dict")
        for record, text in zip(batch, normalize_many(texts, opts).texts):
            yield text if isinstance(record, str) else {**record, text_field: text}


@overload
def normalize_batch(
    batch: dict[str, list[Any]], options: NormalizeOptions | None = None, *, text_field: str = "text"
) -> dict[str, list[Any]]: ...


@overload
def normalize_batch(batch: Any, options: NormalizeOptions | None = None, *, text_field: str = "text") -> Any: ...


def normalize_batch(batch: Any, options: NormalizeOptions | None = None, *, text_field: str = "text") -> Any:
    """Batch function for ``datasets.Dataset.map(normalize_batch, batched=True)``: a dict of
    columns in, the same columns out with ``text_field`` normalised (non-str values left as they
    are). A ``pyarrow.Table`` or ``RecordBatch`` gives the same kind back, its schema and other
    columns untouched (Ray Data's ``map_batches(..., batch_format="pyarrow")``)."""
    opts = options or DEFAULT_NORMALIZE
    if is_arrow_table(batch):
        return _normalize_arrow(batch, opts, text_field)
    column = batch[text_field]
    where = [i for i, t in enumerate(column) if isinstance(t, str)]
    fixed = normalize_many([column[i] for i in where], opts).texts
    out = dict(batch)
    out[text_field] = list(column)
    for i, text in zip(where, fixed):
        out[text_field][i] = text
    return out


def _normalize_arrow(table: Any, opts: NormalizeOptions, text_field: str) -> Any:
    """:func:`normalize_batch` for a pyarrow Table or RecordBatch: only the text column changes."""
    import pyarrow as pa

    require_column(table, text_field)
    at = table.schema.get_field_index(text_field)
    field = table.schema.field(at)
    values = table.column(at).to_pylist()
    where = [i for i, t in enumerate(values) if isinstance(t, str)]
    for i, text in zip(where, normalize_many([values[i] for i in where], opts).texts):
        values[i] = text
    column = pa.array(values, pa.large_string()).cast(field.type)
    if isinstance(table, pa.RecordBatch):
        arrays = [column if k == at else table.column(k) for k in range(table.num_columns)]
        return pa.RecordBatch.from_arrays(arrays, schema=table.schema)
    return table.set_column(at, field, column)


__all__ += ["InputError", "OutputError"]
