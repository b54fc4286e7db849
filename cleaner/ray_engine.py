"""``--engine ray``: the same pipeline on Ray Data, for corpora that outgrow one machine.

read (one task per input file) -> ``map_batches`` over :func:`cleaner.batch.clean_batch`, the
function the local engine runs -> a datasink that writes ``articles-NNNNN.jsonl`` and
``rejects-NNNNN.jsonl`` per write task and ``summary.json`` last. The records equal the local
engine's as a set; their order and the cut into files are Ray's.

``RAY_ADDRESS`` points at an existing cluster; without it a local Ray starts with ``-j`` CPUs.
Workers get the rule files' contents, not their paths, so nodes need no copy of ``rules/``; the
input paths must be readable from every node (shared storage). A corpus stage (``--dedup``)
takes two passes: see :mod:`cleaner.ray_passes`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pickle
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cleaner.batch import BATCH_ITEMS, Tally, clean_batch
from cleaner.engine.files import rule_files
from cleaner.errors import CleanerError, RunStopped, require_extra
from cleaner.io.paths import input_bytes
from cleaner.io.readers import Limits, expand_inputs, file_ids, read_path
from cleaner.io.remote import is_remote
from cleaner.io.writers import (
    ARTICLES,
    KINDS,
    REJECTS,
    CompressedFile,
    OutputOptions,
    remove_old_shards,
    write_summary,
)
from cleaner.pipeline import Cleaner
from cleaner.ray_passes import order_key, pack_keys, pass1_sink, pass2
from cleaner.record import Reject, printable
from cleaner.run import RunOptions, RunStats
from cleaner.stages import CorpusStage, stage_for

READ_BLOCK_BYTES = 1 << 20
RAY_LOG = "ray.log"  # in the output folder: what Ray printed during the run

# (root, relative path, bytes) of each rule file, the schema, a project config's settings
RULES_ARCHIVE = tuple[list[tuple[int, str, bytes]], bytes | None, tuple[tuple[Any, str], ...]]

# Ray Data warnings that are wrong for this pipeline: reading needs no CPU slot, so actors on
# every CPU do not make it hang, and progress bars are off because the user turned them off.
_FALSE_ALARMS = (
    ("ray.data.dataset", "does not have any available CPUs"),
    ("ray.data._internal.progress", "Progress bars disabled"),
)


class _DropMessage(logging.Filter):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def pack_rules(cleaner: Cleaner) -> RULES_ARCHIVE:
    """The rule folders' files and the schema as bytes, to rebuild the cleaner on any node."""
    if cleaner.sources is None:
        raise CleanerError("--engine ray needs a cleaner built from rule files (from_paths)")
    roots, schema, settings = cleaner.sources
    files = []
    for i, root in enumerate(roots):
        base = Path(root)
        for f in rule_files([base]):
            rel = f.relative_to(base).as_posix() if base.is_dir() else f.name
            files.append((i, rel, f.read_bytes()))
        if base.is_dir() and (base / "config.yaml").is_file():
            files.append((i, "config.yaml", (base / "config.yaml").read_bytes()))
    return files, Path(schema).read_bytes() if schema else None, settings


_CACHE: dict[int, Cleaner] = {}


def unpack_cleaner(archive: RULES_ARCHIVE) -> Cleaner:
    """Build (once per worker process) the cleaner the archive describes."""
    key = hash(pickle.dumps(archive))
    if key not in _CACHE:
        files, schema, settings = archive
        where = Path(tempfile.mkdtemp(prefix="cleaner-rules-"))
        roots = sorted({i for i, _, _ in files})
        for i, rel, data in files:
            target = where / str(i) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        schema_path = None
        if schema is not None:
            schema_path = where / "schema.json"
            schema_path.write_bytes(schema)
        roots_paths = [where / str(i) for i in roots]
        _CACHE[key] = Cleaner.from_paths(roots_paths, schema_path, settings)
    return _CACHE[key]


def _read_file(row: dict[str, Any], keys: Any, limits: Limits) -> Iterator[dict[str, Any]]:
    """The file's items, each with its order key (its place in the input)."""
    if row["refused"] is not None:  # a link the walk did not follow: its reject goes out as is
        yield {"item": row["refused"], "key": order_key(row["index"], 0)}
        return
    for n, item in enumerate(read_path(Path(row["path"]), keys, limits=limits, rid=row["id"])):
        yield {"item": pickle.dumps(item, protocol=5), "key": order_key(row["index"], n)}


class _CleanBatch:
    """The map_batches callable: unpickle items, run clean_batch, emit lines and the tally."""

    def __init__(
        self, archive: RULES_ARCHIVE, stage: CorpusStage[Any] | None = None, report: bool = False
    ) -> None:
        self.archive = archive
        self.stage = stage
        self.report = report

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        cleaner = unpack_cleaner(self.archive)
        items = [pickle.loads(b) for b in batch["item"]]
        if self.stage is None:
            result = clean_batch(cleaner, items, report=self.report)
            return {
                "records": [result.records],
                "rejects": [result.rejects],
                "tally": [pickle.dumps(result.tally.to_state())],
            }
        keys = [int(k) for k in batch["key"]]
        result = clean_batch(cleaner, items, self.stage, keys=keys, report=self.report)
        return {
            "records": [result.records],
            "rejects": [result.rejects],
            "tally": [pickle.dumps(result.tally.to_state())],
            "keys": [pack_keys(result.record_keys)],
            "scan": [result.state.to_bytes()],
        }


def _sink(outdir: Path, options: OutputOptions) -> Any:
    from ray.data import Datasink

    # Without the ray extra installed, mypy sees Datasink as Any.
    class CleanerDatasink(Datasink[dict[str, Any]]):  # type: ignore[misc,unused-ignore]
        """Each write task commits its own pair of files; the driver writes summary.json."""

        def __init__(self) -> None:
            self.tally = Tally()

        def write(self, blocks: Iterable[Any], ctx: Any) -> dict[str, Any]:
            tally = Tally()
            names = {kind: f"{kind}-{ctx.task_idx:05d}{options.suffix(kind)}" for kind in KINDS}
            files = {
                k: CompressedFile(outdir / f".{n}.tmp", options.compression)
                for k, n in names.items()
            }
            for block in blocks:
                table = block.to_pydict() if hasattr(block, "to_pydict") else dict(block)
                for records, rejects, state in zip(
                    table["records"], table["rejects"], table["tally"], strict=True
                ):
                    files[ARTICLES].write(records)
                    files[REJECTS].write(rejects)
                    tally.merge(Tally.from_state(pickle.loads(state)))
            for kind, fh in files.items():
                fh.close()
                os.replace(fh.path, outdir / names[kind])
            return {"tally": tally.to_state(), "files": names}

        def on_write_complete(self, write_result: Any) -> None:
            tally = self.tally
            shards = []
            for ret in write_result.write_returns:
                tally.merge(Tally.from_state(ret["tally"]))
                shards.append(ret["files"])
            summary = tally.summary()
            summary["shards"] = sorted(shards, key=lambda s: s[ARTICLES])
            write_summary(outdir, summary)

    return CleanerDatasink()


def run_ray(cleaner: Cleaner, inputs: Iterable[str], outdir: str, options: RunOptions) -> RunStats:
    require_extra("ray", "ray", "--engine ray")
    inputs = list(inputs)
    opts = options.output
    if outdir == "-" or "-" in inputs:
        raise CleanerError("--engine ray reads files and writes a folder; '-' is not supported")
    if any(is_remote(p) for p in (*inputs, outdir)):
        raise CleanerError(
            "--engine ray reads and writes paths every node can see; s3://, gs:// and hf:// "
            "paths are for the local engine (or mount the bucket on every node)"
        )
    if options.workers < 0:
        raise CleanerError("-j must be 0 (one cleaning actor per CPU of the cluster) or more")
    if options.resume:
        raise CleanerError(
            "--resume is for the local engine; Ray retries failed tasks itself, and a new run "
            "replaces the folder's shards"
        )
    stage = stage_for(
        options.dedup or cleaner.config.corpus["dedup"],
        cleaner.config.corpus,
        cleaner.config.quality,
        options.learn_chrome,
    )
    bind = getattr(stage, "bind", None)  # a stage that needs to know the run's packs
    if bind is not None:
        bind(cleaner)
    if opts.format != "jsonl" or opts.rejects_path:
        raise CleanerError(
            "--engine ray writes JSONL shards; --format parquet and --rejects "
            "are for the local engine"
        )
    opts.check()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no network calls of its own
    import ray
    import ray.data

    out = Path(outdir)
    expanded = [p for p in expand_inputs(inputs, out.resolve()) if isinstance(p, Path | Reject)]
    rows = [
        {"index": i, "path": str(p), "refused": None, "id": rid}
        if isinstance(p, Path)
        else {"index": i, "path": p.source, "refused": pickle.dumps(p, protocol=5), "id": None}
        for i, (p, rid) in enumerate(zip(expanded, file_ids(expanded), strict=True))
    ]
    limits = Limits(
        cleaner.config.limits["max_article_bytes"], cleaner.config.html["max_page_bytes"]
    )
    out.mkdir(parents=True, exist_ok=True)
    remove_old_shards(out)

    start = time.perf_counter()
    log = out / RAY_LOG
    try:
        with _stderr_to(log):
            tally = _run(ray, cleaner, rows, out, opts, options, limits, stage)
    except CleanerError:
        raise
    except Exception as exc:  # Ray's own errors: one line here, the detail in ray.log
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise RunStopped(
            f"Ray failed: {type(exc).__name__}: {first} (Ray's log: {printable(str(log))})", "-"
        ) from exc
    return RunStats(tally, time.perf_counter() - start, input_bytes(expanded) or 0, 0)


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Ray's processes and its C++ core write warnings to file descriptor 2 (an actor restart,
    "A worker died or was killed" at shutdown) that send users hunting for a crash in a run
    that succeeded; they go to ``path`` instead, with Ray's Python logging."""
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.dup2(fd, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)


def _run(
    ray: Any,
    cleaner: Cleaner,
    rows: list[dict[str, Any]],
    out: Path,
    opts: Any,
    options: RunOptions,
    limits: Limits,
    stage: CorpusStage[Any] | None,
) -> Any:
    import ray.data

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            num_cpus=None if os.environ.get("RAY_ADDRESS") else options.workers or None,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    for name in ("ray", "ray.data"):  # Ray's INFO lines would bury cleaner's own summary
        logging.getLogger(name).setLevel(logging.WARNING)
    for name, text in _FALSE_ALARMS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropMessage) and f.text == text for f in logger.filters):
            logger.addFilter(_DropMessage(text))
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = options.progress
        # A block goes to one actor whole. Ray's default blocks would put a whole input file on
        # one actor, leaving the others idle; blocks of about a batch spread it.
        ctx.target_max_block_size = READ_BLOCK_BYTES
        archive = pack_rules(cleaner)
        keys = options.keys
        ds: Any = ray.data.from_items(rows, override_num_blocks=max(1, len(rows)))
        # -j N: N cleaning actors; -j 0: one per CPU of the cluster (or of this machine).
        cluster: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call,unused-ignore]
        actors = options.workers or max(1, int(cluster.get("CPU", 1)))
        # Reading asks for no CPU slot: the cleaning actors take one each, and on ``-j 1`` (or
        # a pool as large as the cluster) a read task that needs a slot would wait for ever
        # (ray-project/ray#44687, "Dataset hangs if you launch actors on all CPUs").
        # ``concurrency`` bounds the tasks, and so the worker processes Ray starts for them;
        # there is one read task per input file (Ray warns when the bound exceeds that).
        ds = ds.flat_map(
            functools.partial(_read_file, keys=keys, limits=limits),
            num_cpus=0,
            concurrency=max(1, min(actors, len(rows))),
        )
        ds = ds.map_batches(
            _CleanBatch,
            fn_constructor_args=(archive, stage, options.report),
            batch_size=BATCH_ITEMS,
            # A fixed pool: Ray Data's autoscaler kept one actor busy where -j asked for more.
            compute=ray.data.ActorPoolStrategy(size=actors),
        )
        sink = _sink(out, opts) if stage is None else pass1_sink(out, stage)
        # Writing lines already serialised is I/O: like reading, it needs no CPU slot, so the
        # actors may take every CPU.
        with warnings.catch_warnings():
            # Ray counts the blocks it is given before reading (one per input file) and warns
            # that actors will idle; reading cuts each file into ~1 MB blocks, so they do not.
            warnings.filterwarnings("ignore", "The m.* but the operator only received", UserWarning)
            ds.write_datasink(sink, ray_remote_args={"num_cpus": 0}, concurrency=actors)
        tally = sink.tally if stage is None else pass2(out, opts, stage, sink, actors)
    finally:
        if started_here:
            ray.shutdown()
    return tally
