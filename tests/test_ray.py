"""The Ray engine gives byte-identical output to the local engine; the core never imports Ray."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
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


def _records() -> list[dict[str, object]]:
    """A generated corpus with known duplicates: paragraphs repeated across records, copies with
    formatting noise (exact after normalising) and copies with a word dropped (near duplicates)."""
    base = [p for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    base = list(dict.fromkeys(base))
    records = []
    for i in range(120):
        paras = [base[(i * 7 + k) % len(base)] for k in range(3)]
        if i % 5 == 0:
            paras[0] = paras[0].replace("Việt Nam", "Việt  Nam").replace("hòa", "hoà")
        if i % 3 == 0:
            words = paras[1].split(" ")
            if len(words) > 30:
                del words[(i * 11) % len(words)]  # one word of 30+ dropped: Jaccard about 0.93-0.97
                paras[1] = " ".join(words)
        records.append({"id": i, "text": "\n\n".join(paras)})
    return records


def _corpus(tmp: Path) -> Path:
    records = _records()
    path = tmp / "gen.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_ray_matches_local_with_the_document_policy(ray_local, tmp_path: Path) -> None:
    gen = _corpus(tmp_path)
    dedup = seedclean.DedupOptions(min_kept=0.6)
    local = seedclean.run([str(gen)], tmp_path / "local", seedclean.RunOptions(dedup=dedup))
    seedclean.run([str(gen)], tmp_path / "ray", seedclean.RunOptions(dedup=dedup, engine="ray", workers=2))
    assert local.report["totals"]["documents_dropped"] > 0
    assert _outputs(tmp_path / "local") == _outputs(tmp_path / "ray")
    # a removal table without texts: spans from the local store, from the pieces under Ray
    for engine, workers in (("local", 1), ("ray", 2)):
        options = seedclean.RunOptions(dedup=dedup, engine=engine, workers=workers, removed_text=False)
        seedclean.run([str(gen)], tmp_path / f"{engine}-bare", options)
    assert _outputs(tmp_path / "local-bare") == _outputs(tmp_path / "ray-bare")
    full = pq.read_table(tmp_path / "local" / "removed.parquet").drop_columns(["text", "kept_text"])
    bare = pq.read_table(tmp_path / "local-bare" / "removed.parquet")
    assert bare.column_names == full.column_names and "document" in bare.column("kind").to_pylist()
    for name in full.column_names:  # similarity is NaN on the document policy's rows: NaN == NaN here
        np.testing.assert_array_equal(
            bare.column(name).to_numpy(zero_copy_only=False), full.column(name).to_numpy(zero_copy_only=False)
        )


def test_ray_renders_the_same_jsonl_lines_as_local_workers(ray_local, tmp_path: Path) -> None:
    """JSONL output is rendered as lines by Ray's tasks and by the local pool's workers alike
    (``render_lines``): records emptied by dedup kept with --keep-empty, and a record empty on input."""
    gen = _corpus(tmp_path)
    with gen.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "blank", "text": ""}) + "\n")
    dedup = seedclean.DedupOptions(keep_empty=True)
    for engine, workers in (("local", 1), ("local", 2), ("ray", 2)):
        seedclean.run(
            [str(gen)],
            tmp_path / f"{engine}{workers}",
            seedclean.RunOptions(dedup=dedup, engine=engine, workers=workers),
        )
    assert _outputs(tmp_path / "local1") == _outputs(tmp_path / "local2") == _outputs(tmp_path / "ray2")
    lines = (tmp_path / "ray2" / "gen.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 121 and json.loads(lines[-1]) == {"id": "blank", "text": ""}
    assert sum(json.loads(line)["text"] == "" for line in lines) > 1  # emptied records are kept


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("granularity", ["paragraph", "sentence", "document"])
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
        if granularity != "document":  # the seeds hold no two near-duplicate whole documents
            assert local.report["totals"]["units_in"] > local.report["totals"]["units_out"]


def _summary(result: seedclean.DedupResult) -> tuple[object, ...]:
    return (
        [(d.id, d.units_out, d.exact_removed, d.near_removed) for d in result.documents],
        list(result.clusters),  # made while the result is open: members carry their texts
        list(result),
        result.guard_kept_apart,
    )


NEGATED = [  # a near pair only the guard words keep apart (word 3-gram Jaccard 10/11)
    "Đừng sử dụng dấu chấm động bằng phần cứng trong chương trình này.",
    "Sử dụng dấu chấm động bằng phần cứng trong chương trình này.",
]


@pytest.mark.parametrize(
    "options",
    [
        seedclean.DedupOptions(),
        seedclean.DedupOptions(granularity="sentence", keep="longest"),
        seedclean.DedupOptions(threshold=0.5, verify="signature", short="char"),
        seedclean.DedupOptions(min_kept=0.6),
    ],
    ids=["default", "sentence-longest", "signature-char", "min-kept"],
)
def test_pieces_and_partitions_do_not_change_the_result(
    ray_local, options: seedclean.DedupOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seedclean.engines import ray_engine
    from seedclean.engines.ray_engine import dedup_on_ray

    docs = [r["text"] for r in _records()] + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    docs += NEGATED
    with seedclean.dedup(docs, options) as local:
        expected = _summary(local)
    assert local.guard_kept_apart >= 1
    assert local.near_removed > 0 and local.exact_removed > 0  # the corpus exercises both paths
    if options.min_kept:
        assert local.documents.dropped.sum() > 0  # the policy has documents to drop
    # band waves too: one wave, one band per wave (1 row), or a few bands per wave
    for batch, parts, wave_rows in ((1, 1, 10**9), (7, 3, 1), (64, 2, 3_000), (1000, 5, 10**9)):
        monkeypatch.setattr(ray_engine, "ROWS_PER_WAVE", wave_rows)
        far = dedup_on_ray(docs, options, seedclean.NormalizeOptions(), batch_size=batch, partitions=parts)
        assert _summary(far) == expected, (batch, parts, wave_rows)


def test_band_waves_cover_every_band_once() -> None:
    from seedclean.engines import ray_engine

    assert ray_engine._band_waves(10, 16) == [(0, 16)]
    per_band = ray_engine._band_waves(10**12, 16)
    assert per_band == [(b, b + 1) for b in range(16)]
    three = ray_engine._band_waves(3 * ray_engine.ROWS_PER_WAVE, 16)
    assert len(three) == 3 and three[0][0] == 0 and three[-1][1] == 16
    assert all(a[1] == b[0] for a, b in zip(three, three[1:]))


def test_tasks_read_files_in_ranges_like_a_local_read(ray_local, tmp_path: Path) -> None:
    """A JSONL file split into many line-aligned ranges (with bad lines in later ranges), next to
    text files: same documents, ids, warnings (with line numbers) and clusters as a local read."""
    from seedclean.engines.ray_engine import dedup_files_on_ray
    from seedclean.io.read import Warnings, discover, read_documents

    lines = [json.dumps(r, ensure_ascii=False) for r in _records()]
    lines.insert(40, "{not json")
    lines.insert(90, json.dumps({"id": "x", "body": "no text field"}))
    lines.insert(100, "")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "gen.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for seed in sorted(SEEDS.glob("*.txt"))[:3]:
        (tmp_path / "in" / seed.name).write_bytes(seed.read_bytes())
    files = discover([str(tmp_path / "in")])
    options = seedclean.DedupOptions()
    local_warnings = Warnings()
    with seedclean.dedup(read_documents(files, "text", local_warnings), options) as local:
        expected = _summary(local)
    assert [w["kind"] for w in local_warnings.items] == ["bad_json", "no_text_field"]
    for piece_bytes in (3_000, 40_000, 16 << 20):
        warnings = Warnings()
        far = dedup_files_on_ray(
            files, options, seedclean.NormalizeOptions(), "text", warnings, piece_bytes=piece_bytes, partitions=3
        )
        assert warnings.items == local_warnings.items, piece_bytes
        assert _summary(far) == expected, piece_bytes
    # records named by their line (no id field): the same names from any range
    with seedclean.dedup(read_documents(files, "text", Warnings(), id_field=None), options) as local:
        expected_removed = local.removed.select(["record_id", "id_from", "doc", "unit", "kept_record_id"])
    far = dedup_files_on_ray(
        files, options, seedclean.NormalizeOptions(), "text", Warnings(), piece_bytes=3_000, partitions=3, id_field=None
    )
    got = far.removed.select(["record_id", "id_from", "doc", "unit", "kept_record_id"])
    assert got.equals(expected_removed) and "line" in got.column("id_from").to_pylist()


def test_input_error_inside_a_task_is_one_clear_line(ray_local, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from seedclean.cli import main

    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "d.parquet")
    res = CliRunner().invoke(
        main, ["run", str(tmp_path / "d.parquet"), "--out", str(tmp_path / "o"), "--engine", "ray"]
    )
    assert res.exit_code == 3, res.output
    assert "no column 'text'" in res.output and "Traceback" not in res.output


def test_a_stored_piece_gives_back_its_texts_and_keeps_what_rendering_reads() -> None:
    """What the object store keeps of a piece: texts compressed (given back exactly), band keys
    apart, and of its documents their units and bytes in."""
    from seedclean.clustering.dedup import prepare_batch
    from seedclean.engines.ray_engine import _stored, _texts_back

    p = prepare_batch([r["text"] for r in _records()] + ["", "một dòng"], seedclean.DedupOptions())
    stored, keys = _stored(p)
    assert len(stored.payload) < len(p.payload) and stored.unit_utf8.nbytes < p.unit_utf8.nbytes
    assert np.array_equal(keys, p.band_keys) and stored.band_keys.size == 0
    back = _texts_back(stored)
    assert back.payload == p.payload and np.array_equal(back.unit_utf8, p.unit_utf8)
    assert np.array_equal(back.docs.units_in, p.docs.units_in) and np.array_equal(back.docs.bytes_in, p.docs.bytes_in)
    assert list(back.docs.ids) == [""] * len(p.docs)  # the driver keeps the ids: the store need not


def test_an_unreachable_ray_address_is_a_one_line_error_not_a_wait(tmp_path: Path) -> None:
    """Ray waits without end on an address nobody answers at (seen: 400 s and counting, with its
    own log lines); seedclean checks the address first and says what is wrong."""
    import os
    import socket
    import subprocess
    import sys
    import time

    from seedclean.engines.ray_engine import unreachable

    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert unreachable(f"127.0.0.1:{port}") is None and unreachable(f"ray://127.0.0.1:{port}") is None
    assert unreachable(f"127.0.0.1:{port}") is not None  # closed now: refused
    assert unreachable("auto") is None and unreachable("local") is None  # Ray finds those itself
    env = {**os.environ, "RAY_ADDRESS": f"127.0.0.1:{port}"}
    start = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "seedclean", "run", str(SEEDS), "--out", str(tmp_path / "o"), "--engine", "ray", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 3 and time.monotonic() - start < 60
    assert (
        res.stderr.strip()
        .splitlines()[-1]
        .startswith(f"seedclean: error: cannot reach the Ray cluster at RAY_ADDRESS=127.0.0.1:{port}")
    )
    assert "Traceback" not in res.stderr and not (tmp_path / "o").exists()
