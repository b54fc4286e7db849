"""A run: read every input, clean it, write a record or a reject, and account for each article.

The input is cut into batches (never crossing a shard boundary). With ``workers > 1``, worker
processes clean batches and return finished JSON lines; the main process writes the results in
input order, so the output is the same bytes whatever the worker count. At most a few batches
per worker are in flight, so memory does not grow with the input.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cleaner.errors import CleanerError, RunStopped
from cleaner.io.readers import (
    InputMeter,
    Item,
    JsonlKeys,
    Limits,
    expand_inputs,
    input_bytes,
    read_inputs,
)
from cleaner.io.writers import (
    OutputOptions,
    ShardedOutput,
    StreamOutput,
    dump_line,
    options_manifest,
)
from cleaner.pipeline import Cleaner, Outcome
from cleaner.record import Reason, Record, Reject, printable

BATCH_ITEMS = 200  # articles per task sent to a worker


@dataclass
class Tally:
    """Counts for summary.json. Holds only counters, so memory does not grow with the corpus."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    chars_in: int = 0
    chars_out: int = 0
    packs: Counter[str] = field(default_factory=Counter)
    rule_docs: Counter[str] = field(default_factory=Counter)
    rule_chars: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    extractors: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        self.read += 1
        self.chars_in += outcome.chars_in
        if outcome.selection is not None:
            self.packs.update(outcome.selection.packs)
        for e in outcome.edits:
            self.rule_docs[e.rule] += 1
            self.rule_chars[e.rule] += e.removed_chars
        result = outcome.result
        if isinstance(result, Record):
            self.written += 1
            self.chars_out += result.n_chars
            self.langs[result.lang or "unknown"] += 1
            if result.extractor is not None:
                self.extractors[result.extractor] += 1
            for name in ("title", "author", "date_published", "date_updated"):
                if getattr(result, name) is not None:
                    self.fields[name] += 1
        else:
            self.rejected += 1
            self.reasons.update({r.code for r in result.reasons})

    def add_unread(self, reject: Reject) -> None:
        self.read += 1
        self.rejected += 1
        self.reasons.update({r.code for r in reject.reasons})

    def merge(self, other: Tally) -> None:
        for f in fields(self):
            mine = getattr(self, f.name)
            if isinstance(mine, Counter):
                mine.update(getattr(other, f.name))
            else:
                setattr(self, f.name, mine + getattr(other, f.name))

    def to_state(self) -> dict[str, Any]:
        """Plain JSON, for the completion markers a resumed run adds up."""
        state: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            state[f.name] = dict(sorted(value.items())) if isinstance(value, Counter) else value
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Tally:
        tally = cls()
        for f in fields(tally):
            mine = getattr(tally, f.name)
            if isinstance(mine, Counter):
                mine.update(state.get(f.name, {}))
            else:
                setattr(tally, f.name, int(state.get(f.name, 0)))
        return tally

    def summary(self) -> dict[str, Any]:
        return {
            "articles_read": self.read,
            "records_written": self.written,
            "rejects_written": self.rejected,
            "reconciled": self.read == self.written + self.rejected,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "packs": {k: {"documents": v} for k, v in sorted(self.packs.items())},
            "rules": {
                k: {"documents": self.rule_docs[k], "removed_chars": self.rule_chars[k]}
                for k in sorted(self.rule_docs)
            },
            "reject_reasons": dict(sorted(self.reasons.items())),
            "fields": dict(sorted(self.fields.items())),
            "languages": dict(sorted(self.langs.items())),
            "extractors": dict(sorted(self.extractors.items())),
        }


@dataclass
class Batch:
    """Consecutive input items of one shard; the last batch of a shard closes it."""

    shard: int
    items: list[Item]
    closes_shard: bool


@dataclass
class BatchResult:
    records: bytes
    rejects: bytes
    tally: Tally


def clean_item(cleaner: Cleaner, item: Item) -> tuple[bool, bytes, Outcome | Reject]:
    """One item -> (is_record, its JSON line, what the tally counts)."""
    if isinstance(item, Reject):
        return False, dump_line(item.to_dict()) + b"\n", item
    try:
        outcome = cleaner.clean(item)
    except Exception as exc:  # a bug must not sink a long run: reject the article, say why
        reason = Reason("internal_error", f"{type(exc).__name__}: {exc}"[:300])
        reject = Reject(item.id, item.source, (reason,))
        return False, dump_line(reject.to_dict()) + b"\n", reject
    result = outcome.result
    return isinstance(result, Record), dump_line(result.to_dict()) + b"\n", outcome


def clean_batch(cleaner: Cleaner, items: Iterable[Item]) -> BatchResult:
    """The unit of work of every engine (in-process, worker processes, Ray)."""
    records: list[bytes] = []
    rejects: list[bytes] = []
    tally = Tally()
    for item in items:
        is_record, line, counted = clean_item(cleaner, item)
        (records if is_record else rejects).append(line)
        if isinstance(counted, Reject):
            tally.add_unread(counted)
        else:
            tally.add(counted)
    return BatchResult(b"".join(records), b"".join(rejects), tally)


def batches(items: Iterator[Item], shard_size: int, first_shard: int = 0) -> Iterator[Batch]:
    """Cut the items into batches of at most BATCH_ITEMS that never cross a shard boundary."""
    shard, in_shard = first_shard, 0
    pending = next(items, None)
    while pending is not None:
        batch: list[Item] = []
        while pending is not None and len(batch) < BATCH_ITEMS and in_shard < shard_size:
            batch.append(pending)
            in_shard += 1
            pending = next(items, None)
        closes = pending is None or in_shard == shard_size
        yield Batch(shard, batch, closes)
        if closes:
            shard, in_shard = shard + 1, 0


def skip(items: Iterator[Item], n: int) -> Iterator[Item]:
    for _ in range(n):
        if next(items, None) is None:
            raise CleanerError(
                "cannot resume: the input has fewer articles than the committed shards hold"
            )
    return items


# -- worker processes --------------------------------------------------------------------------

_WORKER: Cleaner | None = None


def _init_worker(cleaner: Cleaner | None, spec: tuple[list[str], str | None] | None) -> None:
    global _WORKER
    if cleaner is not None:
        _WORKER = cleaner
    elif spec is not None:  # spawned, not forked: build it again from the same files
        _WORKER = Cleaner.from_paths(spec[0], spec[1])


def _init_forked_worker() -> None:
    # A terminal's Ctrl-C reaches the whole process group. The main process owns the stop
    # (it removes temporary files and reports once); a worker would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the main process's unwinding handler


def _worker_batch(items: list[Item]) -> BatchResult:
    assert _WORKER is not None
    return clean_batch(_WORKER, items)


class _Engine:
    """Runs batches in order: in this process, or on worker processes with a bounded window.

    Workers run in a ``ProcessPoolExecutor``: if one dies (killed, out of memory), the results
    in flight fail at once instead of never arriving, and the run stops cleanly; the shards it
    committed are kept for ``--resume``."""

    def __init__(self, cleaner: Cleaner, workers: int, outdir: str) -> None:
        self.cleaner = cleaner
        self.outdir = outdir
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1:
            if "fork" in multiprocessing.get_all_start_methods():
                # Children inherit the compiled rules: no rebuild per worker.
                _init_worker(cleaner, None)
                context = multiprocessing.get_context("fork")
                self.pool = ProcessPoolExecutor(
                    workers, mp_context=context, initializer=_init_forked_worker
                )
            else:  # pragma: no cover - platforms without fork
                spawn = multiprocessing.get_context("spawn")
                self.pool = ProcessPoolExecutor(
                    workers, spawn, initializer=_init_worker, initargs=(None, cleaner.sources)
                )
            # Start the workers now, before any other thread (a progress bar) exists.
            self.pool.submit(int).result()
        self.window = 2 * workers + 1

    def map(self, work: Iterator[Batch]) -> Iterator[tuple[Batch, BatchResult]]:
        if self.pool is None:
            for batch in work:
                yield batch, clean_batch(self.cleaner, batch.items)
            return
        pending: deque[tuple[Batch, Future[BatchResult]]] = deque()
        for batch in work:
            pending.append((batch, self.pool.submit(_worker_batch, batch.items)))
            if len(pending) >= self.window:
                yield self._next(pending)
        while pending:
            yield self._next(pending)

    def _next(self, pending: deque[tuple[Batch, Future[BatchResult]]]) -> tuple[Batch, BatchResult]:
        done, future = pending.popleft()
        try:
            return done, future.result()
        except BrokenProcessPool:
            raise RunStopped(
                "a worker process died (killed, or out of memory?)", self.outdir
            ) from None

    def close(self, ok: bool) -> None:
        if self.pool is None:
            return
        if not ok:
            # Stopping: the batches in flight are discarded, so do not wait for them. Workers
            # ignore SIGINT; without this they would run on after this process has exited.
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()
        self.pool.shutdown(wait=ok, cancel_futures=not ok)


# -- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    workers: int = 1
    resume: bool = False
    progress: bool = False
    keys: JsonlKeys = field(default_factory=JsonlKeys)
    output: OutputOptions = field(default_factory=OutputOptions)


@dataclass
class RunStats:
    """What this invocation did (a resumed run counts only its own work) and the final tally."""

    tally: Tally
    seconds: float
    bytes_read: int
    resumed_items: int


def _manifest(
    cleaner: Cleaner, inputs: list[str], options: RunOptions, out: Path | None
) -> dict[str, Any]:
    files: list[list[str | int | None]] = []
    for item in expand_inputs(inputs, out):
        if isinstance(item, Reject):  # a link not followed: its reject is part of the run
            files.append([item.source, None, None])
        elif isinstance(item, Path):
            st = item.stat() if item.exists() else None
            files.append(
                [
                    printable(item.resolve()),
                    st.st_size if st else None,
                    st.st_mtime_ns if st else None,
                ]
            )
        else:
            files.append([item, None, None])
    return {
        "version": 1,
        "inputs": files,
        "keys": options.keys.__dict__,
        "output": options_manifest(options.output),
        "items_per_shard": options.output.items_per_shard,
        "rules": cleaner.rules_digest,
    }


def run(
    cleaner: Cleaner, inputs: Iterable[str], outdir: str, options: RunOptions | None = None
) -> RunStats:
    options = options or RunOptions()
    inputs = list(inputs)
    out_opts = options.output
    out_opts.check()
    if options.workers < 1:
        raise CleanerError("-j must be at least 1")
    sink: ShardedOutput | StreamOutput
    out = None if outdir == "-" else Path(outdir).resolve()  # a walk skips its files
    limits = Limits(
        cleaner.config.limits["max_article_bytes"], cleaner.config.html["max_page_bytes"]
    )
    resumed = 0
    tally = Tally()
    if outdir == "-":
        if options.resume:
            raise CleanerError("--resume needs an output folder, not '-o -'")
        if out_opts.sharded or out_opts.format != "jsonl" or out_opts.compression != "none":
            raise CleanerError("-o - writes plain JSONL; shards and compression need a folder")
        sink = StreamOutput(out_opts.rejects_path)
        first_shard = 0
    else:
        if options.resume and "-" in inputs:
            raise CleanerError("--resume cannot re-read standard input; give files")
        sink = ShardedOutput(Path(outdir), out_opts, _manifest(cleaner, inputs, options, out))
    # Fork the workers first: they must inherit neither the output folder's lock (it would
    # outlive this run in a lingering worker) nor a progress bar's thread.
    engine = _Engine(cleaner, options.workers, outdir)
    if isinstance(sink, ShardedOutput):
        try:
            done = sink.start(options.resume)
        except BaseException:
            sink.release()
            engine.close(False)
            raise
        for shard in done.shards:
            tally.merge(Tally.from_state(shard["tally"]))
        first_shard = len(done.shards)
        resumed = done.items

    meter = InputMeter()
    items = skip(read_inputs(inputs, options.keys, meter, limits=limits, outdir=out), resumed)
    bar = _progress_bar(inputs, options.progress and outdir != "-")
    start = time.perf_counter()
    shard_tally, shard_items, n_shards, ok = Tally(), 0, first_shard, False
    session = Tally()
    try:
        for batch, result in engine.map(batches(items, out_opts.items_per_shard, first_shard)):
            sink.write(batch.shard, result.records, result.rejects)
            shard_tally.merge(result.tally)
            shard_items += len(batch.items)
            session.merge(result.tally)
            if batch.closes_shard:
                sink.commit(batch.shard, shard_items, shard_tally.to_state())
                tally.merge(shard_tally)
                shard_tally, shard_items, n_shards = Tally(), 0, batch.shard + 1
            if bar is not None:
                bar.update(meter.bytes_read - bar.n)
                bar.set_postfix_str(_postfix(session, time.perf_counter() - start), refresh=False)
        summary = tally.summary()
        if not summary["reconciled"]:  # pragma: no cover - would be a bug in this module
            raise RuntimeError(f"articles read != written + rejected: {summary}")
        sink.finish(n_shards, summary)
        ok = True
    finally:
        engine.close(ok)
        if bar is not None:
            bar.close()
        if not ok:
            sink.abort()
        sink.release()
    return RunStats(tally, time.perf_counter() - start, meter.bytes_read, resumed)


def _postfix(t: Tally, secs: float) -> str:
    rate = t.read / secs if secs > 0 else 0.0
    return f"{t.read:,} docs, {rate:,.0f} docs/s, {t.rejected:,} rejected"


def progress_wanted() -> bool:
    """A progress bar only for a person watching: a terminal, and not CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _progress_bar(inputs: list[str], wanted: bool) -> Any:
    if not wanted:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    return tqdm(
        total=input_bytes(inputs),
        unit="B",
        unit_scale=True,
        unit_divisor=1000,
        desc="cleaning",
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )
