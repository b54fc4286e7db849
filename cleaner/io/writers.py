"""Output that a crash never leaves half-written, and that a resumed run finishes exactly.

A run's input is cut into *shards* of ``shard_size`` consecutive articles. Each shard's records
and rejects are written to temporary files, flushed, fsynced and renamed into place; only then is
the shard's completion marker written (with its counts). A killed run therefore leaves whole
shards with markers, and at most one shard without: ``--resume`` keeps the marked shards, skips
their articles in the input and redoes the rest, so the final output equals an uninterrupted
run's.

Two layouts:
- **single** (no ``--shard-size``): ``articles.jsonl``, ``rejects.jsonl``, ``summary.json``.
  Shards are checkpoints kept in the work folder and joined when the run ends, so the files appear
  whole, at once, and an interrupted run leaves the previous output untouched.
- **sharded**: ``articles-00000.jsonl`` and ``rejects-00000.jsonl`` per shard (optionally ``.gz``
  or ``.zst``; or ``articles-00000.parquet``), each committed as soon as it is complete.

A run with a corpus stage that drops records (``--dedup``) writes a third kind beside them,
``duplicates.jsonl`` (or ``duplicates-00000.jsonl`` per shard).

In both, ``summary.json`` is written last: it marks a finished run, and the files beside it are
that run's and no other's (:mod:`cleaner.io.publish`: the single layout's files are published
through a journal that the next run finishes if a kill interrupts it; a sharded run removes an
earlier run's files, summary first, before its first shard). Each marker records the size and
digest of its shard's files, and ``--resume`` checks them: a shard missing or changed since
(deleted, truncated, edited) is redone with every shard after it, since the input is read in
order; the output then equals an uninterrupted run's. The work folder, ``OUTDIR/.cleaner-run``,
holds the run's manifest and the markers, and is removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from cleaner.errors import CleanerError, RunStopped, require_extra
from cleaner.io.files import (
    CompressedFile,
    ParquetShard,
    fsync_dir,
    pretty_json,
    write_atomic,
)
from cleaner.io.paths import output_path
from cleaner.io.publish import (
    changed,
    check_targets,
    complete,
    fingerprint,
    owned_files,
    publish,
    remove_owned,
    stage,
)
from cleaner.record import printable

__all__ = ["CompressedFile", "fsync_dir", "pretty_json", "write_atomic"]  # Ray's datasink

ARTICLES = "articles"
REJECTS = "rejects"
DUPLICATES = "duplicates"
KINDS = (ARTICLES, REJECTS)  # the files of every shard; DUPLICATES joins them under --dedup
SUMMARY = "summary.json"
WORK = ".cleaner-run"
CHECKPOINT_ITEMS = 10_000  # single layout: articles per checkpoint
COMPRESSIONS = {"none": "", "gzip": ".gz", "zstd": ".zst"}
FORMATS = ("jsonl", "parquet")


def dumps(obj: Any) -> str:
    """One canonical JSON line: the same object always gives the same bytes."""
    return dump_line(obj).decode("utf-8")


def dump_line(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON; orjson, or the standard library for what it refuses
    (integers beyond 64 bits, lone surrogates in pass-through ``meta``)."""
    try:
        return orjson.dumps(obj)
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class OutputOptions:
    shard_size: int | None = None  # input articles per shard; None: the single layout
    compression: str = "none"
    format: str = "jsonl"
    rejects_path: str | None = None  # single layout only

    @property
    def sharded(self) -> bool:
        return self.shard_size is not None

    @property
    def items_per_shard(self) -> int:
        return self.shard_size or CHECKPOINT_ITEMS

    def suffix(self, kind: str) -> str:
        if kind == ARTICLES and self.format == "parquet":
            return ".parquet"
        return ".jsonl" + COMPRESSIONS[self.compression]

    def check(self) -> None:
        if self.compression not in COMPRESSIONS:
            raise CleanerError(
                f"unknown compression '{self.compression}' (valid: {', '.join(COMPRESSIONS)})"
            )
        if self.format not in FORMATS:
            raise CleanerError(f"unknown format '{self.format}' (valid: {', '.join(FORMATS)})")
        if self.shard_size is not None and self.shard_size < 1:
            raise CleanerError("--shard-size must be at least 1")
        if self.rejects_path and self.sharded:
            raise CleanerError("--rejects goes with the single layout; shards keep rejects beside")
        if self.format == "parquet":
            require_extra("pyarrow", "parquet", "Parquet output")


@dataclass
class Progress:
    """What a run has committed: the shards done and their counts, from the markers."""

    shards: list[dict[str, Any]]

    @property
    def items(self) -> int:
        return sum(int(s["items"]) for s in self.shards)


class ShardedOutput:
    """Commits shards atomically with completion markers; finishes with summary.json."""

    def __init__(
        self,
        outdir: Path,
        options: OutputOptions,
        manifest: dict[str, Any],
        kinds: tuple[str, ...] = KINDS,
    ) -> None:
        self.outdir = outdir
        self.options = options
        self.manifest = manifest
        self.kinds = kinds
        self.work = outdir / WORK
        self.done_dir = self.work / "done"
        self.parts = self.work / "parts"
        self.tmp = self.work / "tmp"
        self._open: tuple[int, dict[str, Any]] | None = None
        self._lock: int | None = None

    # -- starting ----------------------------------------------------------------------------

    def start(self, resume: bool) -> Progress:
        """Prepare the folder; with ``resume``, keep what a previous run committed."""
        check_targets(self.targets())  # before anything is touched
        self.outdir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        # A publication a kill interrupted is finished first: the folder is never left mixed.
        # A resume keeps the work folder, and so finds the run whole and publishes it again.
        complete(self.work, self.outdir, keep_work=resume)
        progress = Progress([])
        if resume and self.work.is_dir():
            progress = self._resume()
        else:
            shutil.rmtree(self.work, ignore_errors=True)
            if self.options.sharded:
                self._remove_old_shards()
        self.done_dir.mkdir(parents=True, exist_ok=True)
        self.parts.mkdir(exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir()
        if not progress.shards:
            write_atomic(self.work / "run.json", pretty_json(self.manifest))
            fsync_dir(self.work)
        return progress

    def targets(self) -> list[Path]:
        """The places of the final files (the single layout's; shards are checked by name)."""
        opts = self.options
        found = [output_path(self.outdir, SUMMARY)]
        if not opts.sharded:
            found += [output_path(self.outdir, f"{k}{opts.suffix(k)}") for k in self.kinds]
            if opts.rejects_path:
                found[1 + self.kinds.index(REJECTS)] = Path(opts.rejects_path)
        return found

    def _take_lock(self) -> None:
        """One run per output folder: a second one (a --resume started while the first still
        runs) would remove the first's temporary files and commit the same shards twice. The
        kernel drops the lock when the process ends, however it ends, so a killed run never
        blocks its --resume."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return
        fd = os.open(self.outdir, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CleanerError(
                f"another cleaner run is writing to {self.outdir}; let it finish or stop it "
                "before starting or resuming a run there"
            ) from None
        self._lock = fd

    def release(self) -> None:
        """Let another run use the folder (a finished or stopped run calls this)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def committed(self) -> Progress:
        """The shards committed so far, read from their markers (nothing is changed)."""
        shards = []
        for i in range(len(list(self.done_dir.glob("*.json"))) if self.done_dir.is_dir() else 0):
            marker = self.done_dir / f"{i:05d}.json"
            if not marker.is_file():
                break  # markers are written in order: a gap cannot happen, but never skip one
            shards.append(json.loads(marker.read_text("utf-8")))
        return Progress(shards)

    def _resume(self) -> Progress:
        try:
            before = json.loads((self.work / "run.json").read_text("utf-8"))
        except (OSError, ValueError):
            before = None
        if before is not None and before != self.manifest:
            changed = sorted(
                k for k in set(before) | set(self.manifest) if before.get(k) != self.manifest.get(k)
            )
            raise CleanerError(
                f"cannot resume in '{self.outdir}': the run's {', '.join(changed)} changed "
                "since it started; run again without --resume to start over"
            )
        return self._verified(self.committed())

    @property
    def _place(self) -> Path:
        """Where committed shard files are: the output folder, or the checkpoints' folder."""
        return self.outdir if self.options.sharded else self.parts

    def changed_shard(self) -> tuple[int, str] | None:
        """The first committed shard whose files are not as its marker recorded them, and
        why; None when every one is."""
        for i, shard in enumerate(self.committed().shards):
            for name, recorded in sorted(shard.get("files", {}).items()):
                why = changed(self._place / name, recorded)
                if why is not None:
                    return i, f"committed file '{printable(self._place / name)}' {why}"
        return None

    def _verified(self, progress: Progress) -> Progress:
        """The committed shards whose files are still as their markers recorded them. Redoing
        the first one that is not (and every one after it: the input is read in order) gives
        the uninterrupted run's output; refusing would throw away every good shard too."""
        found = self.changed_shard()
        if found is None:
            return progress
        first, why = found
        later = len(progress.shards) - first - 1
        print(f"cleaner: {why}; redoing shard {first} and the {later} after it", file=sys.stderr)
        # The last marker first: the markers left are always shards 0..k.
        for j in reversed(range(first, len(progress.shards))):
            (self.done_dir / f"{j:05d}.json").unlink()
            fsync_dir(self.done_dir)
            for kind in self.kinds:
                (self._place / self.shard_name(kind, j)).unlink(missing_ok=True)
        return Progress(progress.shards[:first])

    def _remove_old_shards(self) -> None:
        remove_owned(self.outdir)

    # -- writing shards ----------------------------------------------------------------------

    def shard_name(self, kind: str, index: int) -> str:
        # Through output_path: a name built from data can never leave the folder.
        return output_path(self.outdir, f"{kind}-{index:05d}{self.options.suffix(kind)}").name

    def write(self, index: int, records: bytes, rejects: bytes, duplicates: bytes = b"") -> None:
        if self._open is None or self._open[0] != index:
            assert self._open is None, "a shard must be committed before the next one opens"
            self._open = (index, {kind: self._new_file(kind, index) for kind in self.kinds})
        files = self._open[1]
        files[ARTICLES].write(records)
        files[REJECTS].write(rejects)
        if duplicates:
            files[DUPLICATES].write(duplicates)

    @property
    def _compression(self) -> str:
        return self.options.compression

    def _new_file(self, kind: str, index: int) -> Any:
        path = self.tmp / self.shard_name(kind, index)
        if kind == ARTICLES and self.options.format == "parquet":
            return ParquetShard(path, self._compression)
        return CompressedFile(path, self._compression)

    def commit(self, index: int, items: int, tally: dict[str, Any]) -> None:
        """Make shard ``index`` durable and visible, then mark it done."""
        if self._open is None:  # a shard with no batch (cannot happen) still gets its files
            self.write(index, b"", b"")
        assert self._open is not None
        assert self._open[0] == index
        files = self._open[1]
        self._open = None
        target = self.outdir if self.options.sharded else self.parts
        for fh in files.values():
            fh.close()
            os.replace(fh.path, target / fh.path.name)
        fsync_dir(target)
        fingerprints = {fh.path.name: fingerprint(target / fh.path.name) for fh in files.values()}
        marker = {"shard": index, "items": items, "tally": tally, "files": fingerprints}
        write_atomic(self.done_dir / f"{index:05d}.json", pretty_json(marker))
        fsync_dir(self.done_dir)

    def abort(self) -> None:
        """Drop the shard being written (an error, not a crash); committed shards stay."""
        if self._open is not None:
            for fh in self._open[1].values():
                fh.discard()
            self._open = None
        # A Ctrl-C can land between creating a file and recording it (or between a commit's
        # two renames); the lock makes everything left in tmp/ this run's, and uncommitted.
        for path in self.tmp.iterdir() if self.tmp.is_dir() else ():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    # -- finishing ---------------------------------------------------------------------------

    def finish(self, n_shards: int, summary: dict[str, Any]) -> None:
        moves: list[tuple[Path, Path]] = []
        if not self.options.sharded:
            try:  # a place may have changed since the run started: it must not fail half-way
                check_targets(self.targets())
            except CleanerError as exc:
                raise RunStopped(str(exc), str(self.outdir)) from None
            moves = self._join_parts(n_shards)
            mine = {dst.name for _, dst in moves if dst.parent == self.outdir}
        else:
            shards = self._shard_list(n_shards)
            summary = {**summary, "shards": shards}
            mine = {name for shard in shards for name in shard.values()}
        remove = [name for name in owned_files(self.outdir) if name not in mine]
        publish(self.work, self.outdir, moves, remove, pretty_json(summary, sort_keys=True))

    def _shard_list(self, n_shards: int) -> list[dict[str, str]]:
        return [{kind: self.shard_name(kind, i) for kind in self.kinds} for i in range(n_shards)]

    def _join_parts(self, n_shards: int) -> list[tuple[Path, Path]]:
        """Join the checkpoints into the final files: byte concatenation (gzip members and zstd
        frames concatenate into valid streams), or row groups for Parquet. Each is left complete
        on its place's filesystem, and returned with its place, for :func:`publish`."""
        opts = self.options
        targets = {
            kind: output_path(self.outdir, f"{kind}{opts.suffix(kind)}") for kind in self.kinds
        }
        if opts.rejects_path:
            targets[REJECTS] = Path(opts.rejects_path)
        # Not in tmp/: a stopped run empties tmp/, and once the journal names these files they
        # belong to the publication, which the next run finishes.
        staging = self.work / "publish"
        staging.mkdir(exist_ok=True)
        moves = []
        for kind, target in targets.items():
            parts = [self.parts / self.shard_name(kind, i) for i in range(n_shards)]
            tmp = staging / f"joined-{kind}"
            if kind == ARTICLES and opts.format == "parquet":
                from cleaner.io.parquet import join_parquet

                join_parquet(parts, tmp, opts.compression)
            else:
                _concat(parts, tmp, opts.compression)
            if target.parent == self.outdir:
                moves.append((tmp, target))
            else:  # --rejects elsewhere, maybe on another filesystem
                target.parent.mkdir(parents=True, exist_ok=True)
                moves.append((stage(tmp, target), target))
        return moves


def _concat(parts: Iterable[Path], target: Path, compression: str) -> None:
    with target.open("wb") as out:
        wrote = False
        for part in parts:
            with part.open("rb") as fh:
                if part.stat().st_size:
                    shutil.copyfileobj(fh, out, 1 << 20)
                    wrote = True
        if not wrote and compression != "none":
            empty = CompressedFile(target.with_name(target.name + ".empty"), compression)
            empty.close()
            out.write(empty.path.read_bytes())
            empty.path.unlink()
        out.flush()
        os.fsync(out.fileno())


class StreamOutput:
    """``-o -``: records to standard output as they come, rejects to standard error or a file."""

    def __init__(self, rejects_path: str | None = None) -> None:
        self.out = sys.stdout.buffer
        self.rejects_path = Path(rejects_path) if rejects_path else None
        self.rejects: IO[bytes] = sys.stderr.buffer
        self._tmp: Path | None = None
        if self.rejects_path is not None:
            check_targets([self.rejects_path])
            self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = self.rejects_path.with_name(f".{self.rejects_path.name}.tmp-{os.getpid()}")
            self.rejects = self._tmp.open("wb")

    def write(self, index: int, records: bytes, rejects: bytes, duplicates: bytes = b"") -> None:
        self.out.write(records)
        self.rejects.write(rejects)

    def commit(self, index: int, items: int, tally: dict[str, Any]) -> None:
        self.out.flush()
        self.rejects.flush()

    def abort(self) -> None:
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self.rejects.close()
            self._tmp.unlink(missing_ok=True)

    def release(self) -> None:
        """Nothing to release: standard output has no lock."""

    def finish(self, n_shards: int, summary: dict[str, Any]) -> None:
        self.out.flush()
        if self._tmp is not None and self.rejects_path is not None:
            self.rejects.flush()
            os.fsync(self.rejects.fileno())
            self.rejects.close()
            os.replace(self._tmp, self.rejects_path)
        # The summary goes to --summary FILE (or only as the CLI's one line on standard
        # error), so standard error holds rejects as JSONL and that one line, nothing mixed.


def options_manifest(options: OutputOptions) -> dict[str, Any]:
    return asdict(options)


def remove_old_shards(outdir: Path) -> None:
    """Before a new sharded run: the previous run's summary first (it marks a finished run),
    then its files, whatever their layout (cleaner's own names only)."""
    remove_owned(outdir)


def write_summary(outdir: Path, summary: dict[str, Any]) -> None:
    """``summary.json``, written last: it marks a finished run."""
    write_atomic(output_path(outdir, SUMMARY), pretty_json(summary, sort_keys=True))
    fsync_dir(outdir)
