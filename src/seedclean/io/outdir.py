"""The output folder a run owns: one run at a time, nothing written through a link, and a
manifest of what seedclean wrote so that ``--overwrite`` replaces an earlier run as a whole.

A run goes through these steps (``run`` calls them in this order):

1. :meth:`OutputFolder.claim`, before any input is read: refuse an output inside an input (or
   the converse), take the lock file (a second run into the same folder refuses at once),
   refuse a non-empty folder without ``--overwrite`` and, with it, any file or link that no
   earlier run recorded in its manifest; remove temporaries whose writer is gone; check that
   the folder is writable.
2. :meth:`OutputFolder.begin`: the manifest is rewritten as *incomplete* (naming every file an
   earlier run or this one may leave) and the earlier run's reports are removed, so a folder
   interrupted from here on has no report.json and says so.
3. Corpus files are written through :meth:`OutputFolder.target` (each atomically).
4. :meth:`OutputFolder.finish`: files an earlier run wrote and this one did not are removed;
   :meth:`OutputFolder.seal` writes the complete manifest after the reports.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from pathlib import Path
from typing import IO, Any

from seedclean.io.write import TMP_SUFFIX, OutputError, atomic_write

__all__ = ["OutputFolder", "MANIFEST", "LOCK", "REPORT_FILES", "RESERVED_NAMES", "temp_owner"]

MANIFEST = ".seedclean-manifest.json"
LOCK = ".seedclean.lock"
REPORT_FILES = ("report.json", "report.html", "documents.parquet", "warnings.jsonl", "removed.parquet")
RESERVED_NAMES = frozenset((*REPORT_FILES, MANIFEST, LOCK))
MANIFEST_SCHEMA = "seedclean.manifest/1"


def temp_owner(name: str) -> int | None:
    """The process id in a temporary file's name (``.<stem>.<pid>.seedclean-tmp``), if any."""
    if not name.endswith(TMP_SUFFIX):
        return None
    pid = name[: -len(TMP_SUFFIX)].rsplit(".", 1)[-1]
    return int(pid) if pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


class OutputFolder:
    """The output folder of one run; see the module docstring for the order of the calls."""

    def __init__(self, out: Path, overwrite: bool) -> None:
        self.out = out
        self.overwrite = overwrite
        self._lock: IO[bytes] | None = None
        self._created = False
        self.previous: set[str] = set()  # corpus files an earlier run recorded
        self.planned: set[str] = set()
        self.written: set[str] = set()

    # -- step 1 -------------------------------------------------------------------------------
    def claim(self, inputs: list[str]) -> None:
        """Check and lock the folder before any work; raise OutputError naming the problem."""
        out = self.out
        resolved = out.resolve()
        for item in inputs:
            if item == "-":
                continue
            src = Path(item).resolve()
            if src.is_file() and resolved == src:
                raise OutputError(f"output folder {out} is an input file")
            if _inside(resolved, src):
                raise OutputError(f"output folder {out} is inside input {item}; choose another --out")
            if _inside(src, resolved):
                raise OutputError(f"input {item} is inside output folder {out}; choose another --out")
        if out.is_symlink() and not out.is_dir():
            raise OutputError(f"output path is a broken symbolic link: {out}")
        if out.exists() and not out.is_dir():
            raise OutputError(f"output path exists and is not a folder: {out}")
        try:
            self._created = not out.exists()
            out.mkdir(parents=True, exist_ok=True)
            self._take_lock()
        except PermissionError as exc:
            raise OutputError(f"output folder is not writable: {out} ({exc.strerror})") from exc
        try:
            self._check_contents()
            self._remove_stale_temporaries()
            self._probe_writable()
        except BaseException:
            self.release()
            raise

    def _take_lock(self) -> None:
        """flock the lock file; retry if a finishing run removed it between our open and our lock
        (the lock must be on the file the path names now, or two runs could both hold one)."""
        path = self.out / LOCK
        while True:
            fh = open(path, "a+b")  # noqa: SIM115 - held for the whole run
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                fh.seek(0)
                holder = fh.read().decode("ascii", "replace").strip() or "?"
                fh.close()
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise OutputError(
                        f"another seedclean run (pid {holder}) is writing to {self.out}; "
                        "wait for it to finish or choose another --out"
                    ) from exc
                raise
            try:
                same = os.fstat(fh.fileno()).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            fh.close()
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n".encode("ascii"))
        fh.flush()
        self._lock = fh

    def _entries(self) -> list[tuple[str, Path]]:
        """(relative posix path, path) of every file and link below the folder, links not followed."""
        found = []
        for root, dirs, files in os.walk(self.out, followlinks=False):
            base = Path(root)
            for name in sorted(files) + sorted(d for d in dirs if (base / d).is_symlink()):
                path = base / name
                found.append((path.relative_to(self.out).as_posix(), path))
        return sorted(found)

    def _check_contents(self) -> None:
        manifest = self._read_manifest()
        ours = set(manifest.get("files", [])) if manifest else set()
        foreign = []
        for rel, path in self._entries():
            name = path.name
            if rel in (MANIFEST, LOCK) or temp_owner(name) is not None:
                continue
            if path.is_symlink():
                raise OutputError(
                    f"{path} is a symbolic link; seedclean never writes through links in the output folder "
                    "(remove it or choose another --out)"
                )
            if rel not in ours:
                foreign.append(rel)
            elif not self.overwrite:
                raise OutputError(f"output folder is not empty: {self.out} (use --overwrite to replace its files)")
        if foreign:
            more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
            if not self.overwrite:
                raise OutputError(f"output folder is not empty: {self.out} (use --overwrite to replace its files)")
            raise OutputError(
                f"output folder {self.out} holds {self.out / foreign[0]}{more}, not written by seedclean; "
                "--overwrite only replaces an earlier run's files: move it or choose another --out"
            )
        self.previous = {rel for rel in ours if rel not in RESERVED_NAMES}

    def _read_manifest(self) -> dict[str, Any] | None:
        path = self.out / MANIFEST
        if not path.is_file() or path.is_symlink():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
            return None
        files = data.get("files")
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            return None
        return data

    def _remove_stale_temporaries(self) -> None:
        for _rel, path in self._entries():
            pid = temp_owner(path.name)
            if pid is not None and not path.is_symlink() and (pid == os.getpid() or not _alive(pid)):
                path.unlink(missing_ok=True)

    def _probe_writable(self) -> None:
        probe = self.out / f".probe.{os.getpid()}{TMP_SUFFIX}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"output folder is not writable: {self.out} ({exc.strerror or exc})") from exc

    # -- step 2 -------------------------------------------------------------------------------
    def begin(self, planned: set[str]) -> None:
        """Mark the folder incomplete and remove the earlier reports before any output file changes."""
        self.planned = set(planned)
        for rel in sorted(self.planned):
            self._check_no_link(rel)
        self._write_manifest(sorted(self.previous | self.planned | set(REPORT_FILES)), complete=False)
        for name in REPORT_FILES:
            (self.out / name).unlink(missing_ok=True)

    # -- step 3 -------------------------------------------------------------------------------
    def target(self, rel: str) -> Path:
        """The path to write ``rel`` to, after checking that no folder on the way is a link."""
        self._check_no_link(rel)
        return self.out / rel

    def wrote(self, rel: str) -> None:
        """Record that corpus file ``rel`` was written (renamed into place) by this run."""
        self.written.add(rel)

    def _check_no_link(self, rel: str) -> None:
        path = self.out
        for part in Path(rel).parts[:-1]:
            path = path / part
            if path.is_symlink() or (path.exists() and not path.is_dir()):
                raise OutputError(f"{path} is a symbolic link or a file; seedclean never writes through it")

    # -- step 4 -------------------------------------------------------------------------------
    def finish(self) -> None:
        """Remove every file an earlier run (or a planned file of this one) left that this run did not write."""
        for rel in sorted((self.previous | self.planned) - self.written):
            self._check_no_link(rel)
            path = self.out / rel
            if path.is_file() and not path.is_symlink():
                path.unlink()
                self._remove_empty_parents(path.parent)

    def _remove_empty_parents(self, folder: Path) -> None:
        while folder != self.out and self.out in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def seal(self) -> None:
        """Record what this run wrote: the folder is complete."""
        self._write_manifest(sorted(self.written | set(REPORT_FILES)), complete=True)

    def _write_manifest(self, files: list[str], complete: bool) -> None:
        data = {"schema": MANIFEST_SCHEMA, "complete": complete, "files": files}
        atomic_write(self.out / MANIFEST, (json.dumps(data, indent=1) + "\n").encode("ascii"))

    def release(self) -> None:
        """Remove the lock file and let the lock go (in that order: see ``_take_lock``)."""
        if self._lock is not None:
            (self.out / LOCK).unlink(missing_ok=True)
            self._lock.close()
            self._lock = None
            if self._created:  # a run that stopped before writing leaves no empty folder behind
                try:
                    self.out.rmdir()
                except OSError:
                    pass

    def state(self) -> str:
        """'untouched', 'incomplete' or 'complete': what an interrupted run left."""
        manifest = self._read_manifest()
        if manifest is None:
            return "untouched"
        return "complete" if manifest.get("complete") else "incomplete"
