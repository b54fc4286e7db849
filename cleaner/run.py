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
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.batch import Batch, Tally, batches
from cleaner.errors import CleanerError, RunStopped
from cleaner.io.paths import input_bytes, real_path
from cleaner.io.readers import (
    InputMeter,
    Item,
    JsonlKeys,
    Limits,
    expand_inputs,
    read_expanded,
)
from cleaner.io.remote import RemoteFile, is_remote
from cleaner.io.remote_output import RemoteOutput
from cleaner.io.writers import (
    KINDS,
    OutputOptions,
    ShardedOutput,
    StreamOutput,
    options_manifest,
)
from cleaner.pipeline import Cleaner
from cleaner.record import Reject, printable
from cleaner.report.aggregate import RunAggregate
from cleaner.stages import CorpusStage, stage_for
from cleaner.stages.passes import TwoPasses
from cleaner.workers import LocalEngine

Expanded = list[str | Path | Reject | RemoteFile]


def reading(items: Iterator[Item], outdir: str) -> Iterator[Item]:
    """Readers turn what they cannot read into rejects; an OSError that still escapes one is
    the input failing, and is reported as such, never as the output failing."""
    try:
        yield from items
    except OSError as exc:
        where = printable(exc.filename) if exc.filename else "an input"
        raise RunStopped(f"cannot read '{where}': {exc.strerror or exc}", outdir) from exc


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
    dedup: str | None = None  # "none", "exact", "near"; None: config.yaml's corpus.dedup
    learn_chrome: bool | None = None  # None: config.yaml's corpus.learn_chrome
    report: bool = False  # collect the run report's aggregates (tally.report)


@dataclass
class RunStats:
    """What this invocation did (a resumed run counts only its own work) and the final tally."""

    tally: Tally
    seconds: float
    bytes_read: int
    resumed_items: int
    # Files of the input folders not read, by suffix (also in the summary as files_skipped).
    skipped: dict[str, int] = field(default_factory=dict)


def _manifest(
    cleaner: Cleaner, expanded: Expanded, options: RunOptions, stage: CorpusStage[Any] | None
) -> dict[str, Any]:
    files: list[list[str | int | None]] = []
    for item in expanded:
        if isinstance(item, Reject):  # a link not followed: its reject is part of the run
            files.append([item.source, None, None])
        elif isinstance(item, Path):
            try:
                st: os.stat_result | None = item.stat()
            except OSError:  # gone, or not ours to stat: its read makes the reject
                st = None
            files.append(
                [
                    printable(real_path(item)),
                    st.st_size if st else None,
                    st.st_mtime_ns if st else None,
                ]
            )
        elif isinstance(item, RemoteFile):
            files.append([item.url, item.size, item.version])
        else:
            files.append([item, None, None])
    manifest = {
        "version": 1,
        "inputs": files,
        "keys": options.keys.__dict__,
        "output": options_manifest(options.output),
        "items_per_shard": options.output.items_per_shard,
        "rules": cleaner.rules_digest,
    }
    if stage is not None:
        manifest["stages"] = [stage.name]
    if options.report:  # a resumed run must collect what the committed shards hold
        manifest["report"] = True
    return manifest


class _Bar:
    """The progress bar, when a person watches (else every call does nothing)."""

    def __init__(self, expanded: Expanded, meter: InputMeter, wanted: bool) -> None:
        self.meter = meter
        self.bar = _progress_bar(expanded, wanted)
        self.start = time.perf_counter()

    def update(self, session: Tally) -> None:
        if self.bar is not None:
            self.bar.update(self.meter.bytes_read - self.bar.n)
            secs = time.perf_counter() - self.start
            self.bar.set_postfix_str(_postfix(session, secs), refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _clean_pass(
    engine: LocalEngine,
    work: Iterator[Batch],
    sink: ShardedOutput | StreamOutput,
    tally: Tally,
    bar: _Bar,
    first_shard: int,
    passes: TwoPasses | None = None,
) -> int:
    """Clean every batch and commit each shard as it closes; return the number of shards.
    With ``passes`` (this is pass 1 of a corpus stage), each shard's scan is saved before the
    shard is committed."""
    shard_tally, shard_items, n_shards = Tally(), 0, first_shard
    session = Tally()
    stage = passes.stage if passes is not None else None
    shard_state = stage.empty() if stage is not None else None
    for batch, result in engine.map(work, stage):
        sink.write(batch.shard, result.records, result.rejects)
        shard_tally.merge(result.tally)
        shard_items += len(batch.items)
        session.merge(result.tally)
        if shard_state is not None:
            shard_state.merge(result.state)
        if batch.closes_shard:
            if passes is not None and stage is not None:
                passes.save_shard_state(batch.shard, shard_state)
                shard_state = stage.empty()
            sink.commit(batch.shard, shard_items, shard_tally.to_state())
            if passes is not None:
                passes.shard_committed(batch.shard)
            tally.merge(shard_tally)
            shard_tally, shard_items, n_shards = Tally(), 0, batch.shard + 1
        bar.update(session)
    return n_shards


def run(
    cleaner: Cleaner, inputs: Iterable[str], outdir: str, options: RunOptions | None = None
) -> RunStats:
    options = options or RunOptions()
    inputs = list(inputs)
    out_opts = options.output
    out_opts.check()
    if options.workers < 1:
        raise CleanerError("-j must be at least 1")
    stage = stage_for(
        options.dedup or cleaner.config.corpus["dedup"],
        cleaner.config.corpus,
        cleaner.config.quality,
        options.learn_chrome,
    )
    bind = getattr(stage, "bind", None)  # a stage that needs to know the run's packs
    if bind is not None:
        bind(cleaner)
    sink: ShardedOutput | StreamOutput
    remote_out = is_remote(outdir)
    # A walk skips the output folder's files (a remote one cannot be in a local walk).
    out = None if outdir == "-" or remote_out else real_path(outdir)
    skipped: Counter[str] = Counter()
    expanded: Expanded = list(expand_inputs(inputs, out, skipped))  # the one walk of the inputs
    limits = Limits(
        cleaner.config.limits["max_article_bytes"], cleaner.config.html["max_page_bytes"]
    )
    resumed = 0
    tally = Tally(report=RunAggregate() if options.report else None)
    if outdir == "-":
        if options.resume:
            raise CleanerError("--resume needs an output folder, not '-o -'")
        if out_opts.sharded or out_opts.format != "jsonl" or out_opts.compression != "none":
            raise CleanerError("-o - writes plain JSONL; shards and compression need a folder")
        if stage is not None:
            raise CleanerError(
                f"{_flag(stage)} needs an output folder: it reads the corpus twice, and '-o -' "
                "writes each record as it comes"
            )
        sink = StreamOutput(out_opts.rejects_path)
        first_shard = 0
    else:
        if options.resume and "-" in inputs:
            raise CleanerError("--resume cannot re-read standard input; give files")
        if stage is not None and "-" in inputs:
            raise CleanerError(f"{_flag(stage)} reads files; standard input cannot be read twice")
        kinds = KINDS if stage is None or not stage.drops else (*KINDS, stage.drops)
        manifest = _manifest(cleaner, expanded, options, stage)
        if remote_out:
            sink = RemoteOutput(outdir, out_opts, manifest, kinds)
        else:
            sink = ShardedOutput(Path(outdir), out_opts, manifest, kinds)
    # Fork the workers first: they must inherit neither the output folder's lock (it would
    # outlive this run in a lingering worker) nor a progress bar's thread.
    engine = LocalEngine(cleaner, options.workers, outdir, options.report)
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
    bar = _Bar(expanded, meter, options.progress and outdir != "-")
    passes: TwoPasses | None = None
    ok = False
    try:
        if stage is None or not isinstance(sink, ShardedOutput):
            items = skip(
                reading(read_expanded(expanded, options.keys, meter, limits=limits), outdir),
                resumed,
            )
            work = batches(items, out_opts.items_per_shard, first_shard)
            n_shards = _clean_pass(engine, work, sink, tally, bar, first_shard)
        else:
            passes = TwoPasses(stage, sink, out_opts.items_per_shard)
            passes.check_pass1()
            if not passes.pass1_done:
                progress = passes.start_pass1(options.resume)
                resumed = progress.items
                items = skip(
                    reading(read_expanded(expanded, options.keys, meter, limits=limits), outdir),
                    resumed,
                )
                work = batches(items, out_opts.items_per_shard, len(progress.shards))
                first = len(progress.shards)
                _clean_pass(engine, work, passes.pass1, Tally(), bar, first, passes)
                passes.finish_pass1()
            else:  # an earlier run finished pass 1: nothing to read again
                resumed = passes.pass1.committed().items
            n_shards = passes.pass2(sink, first_shard, tally)
        summary = tally.summary(dedup=stage is not None and bool(stage.drops))
        if skipped:  # only then: a run that skipped nothing writes the summary it always did
            summary["files_skipped"] = dict(sorted(skipped.items()))
        if not summary["reconciled"]:  # pragma: no cover - would be a bug in this module
            raise RuntimeError(f"articles read != written + rejected: {summary}")
        sink.finish(n_shards, summary)
        ok = True
    finally:
        engine.close(ok)
        bar.close()
        if passes is not None:
            passes.release()
            if not ok:
                passes.pass1.abort()
        if not ok:
            sink.abort()
        sink.release()
    seconds = time.perf_counter() - bar.start
    return RunStats(tally, seconds, meter.bytes_read, resumed, dict(sorted(skipped.items())))


def _flag(stage: CorpusStage[Any]) -> str:
    """The option that asked for a corpus stage, for error messages."""
    return "--learn-chrome" if stage.name == "learn-chrome" else "--dedup"


def _postfix(t: Tally, secs: float) -> str:
    rate = t.read / secs if secs > 0 else 0.0
    return f"{t.read:,} docs, {rate:,.0f} docs/s, {t.rejected:,} rejected"


def progress_wanted() -> bool:
    """A progress bar only for a person watching: a terminal, and not CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _progress_bar(expanded: Expanded, wanted: bool) -> Any:
    if not wanted:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    return tqdm(
        total=input_bytes(expanded),
        unit="B",
        unit_scale=True,
        unit_divisor=1000,
        desc="cleaning",
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )
