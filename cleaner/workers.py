"""Local engine: batches cleaned in this process, or on worker processes with a bounded window.

Workers run in a ``ProcessPoolExecutor``. However one dies (SIGKILL, the OOM killer, a segfault
in a C extension, SIGTERM; while starting, mid-batch or while the run commits its last shard),
the run stops with :class:`RunStopped` (exit 3 and one line), never with the executor's
traceback, and the shards already committed stay for ``--resume``. However the main process
dies, its workers follow it within about a second instead of living on, orphaned.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from cleaner.batch import Batch, BatchResult, clean_batch
from cleaner.errors import RunStopped
from cleaner.io.readers import Item
from cleaner.pipeline import Cleaner, Sources
from cleaner.stages import CorpusStage

WORKER_DIED = "a worker process died (killed, out of memory, or crashed)"

# Fault injection for the test suite, so that a worker dies at an exact moment instead of after
# a sleep that races: "<moment>:<signal>:<marker file>", moment one of "start", "batch-N" (the
# worker that takes batch N, counting from 0) or "flush" (after the last result, before the
# workers are shut down). Only the first process to create the marker file acts. A run with a
# corpus stage adds moments where the main process signals itself (inject_fault): "pass1-N"
# (after committing pass 1's shard N), "between-passes", "pass2-N" (after committing shard N).
FAULT_ENV = "CLEANER_TEST_WORKER_FAULT"

_PR_SET_PDEATHSIG = 1
_WORKER: Cleaner | None = None


def _fault(moment: str) -> tuple[signal.Signals, str] | None:
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return None
    when, sig, marker = spec.split(":", 2)
    if when != moment:
        return None
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None
    return signal.Signals[sig], marker


def inject_fault(moment: str) -> None:
    """The test suite's fault hook: signal this process if ``FAULT_ENV`` names ``moment``."""
    fault = _fault(moment)
    if fault is not None:
        os.kill(os.getpid(), fault[0])


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when ``parent`` does, whichever way it dies (SIGKILL included)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the request took effect
                    os._exit(1)
                return

    def watch() -> None:  # elsewhere: poll, since no signal tells a child of its parent's end
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="cleaner-parent-watch", daemon=True).start()


def _init_worker(parent: int, cleaner: Cleaner | None, spec: Sources | None) -> None:
    # The worker's own cleaner, set in the worker only: a forked worker is handed the parent's
    # (fork passes it by memory, unpickled), a spawned one builds it again from the same files.
    global _WORKER
    _WORKER = cleaner
    _die_with_parent(parent)
    # A terminal's Ctrl-C reaches the whole process group. The main process owns the stop
    # (it removes temporary files and reports once); a worker would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the main process's unwinding handler
    if spec is not None:  # spawned, not forked: build the cleaner again from the same files
        _WORKER = Cleaner.from_paths(*spec)
    inject_fault("start")


_START_ROUNDS = 100  # bounded: a platform that starts workers lazily may never show them all


def _worker_pid() -> int:
    """This worker's pid, after a moment's hold so that the next task goes to another one."""
    time.sleep(0.01)
    return os.getpid()


def _worker_batch(
    index: int, items: list[Item], stage: CorpusStage[Any] | None, report: bool = False
) -> BatchResult:
    assert _WORKER is not None
    inject_fault(f"batch-{index}")
    return clean_batch(_WORKER, items, stage, report=report)


class LocalEngine:
    """Runs batches in input order: in this process, or on worker processes, a few at a time."""

    def __init__(self, cleaner: Cleaner, workers: int, outdir: str, report: bool = False) -> None:
        self.cleaner = cleaner
        self.report = report  # collect --report's aggregates in each batch's tally
        self.outdir = outdir
        self.pool: ProcessPoolExecutor | None = None
        self.window = 2 * workers + 1
        if workers <= 1:
            return
        parent = os.getpid()
        if "fork" in multiprocessing.get_all_start_methods():
            # Children inherit the compiled rules: no rebuild per worker.
            self.pool = ProcessPoolExecutor(
                workers,
                multiprocessing.get_context("fork"),
                initializer=_init_worker,
                initargs=(parent, cleaner, None),
            )
        else:  # pragma: no cover - platforms without fork
            self.pool = ProcessPoolExecutor(
                workers,
                multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(parent, None, cleaner.sources),
            )
        # Start every worker now, before any other thread (a progress bar) exists; a worker
        # that dies while starting stops the run here. The broken pool is shut down before
        # the stop propagates: no caller holds this engine yet to close it, and a pool left
        # to the interpreter's exit races its own teardown thread.
        try:
            with self._stopped_on_death():
                # Until every worker has answered: one live worker could otherwise take all
                # the first tasks before a dead one's exit is noticed, and the run would start.
                seen: set[int] = set()
                for _ in range(_START_ROUNDS):
                    if len(seen) >= workers:
                        break
                    tasks = [self.pool.submit(_worker_pid) for _ in range(workers)]
                    seen.update(task.result() for task in tasks)
        except RunStopped:
            self.close(ok=False)
            raise

    @contextlib.contextmanager
    def _stopped_on_death(self) -> Iterator[None]:
        try:
            yield
        except BrokenProcessPool:
            raise RunStopped(WORKER_DIED, self.outdir) from None

    def map(
        self, work: Iterator[Batch], stage: CorpusStage[Any] | None = None
    ) -> Iterator[tuple[Batch, BatchResult]]:
        """Each batch with its result, in input order; with ``stage``, scanned too."""
        if self.pool is None:
            for batch in work:
                yield batch, clean_batch(self.cleaner, batch.items, stage, report=self.report)
            return
        pending: deque[tuple[Batch, Future[BatchResult]]] = deque()
        for index, batch in enumerate(work):
            with self._stopped_on_death():  # submit refuses once the pool is broken
                future = self.pool.submit(_worker_batch, index, batch.items, stage, self.report)
                pending.append((batch, future))
            if len(pending) >= self.window:
                yield self._next(pending)
        while pending:
            yield self._next(pending)
        fault = _fault("flush")
        if fault is not None:
            self._kill_one_worker(fault[0])

    def _next(self, pending: deque[tuple[Batch, Future[BatchResult]]]) -> tuple[Batch, BatchResult]:
        done, future = pending.popleft()
        with self._stopped_on_death():
            return done, future.result()

    def _processes(self) -> list[multiprocessing.process.BaseProcess]:
        return list((getattr(self.pool, "_processes", None) or {}).values())

    def _kill_one_worker(self, sig: signal.Signals) -> None:
        processes = self._processes()
        if processes and processes[0].pid is not None:
            os.kill(processes[0].pid, sig)
            processes[0].join()

    def close(self, ok: bool) -> None:
        if self.pool is None:
            return
        if not ok:
            # Stopping: the batches in flight are discarded, so do not wait for them. Workers
            # ignore SIGINT; without this they would run on after this process has exited.
            processes = self._processes()
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
                if process.exitcode is None:
                    process.kill()
                    process.join()
            # A worker stopped while writing a result leaves half a message in the result
            # pipe, and the executor's thread blocks reading the rest for ever (this process
            # holds the pipe's write end too, so no end of file comes). The workers are gone:
            # closing that end gives the reader its end of file, which the executor treats as
            # a broken pool, and the shutdown below can join its thread.
            writer = getattr(getattr(self.pool, "_result_queue", None), "_writer", None)
            if writer is not None:
                with contextlib.suppress(OSError):
                    writer.close()
        # Every result is in when ok: a worker that died since costs nothing, so the
        # executor's complaint about it is not the run's failure. The workers are gone when
        # not ok, so waiting is quick; not waiting would leave the executor's thread writing
        # to pipes the interpreter closes at exit (a traceback after a clean stop).
        with contextlib.suppress(BrokenProcessPool):
            self.pool.shutdown(wait=True, cancel_futures=not ok)
