"""A remote output folder (``-o s3://...``): the output side of :mod:`cleaner.io.remote`, kept
apart so that reading remote inputs does not depend on the writers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cleaner.errors import CleanerError, RunStopped
from cleaner.io.remote import filesystem, is_remote
from cleaner.io.writers import DUPLICATES, KINDS, SUMMARY, OutputOptions, ShardedOutput


class RemoteStopped(RunStopped):
    """An upload failed: nothing of this run is left half-written remotely, and no summary."""

    def __init__(self, cause: str) -> None:
        CleanerError.__init__(
            self,
            f"{cause}; the run stopped and wrote no summary.json: run it again to start over "
            "(a remote output cannot be resumed)",
        )


class RemoteOutput(ShardedOutput):
    """A :class:`ShardedOutput` in a local staging folder whose finished files are uploaded."""

    def __init__(
        self,
        url: str,
        options: OutputOptions,
        manifest: dict[str, Any],
        kinds: tuple[str, ...] = KINDS,
    ) -> None:
        if options.rejects_path and is_remote(options.rejects_path):
            raise CleanerError("--rejects takes a local file; rejects.jsonl goes beside the output")
        self.url = url.rstrip("/")
        self.fs, self.root = filesystem(self.url)
        self.fs.invalidate_cache()
        self.staging = Path(tempfile.mkdtemp(prefix="cleaner-out-"))
        super().__init__(self.staging, options, manifest, kinds)

    def start(self, resume: bool) -> Any:
        if resume:
            raise CleanerError(
                f"--resume needs a local output folder; '{self.url}' is remote and its run "
                "starts over: run again without --resume"
            )
        if self._call("check", self.fs.isfile, self.root):
            raise CleanerError(f"output '{self.url}' is a file, not a folder; choose a folder")
        if self.options.sharded:  # as locally: the old summary first, then the old shards
            self._delete(SUMMARY)
            for kind in (*KINDS, DUPLICATES):
                pattern = f"{self.root}/{kind}-[0-9][0-9][0-9][0-9][0-9]*"
                for old in self._call("list", self.fs.glob, pattern):
                    self._call("delete", self.fs.rm_file, old)
        return super().start(False)

    def commit(self, index: int, items: int, tally: dict[str, Any]) -> None:
        super().commit(index, items, tally)
        if self.options.sharded:
            for kind in self.kinds:
                local = self.outdir / self.shard_name(kind, index)
                self._upload(local)
                local.unlink()  # the staging folder holds one shard at a time

    def finish(self, n_shards: int, summary: dict[str, Any]) -> None:
        super().finish(n_shards, summary)
        if not self.options.sharded:
            self._delete(SUMMARY)  # from here on, the old summary would describe new files
            for path in sorted(self.outdir.iterdir()):
                if path.is_file() and path.name != SUMMARY:
                    self._upload(path)
        self._upload(self.outdir / SUMMARY)  # last: it marks a finished run

    def release(self) -> None:
        super().release()
        shutil.rmtree(self.staging, ignore_errors=True)

    def _upload(self, local: Path) -> None:
        self._call("write", self.fs.put_file, str(local), f"{self.root}/{local.name}")

    def _delete(self, name: str) -> None:
        target = f"{self.root}/{name}"
        if self._call("check", self.fs.exists, target):
            self._call("delete", self.fs.rm_file, target)

    def _call(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except OSError as exc:
            where = self.fs.unstrip_protocol(str(args[-1]))
            raise RemoteStopped(f"cannot {what} '{where}': {exc.strerror or exc}") from exc
