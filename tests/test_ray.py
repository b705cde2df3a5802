"""The Ray engine gives byte-identical output to the local engine; the core never imports Ray."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import seedclean

SEEDS = Path(__file__).parent.parent / "seeds"
ray = pytest.importorskip("ray", reason="Ray is installed by the test extra; see pyproject.toml")


@pytest.fixture(scope="module")
def ray_local():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def _outputs(out: Path) -> dict[str, object]:
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name not in ("report.json", "report.html")}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report.pop("timings")
    report["options"].pop("engine")
    report["options"].pop("workers")
    return {"files": files, "report": report}


def _corpus(tmp: Path) -> Path:
    """A generated corpus with known duplicates: paragraphs repeated across records, with edits."""
    base = [p for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    records = []
    for i in range(120):
        paras = [base[(i * 7 + k) % len(base)] for k in range(3)]
        if i % 5 == 0:
            paras[0] = paras[0].replace("Việt Nam", "Việt  Nam").replace("hòa", "hoà")
        records.append({"id": i, "text": "\n\n".join(paras)})
    path = tmp / "gen.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("granularity", ["paragraph", "sentence"])
def test_ray_matches_local_on_seeds_and_generated(ray_local, tmp_path: Path, workers: int, granularity: str) -> None:
    gen = _corpus(tmp_path)
    for name, inputs in (("seeds", [str(SEEDS)]), ("gen", [str(gen)])):
        dedup = seedclean.DedupOptions(granularity=granularity)
        local = seedclean.run(inputs, tmp_path / f"{name}-local", seedclean.RunOptions(dedup=dedup))
        far = seedclean.run(
            inputs, tmp_path / f"{name}-ray", seedclean.RunOptions(dedup=dedup, engine="ray", workers=workers)
        )
        assert far.report["options"]["engine"] == "ray"
        assert _outputs(tmp_path / f"{name}-local") == _outputs(tmp_path / f"{name}-ray")
        assert local.report["totals"]["units_in"] > local.report["totals"]["units_out"]


def test_batch_size_does_not_change_the_result(ray_local, tmp_path: Path) -> None:
    from seedclean.dedup import Deduplicator, DedupOptions
    from seedclean.ray_engine import prepare_on_ray

    docs = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] * 3
    results = []
    for batch in (1, 2, 7):
        engine = Deduplicator(DedupOptions(granularity="sentence"))
        for p in prepare_on_ray(docs, engine.options, engine.normalize_options, batch_size=batch):
            engine.add_prepared(p)
        with engine.finish() as result:
            results.append(([d.units_out for d in result.documents], result.clusters, list(result)))
    assert results[0] == results[1] == results[2]
