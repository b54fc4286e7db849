"""A run: read every input, clean it, write a record or a reject, and account for each article.

The input is cut into batches (never crossing a shard boundary). With ``workers > 1``, worker
processes clean batches and return finished JSON lines; the main process writes the results in
input order, so the output is the same bytes whatever the worker count. At most a few batches
per worker are in flight, so memory does not grow with the input.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.batch import Tally, batches
from cleaner.errors import CleanerError
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
    options_manifest,
)
from cleaner.pipeline import Cleaner
from cleaner.record import Reject, printable
from cleaner.workers import LocalEngine


def skip(items: Iterator[Item], n: int) -> Iterator[Item]:
    for _ in range(n):
        if next(items, None) is None:
            raise CleanerError(
                "cannot resume: the input has fewer articles than the committed shards hold"
            )
    return items


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
    engine = LocalEngine(cleaner, options.workers, outdir)
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
