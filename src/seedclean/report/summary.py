"""The dedup report: ``report.json`` (versioned schema) and a self-contained ``report.html``.

The JSON is the source of truth; the HTML is rendered from it, so ``seedclean report DIR`` can
re-render an old run. Everything but the ``timings`` field is a function of the input and the
options, so two runs of the same job give byte-identical reports once timings are set aside.
"""

from __future__ import annotations

import difflib
import html
import json
import platform
from collections import Counter
from dataclasses import asdict, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from seedclean.clustering.dedup import Cluster, ClusterList, DedupResult, DocStats, DocumentTable, Member
from seedclean.text.normalize import CHANGE_KINDS

__all__ = ["SCHEMA", "ReportError", "build_report", "render_html", "render_text", "library_versions", "validate_report"]

SCHEMA = "seedclean.report/1"
TOP_CLUSTERS_JSON = 100  # largest first; report.json stays small (the HTML shows 25)
NEAR_LISTED = 3  # near members listed per cluster (lowest similarity first), with their text
EXACT_LISTED = 10  # exact copies listed per cluster; every member is in removed.parquet
TEMPLATE_NEAR_MEMBERS = 10  # a cluster with this many near members is probably a template
TOP_FILES_JSON = 500  # per-input-file rows (those that lost most when there are more)
LOWEST_LISTED = 20  # near removals with the lowest similarity: the ones most worth auditing
TOP_DOCUMENTS_JSON = 500  # report.json stays under 1 MB: every document is in documents.parquet
TOP_WARNINGS_JSON = 500  # and every warning in warnings.jsonl
TEXT_CHARS = 1_000  # texts in report.json are cut here (removed.parquet has them whole)
DOCUMENTS_FILE = "documents.parquet"
WARNINGS_FILE = "warnings.jsonl"
TOP_CLUSTERS_HTML = 25


@lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    """Looked up once a process (package metadata: ~20 ms a run otherwise)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("seedclean", "datasketch", "ftfy", "unicodedata2", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    import unicodedata2

    out["unicode"] = unicodedata2.unidata_version
    return tuple(out.items())


def library_versions() -> dict[str, str]:
    """Versions of seedclean and the libraries whose behaviour shapes the output."""
    return dict(_versions())


_STATS_FIELDS = tuple(f.name for f in fields(DocStats))


def _stats(d: DocStats) -> dict[str, Any]:
    """``asdict(d)`` without its deep copy (a ``DocStats`` from the table owns its dicts): 15x faster."""
    return {name: getattr(d, name) for name in _STATS_FIELDS}


def listed_members(
    c: Cluster, near: int = NEAR_LISTED, exact: int = EXACT_LISTED
) -> tuple[int, Member, int, int, list[Member]]:
    """:meth:`ClusterList.listed` for a cluster made of objects (its twin): (id, kept, size, near
    members, listed members)."""
    near_members = [m for m in c.removed if m.kind == "near"]
    copies = [m for m in c.removed if m.kind == "exact"]
    lowest = sorted(near_members, key=lambda m: (m.similarity, m.doc, m.index))[:near]
    return c.id, c.kept, c.size, len(near_members), lowest + copies[:exact]


def build_report(
    result: DedupResult,
    *,
    warnings: list[dict[str, Any]] | None = None,
    inputs: list[str] | None = None,
    extra_options: dict[str, Any] | None = None,
    timings: dict[str, float] | None = None,
    files: list[dict[str, Any]] | None = None,
    lowest: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report as plain data (see ``SCHEMA`` and the JSON Schema in ``report.schema.json``):
    bounded whatever the corpus size; every removed unit is in removed.parquet."""
    warnings = warnings or []
    docs = result.documents
    if isinstance(result.clusters, ClusterList):  # arrays: no object per removed unit
        similarities: Any = result.clusters.near_similarity_array()
        shown = [
            (i, *result.clusters.listed(i, NEAR_LISTED, EXACT_LISTED))
            for i in result.clusters.largest(TOP_CLUSTERS_JSON)
        ]
    else:
        similarities = [m.similarity for c in result.clusters for m in c.removed if m.kind == "near"]
        shown = [listed_members(c) for c in sorted(result.clusters, key=lambda c: (-c.size, c.id))[:TOP_CLUSTERS_JSON]]
    clusters = []
    for cid, kept, size, near_members, listed in shown:
        clusters.append(
            {
                "id": cid,
                "size": size,
                "near_members": near_members,
                "probable_template": near_members >= TEMPLATE_NEAR_MEMBERS,
                "kept": {"doc": kept.doc_id, "index": kept.index, "text": _cut(kept.text)},
                "removed": [
                    {"doc": m.doc_id, "record": docs.record_ids[m.doc], "index": m.index, "kind": m.kind}
                    | {"similarity": m.similarity}
                    | ({"text": _cut(m.text)} if m.kind == "near" else {})
                    for m in sorted(listed, key=lambda m: (m.doc, m.index))
                ],
            }
        )
    norm = result.normalize_options
    return {
        "schema": SCHEMA,
        "versions": library_versions(),
        "inputs": inputs or [],
        "options": {
            "dedup": asdict(result.options),
            "normalize": asdict(norm) if norm is not None else None,
            **(extra_options or {}),
        },
        "lsh": {"bands": result.bands, "rows": result.rows},
        "totals": {
            "documents": len(docs),
            "documents_emptied": int(((docs.units_in > 0) & (docs.units_out == 0)).sum()),
            "documents_dropped": int(docs.dropped.sum()),
            "units_in": result.units_in,
            "units_out": result.units_out,
            "exact_duplicates_removed": result.exact_removed,
            "near_duplicates_removed": result.near_removed,
            "clusters": len(result.clusters),
            "guard_kept_apart": result.guard_kept_apart,
            "bytes_in": int(docs.bytes_in.sum()),
            "bytes_out": int(docs.bytes_out.sum()),
            "line_break_repairs": result.repairs,
            "warnings": len(warnings),
        },
        "normalizer": dict(sorted(result.changes.items())),
        "warnings": warnings[:TOP_WARNINGS_JSON],
        "warnings_listed": f"the first {TOP_WARNINGS_JSON:,}; every warning is in {WARNINGS_FILE}",
        "warning_counts": dict(sorted(Counter(w["kind"] for w in warnings).items())),
        "similarity_histogram": _histogram(similarities, result.options.threshold),
        "documents": [_stats(docs[k]) for k in _most_reduced(docs.units_in - docs.units_out, TOP_DOCUMENTS_JSON)],
        "documents_listed": f"the {TOP_DOCUMENTS_JSON:,} that lost the most units; all are in {DOCUMENTS_FILE}",
        "documents_dropped": [docs.ids[k] for k in np.flatnonzero(docs.dropped)[:TOP_DOCUMENTS_JSON].tolist()],
        "clusters": clusters,
        "clusters_truncated": max(0, len(result.clusters) - TOP_CLUSTERS_JSON),
        "files": (files or [])[:TOP_FILES_JSON],
        "files_truncated": max(0, len(files or []) - TOP_FILES_JSON),
        "lowest_similarity": (lowest or [])[:LOWEST_LISTED],
        "timings": timings if timings is not None else dict(result.timings),
    }


class ReportError(ValueError):
    """A report.json that is not a seedclean report of this schema (named by the failing path)."""


_NUM = (int, float)
_TOTALS = (
    "documents",
    "documents_emptied",
    "units_in",
    "units_out",
    "exact_duplicates_removed",
    "near_duplicates_removed",
    "clusters",
    "bytes_in",
    "bytes_out",
    "warnings",
)
_DOC_FIELDS = {"id": str, "units_in": int, "units_out": int, "exact_removed": int, "near_removed": int}
_MEMBER_FIELDS = {"doc": str, "index": int}
_FILE_NUMBERS = ("documents", "units_in", "units_out", "exact_removed", "near_removed", "bytes_in", "bytes_out")
_LOWEST_FIELDS = {
    "doc": str,
    "unit": int,
    "kept_doc": str,
    "kept_unit": int,
    "similarity": _NUM,
    "text": str,
    "kept_text": str,
}


def _check(value: Any, kind: Any, where: str) -> None:
    ok = isinstance(value, kind) and not (kind in (int, _NUM) and isinstance(value, bool))
    if not ok:
        name = kind.__name__ if isinstance(kind, type) else "number"
        raise ReportError(f"{where} must be {name}, not {type(value).__name__}")


def _check_fields(item: Any, fields: dict[str, Any], where: str) -> None:
    _check(item, dict, where)
    for key, kind in fields.items():
        if key not in item:
            raise ReportError(f"{where} has no {key!r}")
        _check(item[key], kind, f"{where}.{key}")


def validate_report(report: Any) -> dict[str, Any]:
    """Check that ``report`` has every field ``render_html`` and ``render_text`` read, with the
    right types, so that re-rendering a report never fails and every string is escaped;
    raise ReportError naming the first problem."""
    _check(report, dict, "report")
    if not str(report.get("schema", "")).startswith("seedclean.report/"):
        raise ReportError("not a seedclean report (no 'schema': 'seedclean.report/...')")
    _check_fields(report, {"versions": dict, "lsh": dict, "totals": dict, "normalizer": dict}, "report")
    _check_fields(report["lsh"], {"bands": int, "rows": int}, "lsh")
    for key in _TOTALS:  # the ones the summary prints must be there
        _check(report["totals"].get(key), int, f"totals.{key}")
    for key, value in report["totals"].items():
        _check(value, int, f"totals.{key}")
    for key, value in report["normalizer"].items():
        _check(value, int, f"normalizer.{key}")
    for key in ("similarity_histogram", "clusters", "documents", "warnings"):
        _check(report.get(key), list, key)
    _check(report.get("warning_counts"), dict, "warning_counts")
    for key, value in report["warning_counts"].items():
        _check(value, int, f"warning_counts.{key}")
    for i, h in enumerate(report["similarity_histogram"]):
        _check_fields(h, {"from": _NUM, "to": _NUM, "count": int}, f"similarity_histogram[{i}]")
    for i, c in enumerate(report["clusters"]):
        where = f"clusters[{i}]"
        _check_fields(c, {"id": int, "size": int, "kept": dict, "removed": list}, where)
        _check_fields(c["kept"], {**_MEMBER_FIELDS, "text": str}, f"{where}.kept")
        for j, m in enumerate(c["removed"]):
            _check_fields(m, {**_MEMBER_FIELDS, "kind": str, "similarity": _NUM}, f"{where}.removed[{j}]")
            if "record" in m:
                _check(m["record"], str, f"{where}.removed[{j}].record")
            if m["kind"] == "near":
                _check(m.get("text"), str, f"{where}.removed[{j}].text")
    for i, d in enumerate(report["documents"]):
        _check_fields(d, _DOC_FIELDS, f"documents[{i}]")
    for i, c in enumerate(report["clusters"]):
        if "near_members" in c:
            _check(c["near_members"], int, f"clusters[{i}].near_members")
    for i, f in enumerate(report.get("files", [])):
        _check_fields(f, {"file": str, **{k: int for k in _FILE_NUMBERS}}, f"files[{i}]")
    for i, r in enumerate(report.get("lowest_similarity", [])):
        _check_fields(r, _LOWEST_FIELDS, f"lowest_similarity[{i}]")
    for i, w in enumerate(report["warnings"]):
        _check_fields(w, {"kind": str, "file": str, "message": str}, f"warnings[{i}]")
        if "line" in w:
            _check(w["line"], int, f"warnings[{i}].line")
    checked: dict[str, Any] = report
    return checked


def _cut(text: str) -> str:
    """A text as report.json holds it: at most ``TEXT_CHARS`` characters."""
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + "…"


def file_summaries(rows: dict[str, list[int]]) -> list[dict[str, Any]]:
    """Per-input-file figures from {file: [documents, units in, units out, exact, near, bytes in,
    bytes out]}, the files that lost the most units first (ties: by name)."""
    keys = ("documents", "units_in", "units_out", "exact_removed", "near_removed", "bytes_in", "bytes_out")
    out = [{"file": name, **dict(zip(keys, values))} for name, values in rows.items()]
    return sorted(out, key=lambda r: (r["units_out"] - r["units_in"], r["file"]))


def cut_texts(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its texts cut for report.json."""
    return {k: _cut(v) if k in ("text", "kept_text") else v for k, v in row.items()}


def lowest_similarity(table: Any, count: int = LOWEST_LISTED) -> list[dict[str, Any]]:
    """The ``count`` near removals with the lowest similarity (from the removal table)."""
    if table is None or table.num_rows == 0:
        return []
    import pyarrow.compute as pc

    near = table.filter(pc.equal(table["kind"], "near"))
    if near.num_rows == 0:
        return []
    order = pc.sort_indices(near, sort_keys=[("similarity", "ascending"), ("doc", "ascending"), ("unit", "ascending")])
    rows = near.take(order[:count]).to_pylist()
    keep = ("doc", "unit", "record_id", "kept_doc", "kept_unit", "kept_record_id", "similarity", "text", "kept_text")
    return [{k: _cut(r.get(k) or "") if k in ("text", "kept_text") else r[k] for k in keep} for r in rows]


def _most_reduced(lost: np.ndarray, count: int) -> list[int]:
    """Numbers of the ``count`` documents that lost the most units (ties: input order), ascending."""
    if len(lost) <= count:
        return list(range(len(lost)))
    top = np.lexsort((np.arange(len(lost)), -np.asarray(lost, dtype=np.int64)))[:count]
    return sorted(int(k) for k in top)


def documents_table(docs: DocumentTable) -> bytes:
    """Per-document figures as Parquet: one row per document, in input order."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {
        "id": docs.ids.to_arrow(),
        "record_id": docs.record_ids.to_arrow(),
        "id_from": pa.array(docs.id_from, pa.string()),
        "mode": pa.array(docs.modes, pa.string()),
    }
    for name in ("units_in", "units_out", "exact_removed", "near_removed", "bytes_in", "bytes_out"):
        columns[name] = pa.array(getattr(docs, name), pa.int64())
    # one column per kind of normaliser fix found in the run: fix_nfc, fix_tones, fix_legacy_tcvn3, ...
    present = np.flatnonzero(docs.fix_counts.any(axis=0)) if len(docs.fix_docs) else np.zeros(0, dtype=np.int64)
    for k in sorted(present.tolist(), key=lambda k: CHANGE_KINDS[k]):
        column = np.zeros(len(docs), dtype=np.int64)
        column[docs.fix_docs] = docs.fix_counts[:, k]
        columns[f"fix_{CHANGE_KINDS[k]}"] = pa.array(column, pa.int64())
    columns["emptied"] = pa.array((docs.units_in > 0) & (docs.units_out == 0), pa.bool_())
    columns["dropped"] = pa.array(docs.dropped, pa.bool_())
    buf = io.BytesIO()
    # dictionary pages only where values repeat: building one for 100k distinct ids is wasted work
    pq.write_table(pa.table(columns), buf, compression="zstd", compression_level=1, use_dictionary=["id_from", "mode"])
    return buf.getvalue()


def refresh_from_tables(report: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The report with its document list and audit pairs taken again from the run's Parquet
    files (when present), as ``seedclean report --html`` renders them."""
    import pyarrow.parquet as pq

    report = dict(report)
    documents = folder / DOCUMENTS_FILE
    if documents.is_file():
        rows = pq.read_table(documents).to_pylist()
        stats = []
        for r in rows:
            fixes = {k[4:]: v for k, v in r.items() if k.startswith("fix_") and v}
            stats.append(
                DocStats(
                    **{k: r[k] for k in ("id", "units_in", "units_out", "exact_removed", "near_removed", "bytes_in")},
                    bytes_out=r["bytes_out"],
                    mode=r["mode"] or "",
                    legacy={k[7:]: v for k, v in fixes.items() if k.startswith("legacy_")},
                    fixes=fixes,
                    record_id=r.get("record_id") or "",
                    id_from=r.get("id_from") or "",
                )
            )
        lost = np.array([d.units_in - d.units_out for d in stats], dtype=np.int64)
        report["documents"] = [_stats(stats[k]) for k in _most_reduced(lost, TOP_DOCUMENTS_JSON)]
    removed = folder / "removed.parquet"
    if removed.is_file() and "text" in pq.read_schema(removed).names:  # a run with --no-removed-text: kept as run
        report["lowest_similarity"] = lowest_similarity(pq.read_table(removed))
    return validate_report(report)


def warnings_lines(warnings: list[dict[str, Any]]) -> bytes:
    """Every warning as one JSON object per line."""
    return "".join(json.dumps(w, ensure_ascii=False) + "\n" for w in warnings).encode("utf-8")


def _histogram_edges(threshold: float) -> list[float]:
    """Bin edges 0.05 apart from the threshold to 1.0."""
    return [round(threshold + k * 0.05, 2) for k in range(40) if threshold + k * 0.05 < 1.0] + [1.0]


def _histogram(values: Any, threshold: float) -> list[dict[str, Any]]:
    """Near similarities counted in bins of 0.05 from the threshold; the last bin holds 1.0."""
    edges = _histogram_edges(threshold)
    array = np.asarray(values, dtype=np.float64)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (array >= lo) & (array <= hi if hi == 1.0 else array < hi)
        out.append({"from": lo, "to": hi, "count": int(inside.sum())})
    return out


def _histogram_reference(values: list[float], threshold: float) -> list[dict[str, Any]]:
    """:func:`_histogram` value by value."""
    edges = _histogram_edges(threshold)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        last = hi == 1.0
        count = sum(1 for v in values if lo <= v < hi or (last and v == 1.0))
        out.append({"from": lo, "to": hi, "count": count})
    return out


def dumps(report: dict[str, Any]) -> str:
    """Canonical JSON text of a report (sorted keys would scramble sections; insertion order is fixed)."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def render_text(report: dict[str, Any]) -> str:
    """A few lines of summary, as the CLI prints them."""
    t = report["totals"]
    saved = t["bytes_in"] - t["bytes_out"]
    pct = 100.0 * saved / t["bytes_in"] if t["bytes_in"] else 0.0
    lines = [
        f"documents  {t['documents']:>10,}  ({t['documents_emptied']:,} emptied"
        + (f", {t['documents_dropped']:,} of them by --min-kept)" if t.get("documents_dropped") else ")"),
        f"units      {t['units_in']:>10,} in, {t['units_out']:,} out",
        f"removed    {t['exact_duplicates_removed']:>10,} exact, {t['near_duplicates_removed']:,} near"
        f" in {t['clusters']:,} clusters"
        + (f" ({t['guard_kept_apart']:,} near pairs kept apart by guard words)" if t.get("guard_kept_apart") else ""),
        f"bytes      {t['bytes_in']:>10,} in, {t['bytes_out']:,} out ({pct:.1f}% saved)",
    ]
    if t["warnings"]:
        kinds = ", ".join(f"{k}: {v}" for k, v in report["warning_counts"].items())
        lines.append(f"warnings   {t['warnings']:>10,}  ({kinds})")
    return "\n".join(lines)


def _diff(kept: str, other: str) -> tuple[str, str]:
    a, b = kept.split(), other.split()
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        ka, kb = html.escape(" ".join(a[i1:i2])), html.escape(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(ka)
            right.append(kb)
        else:
            if ka:
                left.append(f"<del>{ka}</del>")
            if kb:
                right.append(f"<ins>{kb}</ins>")
    return " ".join(left), " ".join(right)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
del{background:#fdd;text-decoration:none}ins{background:#dfd;text-decoration:none}
.bar{background:#4a7fb5;height:12px;display:inline-block}.pair td{width:50%}
h2{border-bottom:1px solid #ddd;padding-bottom:4px}small{color:#666}.flag{color:#a60;font-weight:bold}
nav a{margin-right:1em}table.sortable th{cursor:pointer}table.sortable th:hover{background:#e6e6e6}
"""

# Sorts a table by the clicked column (numbers as numbers); no framework, no network.
_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var table = th.closest('table'), rows = Array.from(table.querySelectorAll('tr')).slice(1);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    var key = function(r){ var t = r.children[col].textContent.replace(/[,%]/g, '');
      return isNaN(parseFloat(t)) ? t : parseFloat(t); };
    rows.sort(function(a, b){ var x = key(a), y = key(b); return (x > y ? 1 : x < y ? -1 : 0) * dir; });
    rows.forEach(function(r){ table.appendChild(r); });
  });
});
"""

_SECTIONS = [
    ("totals", "Totals"),
    ("options", "Options and inputs"),
    ("files", "Input files"),
    ("normaliser", "Normaliser fixes"),
    ("similarity", "Similarity"),
    ("clusters", "Largest clusters"),
    ("audit", "Lowest-similarity removals"),
    ("documents", "Documents"),
    ("warnings", "Warnings"),
]


def _pair(left_title: str, right_title: str, kept: str, other: str) -> str:
    left, right = _diff(kept, other)
    return (
        f"<table class='pair'><tr><th>{left_title}</th><th>{right_title}</th></tr>"
        f"<tr><td>{left}</td><td>{right}</td></tr></table>"
    )


def render_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page (no network, one small inline script to sort tables): totals,
    options and inputs, per-file figures, normaliser fixes, the similarity histogram, the largest
    clusters side by side, the removals most worth auditing, documents and warnings."""
    esc = html.escape
    t = report["totals"]
    opts = report.get("options", {})
    out = [
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>",
        f"<title>seedclean report</title><style>{_CSS}</style></head><body>",
        "<h1>seedclean report</h1>",
        f"<p><small>{esc(report['schema'])} · seedclean {esc(str(report['versions'].get('seedclean', '?')))}"
        f" · LSH {report['lsh']['bands']} bands × {report['lsh']['rows']} rows</small></p>",
        "<nav>" + "".join(f"<a href='#{key}'>{title}</a>" for key, title in _SECTIONS) + "</nav>",
        "<h2 id='totals'>Totals</h2><table>",
    ]
    for key, value in t.items():
        out.append(f"<tr><th>{esc(key.replace('_', ' '))}</th><td class='n'>{value:,}</td></tr>")
    out.append("</table>")
    dropped = report.get("documents_dropped") or []
    if dropped:
        out.append(
            f"<p>Dropped whole by the document policy (<code>--min-kept</code>), the first {len(dropped):,}: "
            + ", ".join(f"<code>{esc(str(d))}</code>" for d in dropped)
            + "</p>"
        )
    out.append("<h2 id='options'>Options and inputs</h2><table>")
    out.append(f"<tr><th>inputs</th><td>{esc(', '.join(str(i) for i in report.get('inputs', [])))}</td></tr>")
    for group in ("dedup", "normalize"):
        values = opts.get(group) or {}
        shown = ", ".join(f"{k}={v}" for k, v in values.items()) if isinstance(values, dict) else "off"
        out.append(f"<tr><th>{group}</th><td>{esc(shown)}</td></tr>")
    others = {k: v for k, v in opts.items() if k not in ("dedup", "normalize")}
    out.append(f"<tr><th>run</th><td>{esc(', '.join(f'{k}={v}' for k, v in others.items()))}</td></tr></table>")
    files = report.get("files", [])
    out.append(f"<h2 id='files'>Input files</h2><p>{len(files):,} files listed, those that lost the most first.</p>")
    out.append("<table class='sortable'><tr><th>file</th><th>documents</th><th>units in</th><th>out</th>")
    out.append("<th>exact</th><th>near</th><th>bytes in</th><th>bytes out</th></tr>")
    for f in files:
        cells = "".join(
            f"<td class='n'>{f[k]:,}</td>"
            for k in ("documents", "units_in", "units_out", "exact_removed", "near_removed", "bytes_in", "bytes_out")
        )
        out.append(f"<tr><td>{esc(f['file'])}</td>{cells}</tr>")
    out.append("</table>")
    out.append("<h2 id='normaliser'>Normaliser fixes</h2>")
    if report["normalizer"]:
        out.append("<table>")
        for key, value in report["normalizer"].items():
            out.append(f"<tr><th>{esc(key)}</th><td class='n'>{value:,}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>None.</p>")
    hist = report["similarity_histogram"]
    peak = max([h["count"] for h in hist] + [1])
    out.append("<h2 id='similarity'>Near-duplicate similarity (Jaccard with the kept unit)</h2><table>")
    for h in hist:
        width = int(300 * h["count"] / peak)
        out.append(
            f"<tr><td>{h['from']:.2f}–{h['to']:.2f}</td><td class='n'>{h['count']:,}</td>"
            f"<td><span class='bar' style='width:{width}px'></span></td></tr>"
        )
    out.append("</table>")
    out.append(
        f"<h2 id='clusters'>Largest clusters</h2><p>{t['clusters']:,} clusters; the largest first. "
        "Every removed unit is in removed.parquet (<code>seedclean explain OUT RECORD</code>).</p>"
    )
    for c in report["clusters"][:TOP_CLUSTERS_HTML]:
        kept = c["kept"]
        flag = (
            f" <span class='flag'>probable template ({c['near_members']:,} near members)</span>"
            if c.get("probable_template")
            else ""
        )
        out.append(
            f"<h3>Cluster {c['id']} · {c['size']:,} members · kept {esc(kept['doc'])} #{kept['index']}{flag}</h3>"
        )
        near = [m for m in c["removed"] if m["kind"] == "near"]
        exact = [m for m in c["removed"] if m["kind"] == "exact"]
        exact_total = c["size"] - 1 - int(c.get("near_members", len(near)))
        if exact:
            where = ", ".join(
                f"{esc(m['doc'])} #{m['index']}" + (f" (record {esc(str(m['record']))})" if m.get("record") else "")
                for m in exact
            )
            more = f" and {exact_total - len(exact):,} more" if exact_total > len(exact) else ""
            out.append(f"<p><small>exact copies: {where}{more}</small></p>")
        if not near:
            out.append(f"<p>{esc(kept['text'])}</p>")
        for m in near:
            out.append(
                _pair(
                    f"kept {esc(kept['doc'])} #{kept['index']}",
                    f"removed {esc(m['doc'])} #{m['index']} · J = {m['similarity']:.3f}",
                    kept["text"],
                    m["text"],
                )
            )
    lowest = report.get("lowest_similarity", [])
    out.append(
        "<h2 id='audit'>Lowest-similarity removals</h2><p>The near duplicates closest to the threshold: "
        "the removals most worth reading.</p>"
    )
    for r in lowest:
        out.append(
            _pair(
                f"kept {esc(r['kept_doc'])} #{r['kept_unit']}",
                f"removed {esc(r['doc'])} #{r['unit']} · J = {r['similarity']:.3f}",
                r["kept_text"],
                r["text"],
            )
        )
    if not lowest:
        out.append("<p>No near-duplicate removals.</p>")
    docs = report["documents"]
    out.append(
        f"<h2 id='documents'>Documents</h2><p>{t['documents']:,} documents; the {len(docs):,} that lost the most "
        f"units are listed (click a heading to sort). Every document is in {DOCUMENTS_FILE}.</p>"
    )
    out.append("<table class='sortable'><tr><th>document</th><th>units in</th><th>out</th>")
    out.append("<th>exact</th><th>near</th><th>removed</th></tr>")
    for d in docs:
        rate = 100.0 * (d["units_in"] - d["units_out"]) / d["units_in"] if d["units_in"] else 0.0
        out.append(
            f"<tr><td>{esc(d['id'])}</td><td class='n'>{d['units_in']:,}</td>"
            f"<td class='n'>{d['units_out']:,}</td><td class='n'>{d['exact_removed']:,}</td>"
            f"<td class='n'>{d['near_removed']:,}</td><td class='n'>{rate:.1f}%</td></tr>"
        )
    out.append("</table>")
    out.append("<h2 id='warnings'>Warnings</h2>")
    if report["warnings"]:
        out.append(f"<p>{t['warnings']:,} warnings; every one is in {WARNINGS_FILE}.</p><ul>")
        for w in report["warnings"]:
            where = esc(w.get("file", "")) + (f":{w['line']}" if w.get("line") else "")
            out.append(f"<li><b>{esc(w['kind'])}</b> {where}: {esc(w['message'])}</li>")
        out.append("</ul>")
    else:
        out.append("<p>None.</p>")
    out.append(f"<script>{_SORT_JS}</script></body></html>\n")
    return "\n".join(out)
