"""The output folder belongs to the run (issue 13): no stale, clobbered or escaped file, and
signals, disk faults and concurrent runs leave it in a state that the messages describe."""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import seedclean.io.write as write_mod
from seedclean.cli import main
from seedclean.io.outdir import LOCK, MANIFEST, OutputFolder
from seedclean.io.write import TMP_SUFFIX

SEEDS = Path(__file__).parent.parent / "seeds"
REPORTS = ["documents.parquet", "removed.parquet", "report.html", "report.json", "warnings.jsonl"]
VI = "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam từ năm 1976 đến nay."


def invoke(*args: str, input: bytes | str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (hidden ones included)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(TMP_SUFFIX)]


def manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


# 1. path collisions --------------------------------------------------------------------------
def test_same_relative_path_in_two_folders_keeps_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for d in ("d1", "d2"):
        Path(d).mkdir()
    Path("d1/a.txt").write_text("Tệp một.\n", encoding="utf-8")
    Path("d1/2-a.txt").write_text("Tệp hai bị mất.\n", encoding="utf-8")
    Path("d2/a.txt").write_text("Tệp ba.\n", encoding="utf-8")
    res = invoke("run", "d1", "d2", "--out", "o")
    assert res.exit_code == 0, res.output
    corpus = {k: v.decode() for k, v in tree(Path("o")).items() if k.endswith(".txt")}
    assert corpus == {"d1/a.txt": "Tệp một.\n", "d1/2-a.txt": "Tệp hai bị mất.\n", "d2/a.txt": "Tệp ba.\n"}


def test_one_folder_is_mirrored_without_its_name(tmp_path: Path) -> None:
    assert invoke("run", str(SEEDS), "--out", str(tmp_path / "o")).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "o").glob("*.txt")) == sorted(p.name for p in SEEDS.glob("*.txt"))


def test_inputs_that_still_collide_are_an_error_before_any_work(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text(VI, encoding="utf-8")
    (d / "report.json").write_text(VI, encoding="utf-8")
    res = invoke("run", str(d), str(d / "a.txt"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 3 and "would both be written to a.txt" in res.output
    assert not (tmp_path / "o").exists()
    res = invoke("run", str(d), "--include", "*", "--out", str(tmp_path / "o"))
    assert res.exit_code == 3 and "report.json" in res.output


# 2. --overwrite leaves nothing of an earlier run ------------------------------------------------
def test_overwrite_removes_what_the_earlier_run_wrote_and_this_one_did_not(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text(VI, encoding="utf-8")
    (d / "sub" / "b.txt").write_text("Một câu khác hẳn để giữ lại trong tệp b.", encoding="utf-8")
    out = tmp_path / "o"
    assert invoke("run", str(d), "--out", str(out)).exit_code == 0
    assert (out / "sub" / "b.txt").exists()
    (d / "sub" / "b.txt").unlink()
    (d / "sub").rmdir()
    assert invoke("run", str(d), "--out", str(out), "--overwrite").exit_code == 0
    assert sorted(tree(out)) == sorted([MANIFEST, "a.txt", *REPORTS])
    assert manifest(out)["files"] == sorted(["a.txt", *REPORTS]) and manifest(out)["complete"]
    # a dry run writes no corpus: the earlier corpus goes too, it is not this run's output
    assert invoke("run", str(d), "--out", str(out), "--overwrite", "--dry-run").exit_code == 0
    assert sorted(tree(out)) == sorted([MANIFEST, *REPORTS])


def test_overwrite_never_deletes_a_file_seedclean_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert invoke("run", str(SEEDS), "--out", str(out)).exit_code == 0
    (out / "notes.md").write_text("mine")
    before = tree(out)
    res = invoke("run", str(SEEDS), "--out", str(out), "--overwrite")
    assert res.exit_code == 4 and "notes.md" in res.output and "not written by seedclean" in res.output
    assert tree(out) == before


# 3. an interrupted --overwrite run says what it left -----------------------------------------------
def test_interrupted_overwrite_marks_the_folder_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, fresh = tmp_path / "o", tmp_path / "fresh"
    assert invoke("run", str(SEEDS), "--out", str(out)).exit_code == 0
    real = write_mod.CorpusWriter.write_file
    calls = []

    def interrupt_second(self: Any, *args: Any) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(self, *args)

    monkeypatch.setattr(write_mod.CorpusWriter, "write_file", interrupt_second)
    res = invoke("run", str(SEEDS), "--out", str(out), "--overwrite", "--threshold", "0.5")
    assert res.exit_code == 130
    assert "incomplete" in res.output and "no report.json" in res.output and "no partial" not in res.output
    assert not (out / "report.json").exists() and not (out / "report.html").exists()
    assert manifest(out)["complete"] is False and not temporaries(out)
    monkeypatch.undo()
    assert invoke("run", str(SEEDS), "--out", str(out), "--overwrite").exit_code == 0
    assert invoke("run", str(SEEDS), "--out", str(fresh)).exit_code == 0
    strip = {"report.json", "report.html"}  # timings differ
    assert {k: v for k, v in tree(out).items() if k not in strip} == {
        k: v for k, v in tree(fresh).items() if k not in strip
    }


def test_interrupt_before_writing_leaves_the_folder_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    assert invoke("run", str(SEEDS), "--out", str(out)).exit_code == 0
    before = tree(out)

    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("seedclean.engines.local.read_documents", interrupt)
    res = invoke("run", str(SEEDS), "--out", str(out), "--overwrite")
    assert res.exit_code == 130 and "no output file was changed" in res.output
    assert tree(out) == before


# 4. input inside the output folder, and the converse ------------------------------------------------
def test_input_inside_output_folder_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    original = "Câu một.\n\nCâu một.\n\nCâu hai.\n"
    (data / "a.txt").write_text(original, encoding="utf-8")
    for target in (data, tmp_path):
        res = invoke("run", str(data / "a.txt"), "--out", str(target), "--overwrite")
        assert res.exit_code == 4 and "inside output folder" in res.output
    assert (data / "a.txt").read_text(encoding="utf-8") == original
    res = invoke("run", str(data), "--out", str(data / "cleaned"))
    assert res.exit_code == 4 and "inside input" in res.output


# 5. never through a link ------------------------------------------------------------------------
def test_overwrite_does_not_follow_a_symlinked_subfolder(tmp_path: Path) -> None:
    d, out, victim = tmp_path / "in", tmp_path / "o", tmp_path / "victim"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "a.txt").write_text(VI, encoding="utf-8")
    assert invoke("run", str(d), "--out", str(out)).exit_code == 0
    victim.mkdir()
    (victim / "a.txt").write_text("không được ghi đè", encoding="utf-8")
    (out / "sub" / "a.txt").unlink()
    (out / "sub").rmdir()
    (out / "sub").symlink_to(victim, target_is_directory=True)
    res = invoke("run", str(d), "--out", str(out), "--overwrite")
    assert res.exit_code == 4 and "symbolic link" in res.output
    assert (victim / "a.txt").read_text(encoding="utf-8") == "không được ghi đè"


# 6. disk full while writing JSONL ---------------------------------------------------------------
class _FullDisk(io.RawIOBase):
    """A raw file that takes ``room`` bytes, then fails every write with ENOSPC."""

    def __init__(self, path: Any, room: int) -> None:
        self.fh = io.FileIO(path, "wb")
        self.room = room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.fh.write(data)

    def fileno(self) -> int:
        return self.fh.fileno()

    def close(self) -> None:
        super().close()
        self.fh.close()


def distinct_paragraphs(n: int) -> list[str]:
    """``n`` paragraphs no two of which are near duplicates (random words from VI)."""
    words = VI.split()
    return [" ".join(random.Random(i).choices(words, k=30)) + f" {i}." for i in range(n)]


def test_disk_full_while_writing_jsonl_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in distinct_paragraphs(400)), encoding="utf-8")
    monkeypatch.setattr(
        write_mod, "open", lambda path, mode="r": io.BufferedWriter(_FullDisk(path, 20_000)), raising=False
    )
    res = invoke("run", str(src), "--out", str(tmp_path / "o"))
    assert res.exit_code == 4 and "No space left on device" in res.output
    assert not temporaries(tmp_path / "o") and not (tmp_path / "o" / "c.jsonl").exists()


def copies_corpus(folder: Path, paragraphs: int) -> Path:
    """A JSONL file of ``paragraphs`` distinct paragraphs, each followed by its exact copy."""
    src = folder / "c.jsonl"
    copies = [t for t in distinct_paragraphs(paragraphs) for _ in range(2)]
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in copies), encoding="utf-8")
    return src


@pytest.mark.parametrize("path", ["rendered lines", "document by document"])
def test_failure_while_writing_leaves_no_removal_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Whichever way the corpus is written (JSONL rendered in runs of lines; any other file, a
    dry run or the Ray engine document by document), a failure midway leaves nothing behind."""
    import seedclean.engines.local as local_mod

    src = copies_corpus(tmp_path, 60)
    calls = []
    if path == "rendered lines":
        monkeypatch.setattr(local_mod, "RENDER_DOCUMENTS", 10)  # 12 runs of lines: the fifth fails
        real_write = write_mod._JsonlSink.write_lines

        def write_then_fail(self: Any, data: bytes) -> None:
            calls.append(1)
            if len(calls) == 5:
                raise OSError(errno.ENOSPC, "No space left on device")
            real_write(self, data)

        monkeypatch.setattr(write_mod._JsonlSink, "write_lines", write_then_fail)
    else:
        real_add = write_mod._JsonlSink.add

        def add_then_fail(self: Any, text: str, record: Any) -> None:
            calls.append(1)
            if len(calls) == 50:  # 49 copies removed by now
                raise OSError(errno.ENOSPC, "No space left on device")
            real_add(self, text, record)

        monkeypatch.setattr(write_mod._JsonlSink, "add", add_then_fail)
        from seedclean.clustering.dedup import DedupResult

        monkeypatch.setattr(DedupResult, "renders_lines", property(lambda self: False))
    res = invoke("run", str(src), "--out", str(tmp_path / "o"))
    assert res.exit_code == 4 and "No space left on device" in res.output
    assert len(calls) == (5 if path == "rendered lines" else 50)
    assert not temporaries(tmp_path / "o") and not (tmp_path / "o" / "removed.parquet").exists()
    assert not (tmp_path / "o" / "c.jsonl").exists()


def test_failure_while_the_removal_table_is_written_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import seedclean.report.removals

    src = copies_corpus(tmp_path, 40)
    monkeypatch.setattr(seedclean.report.removals, "_CHUNK_ROWS", 3)  # several chunks: the second one fails
    real_rows = seedclean.report.removals.RemovalCollector._rows

    def rows_then_fail(self: Any, lo: int, hi: int) -> Any:
        if lo >= 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_rows(self, lo, hi)

    monkeypatch.setattr(seedclean.report.removals.RemovalCollector, "_rows", rows_then_fail)
    res = invoke("run", str(src), "--out", str(tmp_path / "o"))
    assert res.exit_code == 4 and "No space left on device" in res.output
    assert not temporaries(tmp_path / "o") and not (tmp_path / "o" / "removed.parquet").exists()


def test_a_failing_report_stops_the_removal_table_at_its_next_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table's thread is told to stop, rather than writing every chunk before the run can end."""
    import threading

    import seedclean.report.removals
    import seedclean.report.summary

    src = copies_corpus(tmp_path, 40)  # 40 rows: 20 chunks of 2
    monkeypatch.setattr(seedclean.report.removals, "_CHUNK_ROWS", 2)
    failed = threading.Event()
    made: list[int] = []
    real_rows = seedclean.report.removals.RemovalCollector._rows

    def rows_after_the_failure(self: Any, lo: int, hi: int) -> Any:
        failed.wait(timeout=30)  # the first chunk waits until the report has failed
        made.append(lo)
        return real_rows(self, lo, hi)

    def render_fails(report: Any) -> str:
        failed.set()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(seedclean.report.removals.RemovalCollector, "_rows", rows_after_the_failure)
    monkeypatch.setattr(seedclean.report.summary, "render_html", render_fails)
    res = invoke("run", str(src), "--out", str(tmp_path / "o"))
    assert res.exit_code == 4 and "No space left on device" in res.output
    assert len(made) <= 2  # the chunk under way when the report failed, at most one more; not all 20
    assert not temporaries(tmp_path / "o") and not (tmp_path / "o" / "removed.parquet").exists()


# 7. SIGTERM ----------------------------------------------------------------------------------
def test_sigterm_while_writing_cleans_up_and_exits_143(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps({"text": f"{VI} {i}"}) + "\n" for i in range(50)), encoding="utf-8")
    real_write = write_mod._JsonlSink.write_lines

    def write_then_sigterm(self: Any, data: bytes) -> None:
        real_write(self, data)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(write_mod._JsonlSink, "write_lines", write_then_sigterm)
    res = invoke("run", str(src), "--out", str(tmp_path / "o"))
    assert res.exit_code == 143 and "terminated" in res.output and "incomplete" in res.output
    assert not temporaries(tmp_path / "o") and not (tmp_path / "o" / "c.jsonl").exists()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored


def _cli(*args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "seedclean.cli", *args], stderr=subprocess.PIPE, stdout=subprocess.PIPE, **kwargs
    )


def test_sigterm_to_a_real_process_exits_143_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = _cli("run", "-", "--out", str(out), stdin=subprocess.PIPE)  # blocks reading stdin
    deadline = time.monotonic() + 60
    while not (out / LOCK).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert b"Traceback" not in err and b"terminated (SIGTERM)" in err
    assert sorted(tree(out)) == []  # nothing written, lock released


# 8. Ctrl-C with a worker pool --------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.parametrize(
    "sig, group, delay, code, word",
    [
        (signal.SIGINT, True, 0.0, 130, b"interrupted"),  # Ctrl-C while the workers start up
        (signal.SIGINT, True, 1.0, 130, b"interrupted"),  # Ctrl-C while they work
        (signal.SIGTERM, False, 1.0, 143, b"terminated"),  # kill PID: the workers lose their parent
    ],
    ids=["ctrl-c-at-start", "ctrl-c-busy", "sigterm-parent"],
)
def test_signals_with_two_workers_report_once(
    tmp_path: Path, sig: signal.Signals, group: bool, delay: float, code: int, word: bytes
) -> None:
    src = tmp_path / "c.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for text in distinct_paragraphs(60_000):
            fh.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    proc = _cli("run", str(src), "--out", str(tmp_path / "o"), "--workers", "2", start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(delay)
    assert proc.poll() is None, "the run finished before it could be interrupted; make the input larger"
    if group:
        os.killpg(proc.pid, sig)  # what a terminal's Ctrl-C does: the whole process group
    else:
        os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err and b"BrokenPipe" not in err
    assert err.count(word) == 1 and b"leaked" not in err


# 9. two runs into one folder ---------------------------------------------------------------------
def test_second_run_into_a_locked_folder_refuses_and_spares_the_first(tmp_path: Path) -> None:
    out = tmp_path / "o"
    first = OutputFolder(out, overwrite=False)
    first.claim([str(SEEDS)])
    its_temp = out / f".a.txt.{os.getpid()}{TMP_SUFFIX}"
    its_temp.write_bytes(b"half written by the first run")
    try:
        res = invoke("run", str(SEEDS), "--out", str(out), "--overwrite")
        assert res.exit_code == 4 and "another seedclean run" in res.output and str(os.getpid()) in res.output
        assert its_temp.exists()
    finally:
        first.release()
    assert not (out / LOCK).exists()


def test_stale_temporaries_go_only_when_their_writer_is_gone(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    sleeper = subprocess.Popen(["sleep", "60"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    try:
        alive_temp = out / f".x.txt.{sleeper.pid}{TMP_SUFFIX}"
        dead_temp = out / f".y.txt.{dead.pid}{TMP_SUFFIX}"
        alive_temp.write_bytes(b"x")
        dead_temp.write_bytes(b"y")
        assert invoke("run", str(SEEDS), "--out", str(out)).exit_code == 0
        assert alive_temp.exists() and not dead_temp.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


# 10. a folder that cannot be written is found before the work --------------------------------------------
def test_unwritable_output_is_found_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    out.mkdir()
    read = []
    monkeypatch.setattr("seedclean.engines.local.read_documents", lambda *a: read.append(a) or iter(()))
    if os.geteuid() == 0:  # root writes anywhere: make the probe meet what a read-only folder gives
        real = Path.write_bytes

        def write_bytes(self: Path, data: bytes) -> int:
            if self.parent == out:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self, data)

        monkeypatch.setattr(Path, "write_bytes", write_bytes)
    else:
        out.chmod(0o555)
    try:
        res = invoke("run", str(SEEDS), "--out", str(out))
    finally:
        out.chmod(0o755)
    assert res.exit_code == 4 and "not writable" in res.output
    assert read == []


# 11. compression is kept ------------------------------------------------------------------------
def test_gzip_inputs_are_written_back_compressed(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt.gz").write_bytes(gzip.compress("Cộng hoà xã hội.\n".encode()))
    (d / "b.jsonl.gz").write_bytes(gzip.compress((json.dumps({"text": "Sức khoẻ tốt."}) + "\n").encode()))
    out = tmp_path / "o"
    assert invoke("run", str(d), "--out", str(out)).exit_code == 0
    assert gzip.decompress((out / "a.txt.gz").read_bytes()).decode() == "Cộng hòa xã hội.\n"
    assert json.loads(gzip.decompress((out / "b.jsonl.gz").read_bytes())) == {"text": "Sức khỏe tốt."}


# 12. long file names ----------------------------------------------------------------------------
def test_a_244_byte_file_name_is_written(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    name = "t" * 240 + ".txt"
    (d / name).write_text(VI, encoding="utf-8")
    res = invoke("run", str(d), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / name).read_text(encoding="utf-8") == VI


# the ordered pool behind --workers ------------------------------------------------------------
def _square_or_fail(x: int) -> int:
    if x == 13:
        raise ValueError("thirteen")
    return x * x


def test_ordered_pool_equals_map_and_raises_worker_errors() -> None:
    from seedclean.engines.workers import OrderedPool

    with OrderedPool(2, _square_or_fail) as pool:
        assert list(pool.imap(range(13))) == [x * x for x in range(13)]
        with pytest.raises(ValueError, match="thirteen"):
            list(pool.imap(range(20)))


def _kernels_loaded(_item: object) -> tuple[bool, int]:
    """In a worker: whether the preload module ran, and how many signatures the least of the
    prescan, recomposed-words and JSONL kernels has."""
    import sys

    loaded = "seedclean.engines.worker_preload" in sys.modules
    kernels = sys.modules.get("seedclean.fingerprint.compiled_kernels")
    if kernels is None:
        return loaded, 0
    names = ("prescan_kernel", "nfc_kernel", "jsonl_scan_kernel", "render_jsonl_kernel")
    return loaded, min(len(getattr(kernels, name).signatures) for name in names)


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is what Linux runs (elsewhere: spawn)")
def test_workers_start_with_the_package_and_kernels_loaded() -> None:
    from seedclean.engines.workers import OrderedPool

    with OrderedPool(2, _kernels_loaded) as pool:
        for loaded, signatures in pool.imap(range(4)):
            assert loaded and signatures > 0  # forked from the fork server after it loaded them
