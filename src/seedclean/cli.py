"""The ``seedclean`` command: ``run``, ``normalize`` and ``report``.

Exit codes: 0 success; 1 finished with warnings and ``--strict`` was given; 2 usage error;
3 input error (missing path, nothing to read, unreadable report); 4 output error (folder not
empty, inside an input, not writable, locked by another run); 130 interrupted; 143 SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from seedclean.clustering.dedup import DedupOptions, Document
from seedclean.engines.local import RunOptions, run
from seedclean.errors import EngineUnavailable
from seedclean.flags import DEDUP_FLAGS, NORMALIZE_FLAGS, build_options, load_config
from seedclean.io.jsonline import JsonLine
from seedclean.io.outdir import MANIFEST, OutputFolder
from seedclean.io.read import (
    DEFAULT_INCLUDE,
    MAX_RECORD_BYTES,
    InputError,
    InputFile,
    Warnings,
    decode_bytes,
    format_of,
    read_documents,
)
from seedclean.io.write import OutputError, atomic_write
from seedclean.report.summary import dumps, refresh_from_tables, render_html, render_text, validate_report
from seedclean.text.normalize import NormalizeOptions, normalize_and_explain

EXIT_WARNINGS, EXIT_INPUT, EXIT_OUTPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 1, 3, 4, 130, 143


class Terminated(BaseException):
    """SIGTERM (timeout, systemd, Slurm) turned into an exception so that cleanup runs as for Ctrl-C."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated


def _interrupted_message(out: Path) -> str:
    """What an interrupted run left, read from the folder's manifest (so it is true)."""
    state = OutputFolder(out, overwrite=True).state()
    if state == "incomplete":
        return (
            f"{out} is incomplete (no report.json; {MANIFEST} marks it so and lists its files): "
            "run again with --overwrite"
        )
    return f"no output file was changed in {out}"


def _load_config_into(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """Eager --config callback of each subcommand: the file named here, or before the
    subcommand, or found in the working folder becomes the command's defaults (validated)."""
    root = ctx.find_root()
    path = value or root.meta.get("seedclean.config")
    source, maps = load_config(path, {"run": run_cmd, "normalize": normalize_cmd})
    ctx.default_map = maps.get(ctx.info_name or "", {})
    ctx.meta["seedclean.config_file"] = str(source) if source else None


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Eager --version callback: the package's version, looked up only when asked for."""
    if value and not ctx.resilient_parsing:
        import seedclean

        click.echo(f"seedclean, version {seedclean.__version__}")
        ctx.exit()


def _config_option(fn: Any) -> Any:
    return click.option(
        "--config",
        type=click.Path(dir_okay=False),
        is_eager=True,
        expose_value=False,
        callback=_load_config_into,
        help="TOML file of options (default: ./seedclean.toml, else [tool.seedclean] in ./pyproject.toml).",
    )(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "-V",
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.option(
    "--config", type=click.Path(dir_okay=False), help="TOML file of options (also accepted after the command)."
)
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """Clean and deduplicate Vietnamese text corpora.

    \b
    Examples:
      seedclean run seeds/ --out cleaned/
      seedclean run data.jsonl.gz --text-field content --out cleaned/ --threshold 0.7
      seedclean run data.parquet --out cleaned/ --no-dedup      # normalise only
      cat page.txt | seedclean normalize > page.clean.txt
      seedclean report cleaned/
      seedclean explain cleaned/ 1234        # what happened to record 1234
    """
    ctx.meta["seedclean.config"] = config


class _Progress:
    """Progress on stderr, per stage, in documents and text bytes: tqdm bars on a terminal;
    otherwise one plain line when a stage starts and ends and about every 10 seconds."""

    def __init__(self, tty: bool, interval: float = 10.0) -> None:
        self.tty = tty
        self.interval = interval

    @staticmethod
    def _weight(item: Any) -> tuple[int, int]:
        if isinstance(item, tuple) and len(item) == 2:  # (Prepared, PieceRead): a piece read by a worker
            item = item[0]
        docs = getattr(item, "docs", None)  # a Prepared batch
        if docs is not None:
            return len(docs), int(docs.bytes_in.sum())
        if isinstance(item, tuple) and len(item) == 4:  # (document number, record, text, bytes in)
            return 1, int(item[3])
        rendered = getattr(item, "line_ends", None)  # documents rendered by a writer's job
        if rendered is not None:
            return len(rendered), int(getattr(item, "bytes_in", 0))
        return 1, 0

    def __call__(self, it: Iterable[Any], desc: str, total: int | None) -> Iterable[Any]:
        return self._bar(it, desc, total) if self.tty else self._lines(it, desc, total)

    def _bar(self, it: Iterable[Any], desc: str, total: int | None) -> Iterator[Any]:
        from tqdm import tqdm

        unit = "step" if total == 1 else "doc"
        with tqdm(desc=desc, total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False) as bar:
            nbytes = 0
            for item in it:
                docs, size = self._weight(item)
                nbytes += size
                bar.update(docs if unit == "doc" else 1)
                if size:
                    bar.set_postfix_str(f"{nbytes / 1e6:,.1f} MB", refresh=False)
                yield item

    def _lines(self, it: Iterable[Any], desc: str, total: int | None) -> Iterator[Any]:
        start = last = time.monotonic()
        docs = nbytes = 0
        of = f" of {total:,}" if total and total > 1 else ""
        click.echo(f"seedclean: {desc} ...", err=True)
        for item in it:
            d, size = self._weight(item)
            docs, nbytes = docs + d, nbytes + size
            now = time.monotonic()
            if now - last >= self.interval and total != 1:  # a one-step stage: its "done" line follows
                last = now
                click.echo(
                    f"seedclean: {desc}: {docs:,}{of} documents, {nbytes / 1e6:,.1f} MB, {now - start:,.0f} s", err=True
                )
            yield item
        done = f"{docs:,} documents, {nbytes / 1e6:,.1f} MB, " if total != 1 else ""
        click.echo(f"seedclean: {desc} done: {done}{time.monotonic() - start:,.1f} s", err=True)


@main.command("run")
@_config_option
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option(
    "--include",
    multiple=True,
    help=f"Glob of files to read in folders (default: {' '.join(DEFAULT_INCLUDE)}).",
)
@click.option("--exclude", multiple=True, help="Glob of files to skip in folders.")
@click.option("--text-field", default="text", show_default=True, help="JSONL / Parquet field holding the text.")
@click.option("--stdin-format", type=click.Choice(["txt", "jsonl"]), default="txt", show_default=True)
@click.option(
    "--id-field",
    default="id",
    show_default=True,
    help="JSONL / Parquet field naming a record in removed.parquet (else its line or row number).",
)
@DEDUP_FLAGS
@click.option("--exact-only", is_flag=True, help="Remove exact duplicates only (same as --mode exact).")
@click.option("--no-dedup", is_flag=True, help="Normalise only, remove nothing (same as --mode off).")
@click.option("--no-normalize", is_flag=True, help="Skip normalisation entirely.")
@NORMALIZE_FLAGS
@click.option(
    "--max-record-bytes",
    type=click.IntRange(1),
    default=MAX_RECORD_BYTES,
    show_default=True,
    help="A JSONL line longer than this is skipped with a warning (read in bounded memory).",
)
@click.option("--dry-run", is_flag=True, help="Write only the reports, no corpus.")
@click.option(
    "--removed-text/--no-removed-text",
    default=True,
    show_default=True,
    help="Put both units' text in removed.parquet (off: ids, spans and similarities only).",
)
@click.option("--overwrite", is_flag=True, help="Replace an earlier run's output in OUT (never other files).")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this machine (process pool); ray: Ray tasks (RAY_ADDRESS or a local Ray).",
)
@click.option("--strict", is_flag=True, help="Exit 1 if there were warnings.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (and the warning count with --strict).")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning, the config file read and the timings.")
@click.pass_context
def run_cmd(ctx: click.Context, /, inputs: tuple[str, ...], out: str, **kw: Any) -> None:
    """Clean and deduplicate INPUT files/folders (or - for stdin) into OUT.

    \b
    Writes the cleaned corpus (same relative paths; JSONL stays JSONL, Parquet stays
    Parquet), report.json and report.html into OUT.
    """
    quiet, verbose, strict = kw.pop("quiet"), kw.pop("verbose"), kw.pop("strict")
    no_normalize, exact_only, no_dedup = kw.pop("no_normalize"), kw.pop("exact_only"), kw.pop("no_dedup")
    if exact_only and no_dedup:
        raise click.UsageError("--exact-only and --no-dedup exclude each other")
    if exact_only or no_dedup:
        kw["mode"] = "exact" if exact_only else "off"
    dedup = build_options(DedupOptions, kw)
    nopts = build_options(NormalizeOptions, kw)
    config_file = ctx.meta.get("seedclean.config_file")
    try:
        options = RunOptions(
            dedup=dedup,
            normalize=None if no_normalize else nopts,
            text_field=kw.pop("text_field"),
            include=tuple(kw.pop("include")) or DEFAULT_INCLUDE,
            exclude=tuple(kw.pop("exclude")),
            stdin_format=kw.pop("stdin_format"),
            dry_run=kw.pop("dry_run"),
            overwrite=kw.pop("overwrite"),
            workers=kw.pop("workers"),
            engine=kw.pop("engine"),
            max_record_bytes=kw.pop("max_record_bytes"),
            id_field=kw.pop("id_field"),
            config_file=config_file,
            removed_text=kw.pop("removed_text"),
        )
    except (ValueError, TypeError) as exc:
        raise click.UsageError(str(exc)) from None
    if verbose:
        from seedclean.fingerprint.kernels import KERNELS

        click.echo(f"config: {config_file or 'none (no seedclean.toml or [tool.seedclean] found)'}", err=True)
        click.echo(f"kernels: {KERNELS}", err=True)
    progress = None if quiet else _Progress(sys.stderr.isatty())
    t0 = time.perf_counter()
    previous_handler = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        result = run(list(inputs), out, options, progress=progress)
    except InputError as exc:
        _fail(str(exc), EXIT_INPUT)
    except OutputError as exc:
        _fail(str(exc), EXIT_OUTPUT)
    except OSError as exc:
        _fail(f"cannot write output: {exc.strerror or exc} ({exc.filename or out})", EXIT_OUTPUT)
    except KeyboardInterrupt:
        _fail(f"interrupted; {_interrupted_message(Path(out))}", EXIT_INTERRUPTED)
    except Terminated:
        _fail(f"terminated (SIGTERM); {_interrupted_message(Path(out))}", EXIT_TERMINATED)
    except EngineUnavailable as exc:
        _fail(str(exc), EXIT_INPUT)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    seconds = time.perf_counter() - t0
    rep = result.report
    if not quiet:
        click.echo(render_text(rep))
        mb = rep["totals"]["bytes_in"] / 1e6
        click.echo(f"time       {seconds:>10.2f} s  ({mb / seconds if seconds else 0:.1f} MB/s)")
        corpus = "" if options.dry_run else " and the corpus"
        click.echo(f"wrote      {Path(out) / 'report.json'}, report.html{corpus}")
        shown = rep["warnings"] if verbose else rep["warnings"][:5]
        for w in shown:
            where = w["file"] + (f":{w['line']}" if "line" in w else "")
            click.echo(f"warning: {where}: {w['message']}", err=True)
        if len(rep["warnings"]) > len(shown):
            click.echo(
                f"... {len(rep['warnings']) - len(shown)} more warnings in report.json (-v shows all)",
                err=True,
            )
        if verbose:
            click.echo("timings: " + json.dumps(rep["timings"]), err=True)
    if strict and rep["warnings"]:
        count = len(rep["warnings"])
        click.echo(
            f"seedclean: {count} warning{'s' if count != 1 else ''} (--strict): see {Path(out) / 'report.json'}",
            err=True,
        )
        sys.exit(EXIT_WARNINGS)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"seedclean: error: {message}", err=True)
    sys.exit(code)


@main.command("normalize")
@_config_option
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@NORMALIZE_FLAGS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "txt", "jsonl"]),
    default="auto",
    show_default=True,
    help="auto: by file name (.jsonl, .jsonl.gz are JSONL; stdin is text).",
)
@click.option("--text-field", default="text", show_default=True, help="JSONL field holding the text.")
@click.option("--explain", is_flag=True, help="Print the count of each kind of fix to stderr.")
@click.option("--detect", is_flag=True, help="Only list legacy encodings found, per file and line (no text out).")
def normalize_cmd(files: tuple[str, ...], fmt: str, text_field: str, explain: bool, detect: bool, **kw: Any) -> None:
    """Normalise FILES (or stdin) to stdout: a Unix filter.

    Text files come out as normalised text; JSONL comes out as JSONL with only the text field
    normalised (other fields byte for byte). For Parquet, use `seedclean run FILE --no-dedup`.
    """
    opts = build_options(NormalizeOptions, kw)
    if detect:
        _detect_files(list(files) or ["-"])
        return
    totals: Counter[str] = Counter()
    for src in list(files) or ["-"]:
        path = None if src == "-" else Path(src)
        kind = fmt if fmt != "auto" else ((format_of(src) or "txt") if path is not None else "txt")
        if kind == "parquet":
            raise click.UsageError(
                f"{src}: normalize writes to stdout; for Parquet use: seedclean run {src} --no-dedup --out DIR"
            )
        if path is not None and not path.is_file():
            _fail(f"input not found: {src}", EXIT_INPUT)
        if kind == "jsonl":
            _normalize_jsonl(InputFile(path, src, "jsonl"), text_field, opts, totals)
            continue
        try:
            data = sys.stdin.buffer.read() if path is None else path.read_bytes()
        except OSError as exc:
            _fail(f"cannot read {src}: {exc.strerror or exc}", EXIT_INPUT)
        text, problem, message = decode_bytes(data)
        if problem:
            click.echo(f"warning: {src}: {message}", err=True)
        if text is None:
            continue
        result = normalize_and_explain(text, opts)
        sys.stdout.buffer.write(result.text.encode("utf-8"))
        totals.update(result.changes)
    sys.stdout.flush()
    if explain:
        click.echo(json.dumps(dict(totals), ensure_ascii=False, sort_keys=True), err=True)


def _normalize_jsonl(f: InputFile, text_field: str, opts: NormalizeOptions, totals: Counter[str]) -> None:
    """Each record with its text field normalised, the rest of the line as it was; every
    record that cannot be read is a warning on stderr naming its line."""
    warnings = Warnings()
    try:
        for doc in read_documents([f], text_field, warnings):
            result = normalize_and_explain(doc.text, opts)
            totals.update(result.changes)
            line = (doc.meta or {}).get("record")
            assert isinstance(line, JsonLine)
            sys.stdout.buffer.write((line.with_text(result.text) + "\n").encode("utf-8"))
    except InputError as exc:
        _fail(str(exc), EXIT_INPUT)
    finally:
        for w in warnings.items:
            where = w["file"] + (f":{w['line']}" if "line" in w else "")
            click.echo(f"warning: {where}: {w['message']}", err=True)


def _detect_files(sources: list[str]) -> None:
    from seedclean.text.legacy import detect as detect_line

    for src in sources:
        try:
            data = sys.stdin.buffer.read() if src == "-" else Path(src).read_bytes()
        except OSError as exc:
            _fail(f"cannot read {src}: {exc.strerror or exc}", EXIT_INPUT)
        text, _kind, message = decode_bytes(data)
        if text is None:
            click.echo(f"{src}: skipped ({message})")
            continue
        found: dict[str, int] = {}
        for number, line in enumerate(text.split("\n"), 1):
            verdict = detect_line(line)
            if verdict.encoding:
                found[verdict.encoding] = found.get(verdict.encoding, 0) + 1
                click.echo(f"{src}:{number}: {verdict.encoding}: {line[:60]!r} -> {verdict.text[:60]!r}")
        summary = ", ".join(f"{k} {v} lines" for k, v in sorted(found.items())) or "no legacy encoding found"
        click.echo(f"{src}: {summary}")


@main.command("report")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the totals as JSON.")
@click.option("--html", "as_html", is_flag=True, help="Re-render report.html from report.json and the Parquet files.")
def report_cmd(folder: str, as_json: bool, as_html: bool) -> None:
    """Summarise the run whose output is FOLDER (and, with --html, re-render its report.html)."""
    path = Path(folder) / "report.json"
    try:
        rep = validate_report(json.loads(path.read_bytes().decode("utf-8")))
    except FileNotFoundError:
        _fail(f"no report.json in {folder}", EXIT_INPUT)
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}", EXIT_INPUT)
    except RecursionError:
        _fail(f"{path}: unreadable report (nested too deeply)", EXIT_INPUT)
    except (ValueError, UnicodeDecodeError) as exc:  # JSON errors and ReportError are ValueErrors
        _fail(f"{path}: unreadable report ({str(exc)[:200]})", EXIT_INPUT)
    click.echo(dumps(rep["totals"]).rstrip() if as_json else render_text(rep))
    if not as_html:
        return
    try:
        rep = refresh_from_tables(rep, Path(folder))
    except (OSError, ValueError) as exc:
        _fail(f"{folder}: unreadable documents.parquet / removed.parquet ({str(exc)[:200]})", EXIT_INPUT)
    try:
        atomic_write(Path(folder) / "report.html", render_html(rep).encode("utf-8"))
    except OSError as exc:
        _fail(f"cannot write {Path(folder) / 'report.html'}: {exc.strerror or exc}", EXIT_OUTPUT)


@main.command("tune")
@_config_option
@click.argument("inputs", nargs=-1, required=True)
@click.option("--sample", type=click.IntRange(1), default=None, help="Documents to sample (default: all).")
@click.option("--text-field", default="text", show_default=True, help="JSONL / Parquet field holding the text.")
@DEDUP_FLAGS
@NORMALIZE_FLAGS
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Also write the page with the plot here.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON instead of a table.")
def tune_cmd(
    inputs: tuple[str, ...], sample: int | None, text_field: str, html_path: str | None, as_json: bool, **kw: Any
) -> None:
    """For thresholds 0.50-0.95: what a run would remove on a sample of INPUTS, how the LSH
    banding sees the measured similarities, and the pairs nearest to --threshold."""
    from seedclean.io.read import discover
    from seedclean.report.tune import render_tune_html, render_tune_text, tune

    dedup = build_options(DedupOptions, kw)
    nopts = build_options(NormalizeOptions, kw)
    warnings = Warnings()
    try:
        files = discover(list(inputs), DEFAULT_INCLUDE, (), "txt", frozenset(), warnings)
        # streamed into the reservoir: only the sample is held, named by file and line
        documents = (Document(doc.id, doc.text) for doc in read_documents(files, text_field, warnings))
        result = tune(documents, dedup, nopts, sample=sample)
    except InputError as exc:
        _fail(str(exc), EXIT_INPUT)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(render_tune_text(result))
    if warnings.items:
        click.echo(f"seedclean: {len(warnings.items)} input warnings (see seedclean run)", err=True)
    if html_path:
        try:
            atomic_write(Path(html_path), render_tune_html(result).encode("utf-8"))
        except OSError as exc:
            _fail(f"cannot write {html_path}: {exc.strerror or exc}", EXIT_OUTPUT)


def _word_diff(kept: str, removed: str) -> str:
    """The removed unit against its kept twin, word by word: [-only in kept-] {+only here+}."""
    import difflib

    a, b = kept.split(), removed.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(" ".join(b[j1:j2]))
            continue
        if i2 > i1:
            out.append(click.style("[-" + " ".join(a[i1:i2]) + "-]", fg="red"))
        if j2 > j1:
            out.append(click.style("{+" + " ".join(b[j1:j2]) + "+}", fg="green"))
    return " ".join(out)


@main.command("explain")
@click.argument("folder", type=click.Path(file_okay=False))
@click.argument("record_id")
def explain_cmd(folder: str, record_id: str) -> None:
    """Say what happened to each unit of one record of the run in FOLDER.

    RECORD_ID is the record's id field (--id-field of the run), or its document id as the
    report writes it (file, file:line or file:row).
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        removed = pq.read_table(Path(folder) / "removed.parquet")
        documents = pq.read_table(Path(folder) / "documents.parquet", columns=["id", "units_in", "units_out"])
    except OSError as exc:
        _fail(f"{folder} holds no readable removed.parquet / documents.parquet ({exc})", EXIT_INPUT)
    mine = removed.filter(pc.or_(pc.equal(removed["record_id"], record_id), pc.equal(removed["doc"], record_id)))
    docs = sorted(set(mine.column("doc").to_pylist()) | ({record_id} & set(documents.column("id").to_pylist())))
    if not docs:
        _fail(f"no record {record_id!r} in {folder} (neither a record id nor a document id)", EXIT_INPUT)
    units_in = dict(zip(documents.column("id").to_pylist(), documents.column("units_in").to_pylist()))
    rows = {(r["doc"], r["unit"]): r for r in mine.to_pylist()}
    for doc in docs:
        total = units_in.get(doc, 0)
        gone = sum(1 for key in rows if key[0] == doc)
        click.echo(click.style(f"{doc}: {total} units, {total - gone} kept, {gone} removed", bold=True))
        for unit in range(total):
            row = rows.get((doc, unit))
            if row is None:
                click.echo(f"  unit {unit}: kept")
                continue
            twin = f"{row['kept_doc']} unit {row['kept_unit']}"
            if row["kept_record_id"]:
                twin += f" (record {row['kept_record_id']})"
            click.echo(f"  unit {unit}: removed, {row['kind']} copy of {twin}, similarity {row['similarity']:.3f}")
            click.echo("    " + (row["text"] if row["kind"] == "exact" else _word_diff(row["kept_text"], row["text"])))


if __name__ == "__main__":  # pragma: no cover
    main()
