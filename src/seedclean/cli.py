"""The ``seedclean`` command: ``run``, ``normalize`` and ``report``.

Exit codes: 0 success; 1 finished with warnings and ``--strict`` was given; 2 usage error;
3 input error (missing path, nothing to read, unreadable report); 4 output error (folder not
empty, inside an input, not writable); 130 interrupted.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .dedup import DedupOptions
from .normalize import NormalizeOptions, normalize_and_explain
from .outdir import MANIFEST, OutputFolder
from .pipeline import RunOptions, run
from .read import DEFAULT_INCLUDE, InputError, decode_bytes
from .report import dumps, render_html, render_text, validate_report
from .tones import STYLES
from .write import OutputError, atomic_write

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


try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def _load_config(path: str | None) -> dict[str, Any]:
    """Options from ``--config``, else ``seedclean.toml``, else ``[tool.seedclean]`` in pyproject."""
    candidates = [Path(path)] if path else [Path("seedclean.toml"), Path("pyproject.toml")]
    for p in candidates:
        if not p.is_file():
            if path:
                raise click.BadParameter(f"config file not found: {p}", param_hint="--config")
            continue
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"{p}: {exc}", param_hint="--config") from exc
        if p.name == "pyproject.toml":
            data = data.get("tool", {}).get("seedclean", {})
            if not data:
                continue
        return {k.replace("-", "_"): v for k, v in data.items()}
    return {}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="seedclean")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML file of options (default: ./seedclean.toml).")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """Clean and deduplicate Vietnamese text corpora.

    \b
    Examples:
      seedclean run seeds/ --out cleaned/
      seedclean run data.jsonl.gz --text-field content --out cleaned/ --threshold 0.7
      cat page.txt | seedclean normalize > page.clean.txt
      seedclean report cleaned/
    """
    ctx.default_map = {"run": _load_config(config)}


def _normalize_flags(fn: Any) -> Any:
    for deco in reversed(
        [
            click.option(
                "--tone-style",
                type=click.Choice(STYLES),
                default="hòa",
                show_default=True,
                help="hòa: hòa/khỏe/thủy; hoà: hoà/khoẻ/thuỷ; keep: only repair.",
            ),
            click.option("--no-mojibake", is_flag=True, help="Do not repair mojibake."),
            click.option("--no-whitespace", is_flag=True, help="Do not touch whitespace and invisibles."),
            click.option("--no-nfc", is_flag=True, help="Do not compose to NFC."),
            click.option("--no-tones", is_flag=True, help="Do not move tone marks."),
        ]
    ):
        fn = deco(fn)
    return fn


def _normalize_options(kw: dict[str, Any]) -> NormalizeOptions:
    return NormalizeOptions(
        mojibake=not kw.pop("no_mojibake"),
        whitespace=not kw.pop("no_whitespace"),
        nfc=not kw.pop("no_nfc"),
        tones=not kw.pop("no_tones"),
        tone_style=kw.pop("tone_style"),
    )


class _Progress:
    """tqdm bars on a terminal's stderr; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, it: Iterable[Any], desc: str, total: int | None) -> Iterable[Any]:
        if not self.enabled:
            return it
        from tqdm import tqdm

        return tqdm(it, desc=desc, total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, leave=False)


@main.command("run")
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
    "--granularity",
    type=click.Choice(["paragraph", "line", "sentence"]),
    default="paragraph",
    show_default=True,
    help="Unit that is deduplicated.",
)
@click.option(
    "--segmentation",
    type=click.Choice(["auto", "blank", "line"]),
    default="auto",
    show_default=True,
    help="How paragraphs are delimited: blank lines, one per line, or detected per document.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.8,
    show_default=True,
    help="Jaccard similarity for near duplicates.",
)
@click.option("--num-perm", type=click.IntRange(2, 1024), default=128, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="MinHash seed.")
@click.option("--shingle", type=click.Choice(["word", "char"]), default="word", show_default=True)
@click.option("--ngram", type=click.IntRange(1, 50), default=2, show_default=True, help="Shingle size.")
@click.option(
    "--short",
    type=click.Choice(["exact", "char"]),
    default="exact",
    show_default=True,
    help="Units shorter than --ngram words: exact match only, or char 5-grams.",
)
@click.option("--keep", type=click.Choice(["first", "longest"]), default="first", show_default=True)
@click.option("--ignore-punctuation", is_flag=True, help="Punctuation does not tell exact duplicates apart.")
@click.option("--keep-empty", is_flag=True, help="Keep documents that lose every paragraph (empty).")
@click.option("--no-normalize", is_flag=True, help="Skip normalisation entirely.")
@_normalize_flags
@click.option("--dry-run", is_flag=True, help="Write only the reports, no corpus.")
@click.option("--overwrite", is_flag=True, help="Allow a non-empty output folder.")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this machine (process pool); ray: Ray tasks (RAY_ADDRESS or a local Ray).",
)
@click.option("--strict", is_flag=True, help="Exit 1 if there were warnings.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print every warning and the timings.")
def run_cmd(inputs: tuple[str, ...], out: str, **kw: Any) -> None:
    """Clean and deduplicate INPUT files/folders (or - for stdin) into OUT.

    \b
    Writes the cleaned corpus (same relative paths; JSONL stays JSONL, Parquet stays
    Parquet), report.json and report.html into OUT.
    """
    quiet, verbose, strict = kw.pop("quiet"), kw.pop("verbose"), kw.pop("strict")
    no_normalize = kw.pop("no_normalize")
    nopts = _normalize_options(kw)
    dedup = DedupOptions(
        granularity=kw.pop("granularity"),
        segmentation=kw.pop("segmentation"),
        threshold=kw.pop("threshold"),
        num_perm=kw.pop("num_perm"),
        seed=kw.pop("seed"),
        shingle=kw.pop("shingle"),
        ngram=kw.pop("ngram"),
        short=kw.pop("short"),
        keep=kw.pop("keep"),
        ignore_punctuation=kw.pop("ignore_punctuation"),
        keep_empty=kw.pop("keep_empty"),
    )
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
    )
    progress = _Progress(not quiet and sys.stderr.isatty())
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
    except RuntimeError as exc:  # e.g. the Ray engine asked for without Ray installed
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
        sys.exit(EXIT_WARNINGS)


def _fail(message: str, code: int) -> None:
    click.echo(f"seedclean: error: {message}", err=True)
    sys.exit(code)


@main.command("normalize")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@_normalize_flags
@click.option("--explain", is_flag=True, help="Print the count of each kind of fix to stderr.")
@click.option("--detect", is_flag=True, help="Only list legacy encodings found, per file and line (no text out).")
def normalize_cmd(files: tuple[str, ...], explain: bool, detect: bool, **kw: Any) -> None:
    """Normalise FILES (or stdin) to stdout: a Unix filter."""
    opts = _normalize_options(kw)
    if detect:
        _detect_files(list(files) or ["-"])
        return
    sources = list(files) or ["-"]
    totals: dict[str, int] = {}
    for src in sources:
        try:
            data = sys.stdin.buffer.read() if src == "-" else Path(src).read_bytes()
        except OSError as exc:
            _fail(f"cannot read {src}: {exc.strerror or exc}", EXIT_INPUT)
        text, kind, message = decode_bytes(data)
        if kind:
            click.echo(f"warning: {src}: {message}", err=True)
        if text is None:
            continue
        result = normalize_and_explain(text, opts)
        sys.stdout.buffer.write(result.text.encode("utf-8"))
        for k, v in result.changes.items():
            totals[k] = totals.get(k, 0) + v
    sys.stdout.flush()
    if explain:
        click.echo(json.dumps(totals, ensure_ascii=False, sort_keys=True), err=True)


def _detect_files(sources: list[str]) -> None:
    from .legacy import detect as detect_line

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
def report_cmd(folder: str, as_json: bool) -> None:
    """Summarise the report in FOLDER and re-render its report.html."""
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
    try:
        atomic_write(Path(folder) / "report.html", render_html(rep).encode("utf-8"))
    except OSError as exc:
        _fail(f"cannot write {Path(folder) / 'report.html'}: {exc.strerror or exc}", EXIT_OUTPUT)


if __name__ == "__main__":  # pragma: no cover
    main()
