"""The two passes of a run with a corpus stage (see :mod:`cleaner.stages` for the picture).

Pass 1 is the ordinary clean, written as shards into ``OUTDIR/.cleaner-run/pass1/`` (plain
JSONL, committed like any shard), with the stage's scan of each shard saved beside it before
the shard's marker. When every shard is in, the merged state is saved (``<stage>.state``): its
presence marks pass 1 as complete. Pass 2 reads each pass-1 shard back, applies the stage in
input order and commits the shard to the real output.

A kill anywhere loses nothing: ``--resume`` in pass 1 merges the saved states of the committed
shards and cleans the rest; in pass 2 it replays ``apply`` over the shards already committed
(without writing) so the state is the same as it was, then goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cleaner.batch import BATCH_ITEMS, Tally
from cleaner.io.files import fsync_dir, write_atomic
from cleaner.io.writers import ARTICLES, REJECTS, OutputOptions, Progress, ShardedOutput, dump_line
from cleaner.stages import CorpusStage, Drop
from cleaner.stages.chain import write_stage_files
from cleaner.stages.learnalt import split_line
from cleaner.workers import inject_fault

PASS1 = "pass1"


class TwoPasses:
    """Pass 1's folder, its saved states, and pass 2."""

    def __init__(self, stage: CorpusStage[Any], sink: ShardedOutput, shard_items: int) -> None:
        self.stage = stage
        self.folder = sink.work / PASS1
        self.pass1 = ShardedOutput(
            self.folder, OutputOptions(shard_size=shard_items), sink.manifest
        )
        self.final = self.folder / f"{stage.name}.state"
        spill = getattr(stage, "spill_to", None)
        if spill is not None:  # a stage whose merged state lives on disk (near dedup)
            spill(self.folder / "spill")
        self.state: Any = self._merged()  # pass 1's scan so far

    def _merged(self) -> Any:
        """An empty state for the merged scans: on disk for a stage that spills."""
        spilled = getattr(self.stage, "spilled", None)
        return spilled() if spilled is not None else self.stage.empty()

    # -- pass 1 ------------------------------------------------------------------------------

    @property
    def pass1_done(self) -> bool:
        return self.final.is_file()

    def check_pass1(self) -> None:
        """A finished pass 1 whose shards changed since (one deleted, edited) is not finished:
        pass 1 resumes, and redoes from the first shard that changed."""
        if self.pass1_done and self.pass1.changed_shard() is not None:
            self.final.unlink()

    def start_pass1(self, resume: bool) -> Progress:
        """Prepare pass 1's folder; its committed shards, whose states are merged."""
        progress = self.pass1.start(resume)
        self.state = self._merged()
        for i in range(len(progress.shards)):
            self.state.merge(self.stage.load(self._shard_state(i).read_bytes()))
        return progress

    def _shard_state(self, index: int) -> Path:
        return self.folder / f"{self.stage.name}-{index:05d}.state"

    def save_shard_state(self, index: int, state: Any) -> None:
        """Before the shard's marker: a committed shard always has its state on disk."""
        write_atomic(self._shard_state(index), state.to_bytes())
        self.state.merge(state)
        inject_fault(f"pass1-{index}-state")

    def shard_committed(self, index: int) -> None:
        inject_fault(f"pass1-{index}")

    def finish_pass1(self) -> None:
        write_atomic(self.final, self.state.to_bytes())
        # Pass 2 loads the saved state, as a resumed one does, and keeps only what it needs.
        self.state = self._merged()
        fsync_dir(self.folder)
        self.pass1.release()
        inject_fault("between-passes")

    def release(self) -> None:
        self.pass1.release()

    # -- pass 2 ------------------------------------------------------------------------------

    def pass2(self, sink: ShardedOutput, first_shard: int, tally: Tally) -> int:
        """Apply the stage to every pass-1 shard in order; commit those from ``first_shard``
        on (the ones before were committed by an earlier, interrupted run: replayed only)."""
        stage = self.stage
        shards = self.pass1.committed().shards
        state = stage.seal(stage.load(self.final.read_bytes()))
        write_stage_files(sink.outdir, stage, state)
        for i, shard in enumerate(shards):
            replay = i < first_shard
            shard_tally = Tally.from_state(shard["tally"])
            for lines in self._chunks(self.pass1.shard_name(ARTICLES, i)):
                kept: list[bytes] = []
                dropped: list[bytes] = []
                for both in lines:
                    line, record = split_line(both)  # its line, and a second clean if any
                    verdict = stage.apply(record, state)
                    if verdict is record:  # unchanged: the same bytes
                        kept.append(line)
                    elif isinstance(verdict, Drop):
                        dropped.append(dump_line(verdict.line) + b"\n")
                        shard_tally.drop(record, verdict.line.get("duplicate_of"))
                    else:
                        kept.append(dump_line(verdict) + b"\n")
                        shard_tally.changed(record, verdict)
                if not replay:
                    sink.write(i, b"".join(kept), b"", b"".join(dropped))
            if replay:
                continue
            for lines in self._chunks(self.pass1.shard_name(REJECTS, i)):
                sink.write(i, b"", b"".join(lines))
            sink.commit(i, int(shard["items"]), shard_tally.to_state())
            tally.merge(shard_tally)
            inject_fault(f"pass2-{i}")
        return len(shards)

    def _chunks(self, name: str) -> Iterator[list[bytes]]:
        """The lines of a pass-1 file, a batch at a time (never the whole shard in memory)."""
        with (self.folder / name).open("rb") as fh:
            lines: list[bytes] = []
            for line in fh:
                lines.append(line)
                if len(lines) == BATCH_ITEMS:
                    yield lines
                    lines = []
            if lines:
                yield lines
