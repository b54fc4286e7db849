"""A corpus stage on Ray (``--engine ray --dedup exact``): the two passes of
:mod:`cleaner.stages.passes`, with order keys in place of input order.

Ray cleans in no set order, so each item carries its place in the input, an order key
(``input file index << 32 | item index``), and the stage's keyed scan keeps, per cluster, the
smallest key with its id. The verdicts are then the local engine's: the first document in input
order is kept, whatever the worker count or the order Ray ran the batches in.

- Pass 1: each write task of the Ray dataset writes its cleaned lines to ``OUTDIR/.cleaner-ray/``
  (records, rejects, the records' keys as 8 bytes each, and the keyed scan of its records) and
  returns its tally; the driver merges the scans (any order), one file at a time, into a state
  spilled to the work folder when the stage spills (near dedup), and seals it.
- Pass 2: one Ray task per pass-1 file reads it back with its keys, applies the sealed state
  (shared through the object store) and writes the final ``articles-``, ``rejects-`` and
  ``duplicates-NNNNN`` files; the driver adds up the tallies and writes ``summary.json`` last.

Like the single-pass Ray run, a killed run is run again (Ray retries failed tasks itself);
``--resume`` is for the local engine.
"""

from __future__ import annotations

import os
import pickle
import shutil
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cleaner.batch import BATCH_ITEMS, Tally
from cleaner.io.writers import (
    ARTICLES,
    DUPLICATES,
    REJECTS,
    CompressedFile,
    OutputOptions,
    dump_line,
    write_summary,
)
from cleaner.stages import CorpusStage, Drop
from cleaner.stages.chain import write_stage_files
from cleaner.stages.learnalt import split_line

WORK = ".cleaner-ray"
KEYS = "keys"
SCAN = "scan"
KEY = struct.Struct("<Q")


def order_key(file_index: int, item_index: int) -> int:
    """An item's place in the input: files in the order given, items in file order."""
    return file_index << 32 | item_index


def pack_keys(keys: Iterable[int]) -> bytes:
    return b"".join(KEY.pack(k) for k in keys)


def _keys(path: Path) -> Iterator[int]:
    with path.open("rb") as fh:
        while chunk := fh.read(KEY.size * BATCH_ITEMS):
            yield from (k for (k,) in KEY.iter_unpack(chunk))


def pass1_sink(outdir: Path, stage: CorpusStage[Any]) -> Any:
    """The datasink of pass 1: each write task's plain-JSONL files in the work folder."""
    from ray.data import Datasink

    work = outdir / WORK

    class Pass1Sink(Datasink[dict[str, Any]]):  # type: ignore[misc,unused-ignore]
        def __init__(self) -> None:
            self.shards: list[dict[str, Any]] = []
            self.state: Any = None

        def write(self, blocks: Iterable[Any], ctx: Any) -> dict[str, Any]:
            index = ctx.task_idx
            tally, state = Tally(), stage.scan_keyed(())
            names = {k: f"{k}-{index:05d}" for k in (ARTICLES, REJECTS, KEYS)}
            files = {k: (work / f".{n}.tmp").open("wb") for k, n in names.items()}
            for block in blocks:
                table = block.to_pydict() if hasattr(block, "to_pydict") else dict(block)
                for row in zip(
                    table["records"], table["rejects"], table["keys"], table["tally"],
                    table["scan"], strict=True,
                ):  # fmt: skip
                    records, rejects, keys, batch_tally, scan = row
                    files[ARTICLES].write(records)
                    files[REJECTS].write(rejects)
                    files[KEYS].write(keys)
                    tally.merge(Tally.from_state(pickle.loads(batch_tally)))
                    state.merge(stage.load_keyed(scan))
            for kind, fh in files.items():
                fh.close()
                os.replace(work / f".{names[kind]}.tmp", work / names[kind])
            # The scan goes to a file, not back through the object store: the driver then
            # holds one task's scan at a time while it merges them.
            scan = work / f"{SCAN}-{index:05d}"
            (work / f".{scan.name}.tmp").write_bytes(state.to_bytes())
            os.replace(work / f".{scan.name}.tmp", scan)
            return {"index": index, "tally": tally.to_state()}

        def on_write_complete(self, write_result: Any) -> None:
            # A stage that spills merges into files in the work folder (the driver's memory
            # then does not grow with the corpus); the others in memory.
            state = spilled() if spilled is not None else stage.scan_keyed(())
            for ret in write_result.write_returns:
                self.shards.append({"index": ret["index"], "tally": ret["tally"]})
                scan = work / f"{SCAN}-{ret['index']:05d}"
                state.merge(stage.load_keyed(scan.read_bytes()))
                scan.unlink()
            self.shards.sort(key=lambda s: s["index"])
            self.state = stage.seal_keyed(state)

    shutil.rmtree(work, ignore_errors=True)  # an earlier run's, stopped before its end
    work.mkdir(parents=True)
    spill = getattr(stage, "spill_to", None)
    spilled = getattr(stage, "spilled", None)
    if spill is not None:
        spill(work / "spill")
    return Pass1Sink()


def apply_shard(
    outdir: Path, options: OutputOptions, stage: CorpusStage[Any], state: Any, shard: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Pass 2 on one pass-1 file: the final articles, rejects and duplicates files of its
    index; returns its tally, the drops taken out, and the files' names."""
    work, index = outdir / WORK, shard["index"]
    tally = Tally.from_state(shard["tally"])
    kinds = (ARTICLES, REJECTS, DUPLICATES) if stage.drops else (ARTICLES, REJECTS)
    names = {k: f"{k}-{index:05d}{options.suffix(k)}" for k in kinds}
    files = {k: CompressedFile(outdir / f".{n}.tmp", options.compression) for k, n in names.items()}
    with (work / f"{ARTICLES}-{index:05d}").open("rb") as fh:
        keys = _keys(work / f"{KEYS}-{index:05d}")
        for both, key in zip(fh, keys, strict=True):
            line, record = split_line(both)  # its line, and a second clean if any
            verdict = stage.apply_keyed(record, key, state)
            if verdict is record:
                files[ARTICLES].write(line)
            elif isinstance(verdict, Drop):
                files[DUPLICATES].write(dump_line(verdict.line) + b"\n")
                tally.drop(record, verdict.line.get("duplicate_of"))
            else:
                files[ARTICLES].write(dump_line(verdict) + b"\n")
                tally.changed(record, verdict)
    with (work / f"{REJECTS}-{index:05d}").open("rb") as fh:
        while chunk := fh.read(1 << 20):
            files[REJECTS].write(chunk)
    for kind, out in files.items():
        out.close()
        os.replace(out.path, outdir / names[kind])
    return tally.to_state(), names


def pass2(
    outdir: Path, options: OutputOptions, stage: CorpusStage[Any], sink: Any, cpus: int
) -> Tally:
    """Apply the sealed state to every pass-1 file as Ray tasks; summary.json last."""
    import ray

    write_stage_files(outdir, stage, sink.state)
    state = ray.put(sink.state)
    # No CPU slot asked, like reading and writing: whatever Ray Data still holds, the tasks
    # run; at most ``cpus`` at a time, so Ray starts no process per pass-1 file.
    task = ray.remote(num_cpus=0)(apply_shard)
    todo = list(sink.shards)
    pending: list[Any] = []
    tally, shards = Tally(), []
    while todo or pending:
        while todo and len(pending) < max(1, cpus):
            pending.append(task.remote(outdir, options, stage, state, todo.pop(0)))
        done, pending = ray.wait(pending, num_returns=1)
        tally_state, names = ray.get(done[0])
        tally.merge(Tally.from_state(tally_state))
        shards.append(names)
    summary = tally.summary(dedup=bool(stage.drops))
    summary["shards"] = sorted(shards, key=lambda s: s[ARTICLES])
    write_summary(outdir, summary)
    shutil.rmtree(outdir / WORK)
    return tally
