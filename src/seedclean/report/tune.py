"""``seedclean tune``: what each threshold would remove on a sample of the corpus, how the LSH
banding in force sees the measured similarities, and example pairs around a threshold.

The sample is normalised once; each threshold then runs the real engine on it, so on a sample
that is the whole input the counts are exactly what ``seedclean run --threshold T`` removes.
"""

from __future__ import annotations

import html
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from seedclean.clustering.dedup import DedupOptions, Document, dedup
from seedclean.text.normalize import NormalizeOptions, normalize

__all__ = ["TuneResult", "tune", "render_tune_text", "render_tune_html", "THRESHOLDS"]

THRESHOLDS = tuple(round(0.5 + 0.05 * k, 2) for k in range(10))  # 0.5 ... 0.95
EXAMPLES = 20


@dataclass
class TuneResult:
    """Per threshold: units removed (exact, near), LSH bands x rows and estimated missed pairs;
    the similarities measured at the lowest threshold and example pairs around the chosen one."""

    sample_documents: int
    units: int
    chosen: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sample_documents": self.sample_documents,
            "units": self.units,
            "chosen": self.chosen,
            "thresholds": self.rows,
            "examples": self.examples,
        }


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """P(two units of this Jaccard similarity share at least one band): the LSH S-curve."""
    return float(1.0 - (1.0 - similarity**rows) ** bands)


def _sample(texts: Iterable[Any], size: int | None, seed: int = 0) -> list[Any]:
    """Reservoir sample of ``size`` texts in their input order (all of them if size is None):
    one pass, holding only the sample."""
    if size is None:
        return list(texts)
    rng = random.Random(seed)
    kept: list[tuple[int, Any]] = []
    for i, text in enumerate(texts):
        if len(kept) < size:
            kept.append((i, text))
        else:
            j = rng.randrange(i + 1)
            if j < size:
                kept[j] = (i, text)
    return [text for _, text in sorted(kept)]


def tune(
    texts: Iterable[str | Document],
    options: DedupOptions | None = None,
    normalize_options: NormalizeOptions | None = None,
    *,
    sample: int | None = None,
    thresholds: tuple[float, ...] = THRESHOLDS,
) -> TuneResult:
    """Run the engine on a sample at each threshold and measure the similarities it finds.
    ``texts`` are str (named by their position in the sample) or Documents (named by their id)."""
    opts = options or DedupOptions()
    norm = normalize_options if normalize_options is not None else NormalizeOptions()
    docs: list[str | Document] = [
        Document(t.id, normalize(t.text, norm)) if isinstance(t, Document) else normalize(t, norm)
        for t in _sample(texts, sample)
    ]
    result = TuneResult(sample_documents=len(docs), units=0, chosen=opts.threshold)
    lowest = min(thresholds)
    for t in thresholds:
        current = replace(opts, threshold=t, bands=None, rows=None)
        with dedup(docs, current, normalize_options=None) as found:
            bands, rows = current.lsh_params()
            result.units = found.units_in
            near = found.clusters.near_similarities() if hasattr(found.clusters, "near_similarities") else []
            row: dict[str, Any] = {
                "threshold": t,
                "exact_removed": found.exact_removed,
                "near_removed": found.near_removed,
                "removed": found.exact_removed + found.near_removed,
                "bands": bands,
                "rows": rows,
            }
            if t == lowest:
                result.similarities = sorted(near)
                table = found.removed
                pairs = [r for r in table.to_pylist() if r["kind"] == "near"]
                pairs.sort(key=lambda r: (abs(r["similarity"] - opts.threshold), r["doc"], r["unit"]))
                result.examples = [
                    {k: r[k] for k in ("doc", "unit", "kept_doc", "kept_unit", "similarity", "text", "kept_text")}
                    for r in pairs[:EXAMPLES]
                ]
        # pairs measured at the lowest threshold that LSH at this threshold would likely not pair
        row["estimated_missed"] = round(
            sum(1.0 - candidate_probability(s, bands, rows) for s in result.similarities if s >= t), 2
        )
        result.rows.append(row)
    return result


def render_tune_text(result: TuneResult) -> str:
    """The table as the terminal shows it."""
    lines = [
        f"sample: {result.sample_documents:,} documents, {result.units:,} units",
        f"{'threshold':>9} {'removed':>9} {'exact':>8} {'near':>8} {'bands x rows':>13} {'est. missed':>12}",
    ]
    for r in result.rows:
        mark = " <" if abs(r["threshold"] - result.chosen) < 1e-9 else ""
        lines.append(
            f"{r['threshold']:>9.2f} {r['removed']:>9,} {r['exact_removed']:>8,} {r['near_removed']:>8,}"
            f" {r['bands']:>6} x {r['rows']:<5} {r['estimated_missed']:>12.1f}{mark}"
        )
    lines.append(
        "est. missed: near pairs measured at the lowest threshold that this threshold's banding would"
        " likely not pair (a lower bound)"
    )
    if result.examples:
        lines.append(f"pairs nearest to {result.chosen}:")
        for e in result.examples[:5]:
            lines.append(f"  J={e['similarity']:.3f} {e['doc']} #{e['unit']} ~ {e['kept_doc']} #{e['kept_unit']}")
    return "\n".join(lines)


def _svg(result: TuneResult) -> str:
    """S-curve of the banding at the chosen threshold over the histogram of measured similarities."""
    width, height, pad = 640, 300, 40
    chosen = next((r for r in result.rows if abs(r["threshold"] - result.chosen) < 1e-9), result.rows[-1])
    bins = [0] * 50
    for s in result.similarities:
        bins[min(49, int(s * 50))] += 1
    peak = max(bins + [1])
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>"]
    plot_w, plot_h = width - 2 * pad, height - 2 * pad
    for k, count in enumerate(bins):
        bar_h = plot_h * count / peak
        x = pad + plot_w * k / 50
        parts.append(
            f"<rect x='{x:.1f}' y='{pad + plot_h - bar_h:.1f}' width='{plot_w / 50 - 1:.1f}' height='{bar_h:.1f}'"
            " fill='#9bb7d4'/>"
        )
    curve = [candidate_probability(s / 100, chosen["bands"], chosen["rows"]) for s in range(101)]
    points = " ".join(f"{pad + plot_w * s / 100:.1f},{pad + plot_h * (1 - p):.1f}" for s, p in enumerate(curve))
    parts.append(f"<polyline points='{points}' fill='none' stroke='#c0392b' stroke-width='2'/>")
    x_t = pad + plot_w * result.chosen
    parts.append(
        f"<line x1='{x_t:.1f}' y1='{pad}' x2='{x_t:.1f}' y2='{pad + plot_h}' stroke='#333' stroke-dasharray='4'/>"
    )
    parts.append(f"<text x='{pad}' y='{height - 10}' font-size='12'>Jaccard similarity 0 → 1</text>")
    parts.append(
        f"<text x='{pad}' y='20' font-size='12'>bars: measured near pairs; red: P(candidate) with "
        f"{chosen['bands']} bands × {chosen['rows']} rows; dashed: threshold {result.chosen}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def render_tune_html(result: TuneResult) -> str:
    """A self-contained page: the table, the plot and the example pairs."""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{r['threshold']:.2f}</td><td>{r['removed']:,}</td><td>{r['exact_removed']:,}</td>"
        f"<td>{r['near_removed']:,}</td><td>{r['bands']} × {r['rows']}</td><td>{r['estimated_missed']:.1f}</td></tr>"
        for r in result.rows
    )
    examples = "".join(
        f"<tr><td>{e['similarity']:.3f}</td><td>{esc(e['kept_text'])}</td><td>{esc(e['text'])}</td></tr>"
        for e in result.examples
    )
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>seedclean tune</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}table{border-collapse:collapse}</style>"
        f"</head><body><h1>seedclean tune</h1><p>{result.sample_documents:,} documents, {result.units:,} units.</p>"
        "<table><tr><th>threshold</th><th>removed</th><th>exact</th><th>near</th><th>bands × rows</th>"
        f"<th>estimated missed pairs</th></tr>{rows}</table><h2>Similarities and banding</h2>{_svg(result)}"
        f"<h2>Pairs nearest to {result.chosen}</h2><table><tr><th>J</th><th>kept</th><th>removed</th></tr>"
        f"{examples}</table></body></html>\n"
    )
