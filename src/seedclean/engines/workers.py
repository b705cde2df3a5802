"""A small ordered process pool for the per-batch stage: one pipe per worker, no shared locks.

``multiprocessing.Pool`` shares locked queues between its workers; a worker stopped by a signal
while holding one (waiting for a task holds the read lock) can leave ``terminate()`` waiting
forever. Here each worker has its own pipe, results come back in input order, and stopping
means killing the processes: nothing can be left locked. Workers leave SIGINT to the parent,
which stops them and reports once.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from seedclean.clustering.units import fewer_collections

__all__ = ["OrderedPool"]

_STARTUP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_IN_FLIGHT = 2  # batches queued per worker: one being computed, one waiting


def _serve(conn: Any, fn: Callable[[Any], Any]) -> None:
    """Worker loop: ignore Ctrl-C (the parent handles it), take SIGTERM again, say ready, then
    answer each item with (True, result) or (False, exception) until told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STARTUP_SIGNALS)
    conn.send("ready")
    with fewer_collections():  # the process is the pool's: what it allocates is the items'
        while True:
            try:
                item = conn.recv()
            except EOFError:  # the parent is gone
                return
            if item is None:
                return
            try:
                conn.send((True, fn(item)))
            except Exception as exc:  # sent back and raised in the parent, where it is reported
                conn.send((False, exc))


def _context() -> Any:
    """Where workers come from: a fork server that has loaded the package and its compiled
    kernels once (:mod:`seedclean.engines.worker_preload`) and forks each worker from itself,
    so that workers start loaded; spawned fresh interpreters where there is no fork server.
    The server is a clean single-threaded process, never the caller (which may hold threads
    and locks a fork would copy). The preload list is multiprocessing's process-wide setting:
    another fork-server pool of the same process started later preloads seedclean too (which
    changes nothing it computes); one started earlier keeps its own server, whose workers then
    load the kernels themselves."""
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["seedclean.engines.worker_preload"])
    return ctx


class OrderedPool:
    """``workers`` processes mapping ``fn`` over items, results in input order.

    Use as a context manager: leaving the block normally lets the workers finish; leaving it by
    an exception (Ctrl-C, SIGTERM, an error) kills them at once.
    """

    def __init__(self, workers: int, fn: Callable[[Any], Any]) -> None:
        ctx = _context()
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        in_main = threading.current_thread() is threading.main_thread()
        held: list[int] = []
        if in_main:
            # While the workers start, SIGINT and SIGTERM are blocked in this thread (the mask
            # survives fork and exec: a worker is never hit during its imports) and recorded, not
            # acted on, if another thread of this process takes them (numpy's BLAS threads exist);
            # they are acted on once every worker is up. The resource tracker starts first, since
            # starting it unblocks SIGINT.
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STARTUP_SIGNALS)
            previous = {sig: signal.signal(sig, lambda signum, _frame: held.append(signum)) for sig in _STARTUP_SIGNALS}
        try:
            for _ in range(workers):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_serve, args=(child, fn), daemon=True)
                proc.start()
                child.close()
                self.procs.append(proc)
                self.conns.append(parent)
            for conn in self.conns:
                if conn.recv() != "ready":  # pragma: no cover - protocol guard
                    raise RuntimeError("a worker did not start")
        except BaseException:
            self.kill()
            raise
        finally:
            if in_main:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a blocked pending signal arrives now
        for signum in dict.fromkeys(held):  # one taken by another thread while the workers started
            handler = previous[signal.Signals(signum)]
            if callable(handler):
                try:
                    handler(signum, None)
                except BaseException:
                    self.kill()
                    raise
            elif handler == signal.SIG_DFL:
                self.kill()
                signal.raise_signal(signum)

    def imap(self, items: Iterable[Any]) -> Iterator[Any]:
        """Results of ``fn`` for each item, in order; a worker's exception is raised here.

        Two items are queued per worker, so a worker never waits for the parent to read the next
        one; a sender thread does the sending, so the parent never blocks writing into a full
        pipe while that worker blocks writing its result back (the deadlock of sending inline).
        """
        source = iter(items)
        pending: deque[int] = deque()
        outbox: queue.SimpleQueue[tuple[int, Any] | None] = queue.SimpleQueue()
        conns = list(self.conns)

        def send_all() -> None:
            while (job := outbox.get()) is not None:
                worker, item = job
                try:
                    conns[worker].send(item)
                except (OSError, ValueError):  # the pool was stopped: the parent reports it
                    return

        sender = threading.Thread(target=send_all, name="seedclean-sender", daemon=True)
        sender.start()

        def feed(worker: int) -> None:
            for item in source:
                outbox.put((worker, item))
                pending.append(worker)
                return

        try:
            for k in range(_IN_FLIGHT * len(conns)):
                feed(k % len(conns))
            while pending:
                worker = pending.popleft()
                try:
                    ok, value = conns[worker].recv()
                except EOFError:
                    code = self.procs[worker].exitcode
                    raise RuntimeError(f"worker process {worker} died (exit code {code})") from None
                if not ok:
                    raise value
                feed(worker)
                yield value
        finally:
            outbox.put(None)

    def close(self) -> None:
        """Tell the workers to stop and wait for them."""
        for conn in self.conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=30)
        self.kill()

    def kill(self) -> None:
        """Stop every worker now (nothing is shared, so nothing can stay locked)."""
        for proc in self.procs:
            if proc.exitcode is None:
                proc.kill()
        for proc in self.procs:
            proc.join()
        for conn in self.conns:
            conn.close()
        self.procs, self.conns = [], []

    def __enter__(self) -> OrderedPool:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.kill()
