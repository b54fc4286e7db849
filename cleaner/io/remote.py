"""Remote inputs and output folders through fsspec: ``s3://``, ``gs://``, ``hf://`` ...

Only a path with a scheme (``s3://bucket/in``) comes here; a local path never does, so local
runs take the same code as before. Credentials are the filesystem's own: for S3, the usual
``AWS_*`` variables (``AWS_ENDPOINT_URL`` for an S3-compatible store), ``~/.aws``, or fsspec's
``FSSPEC_S3_*`` settings; for ``gs://``, gcsfs's; for ``hf://``, ``HF_TOKEN``.

Input. A remote folder is listed once, in sorted order, like a local one (readable suffixes
only); each file is copied to a private temporary folder, read by the local readers under its
URL (its records' ``source``), and removed: one file on the local disk at a time.

Output. A store such as S3 has no rename, so nothing is written there until it is whole: the
run writes into a local staging folder as it would into a local output (temporary files,
checkpoints, markers), and each object is uploaded only once complete: a shard when it is
committed, the joined ``articles.jsonl``/``rejects.jsonl`` at the end, ``summary.json`` last
(an S3 object appears whole or not at all). A run that stops leaves the previous
``summary.json`` removed (sharded) or untouched with the previous files (single layout), never a
summary beside files of another run. ``--resume`` is refused: the markers live in the staging
folder, which does not outlive the run; run again, and it starts over.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import re2

from cleaner.errors import CleanerError, RunStopped, require_extra
from cleaner.io.writers import DUPLICATES, KINDS, SUMMARY, OutputOptions, ShardedOutput

_SCHEME = re2.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_remote(path: str | Path) -> bool:
    """A path with a scheme (``s3://``, ``gs://``, ``hf://``, ``memory://`` ...)."""
    return isinstance(path, str) and _SCHEME.match(path) is not None


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem for ``url`` and the path inside it."""
    require_extra("fsspec", "remote", f"the remote path '{url}'")
    from fsspec.core import url_to_fs

    try:
        fs, path = url_to_fs(url)
    except (ImportError, ValueError) as exc:  # no such protocol, or its package is missing
        raise CleanerError(f"cannot open '{url}': {exc}") from None
    return fs, str(path)


@dataclass(frozen=True)
class RemoteFile:
    """One remote input file: its URL, and its size and version for a run's manifest."""

    url: str
    size: int | None = None
    version: str | None = None  # ETag, generation or modification time: whatever the store has

    @property
    def name(self) -> str:
        return PurePosixPath(self.url.split("://", 1)[1]).name


def _remote_file(fs: Any, path: str, info: dict[str, Any]) -> RemoteFile:
    version = next(
        (
            str(info[k])
            for k in ("ETag", "etag", "generation", "LastModified", "mtime")
            if info.get(k)
        ),
        None,
    )
    size = info.get("size")
    return RemoteFile(fs.unstrip_protocol(path), int(size) if size is not None else None, version)


def expand_remote(url: str, suffix_ok: Callable[[Path], bool]) -> Iterator[RemoteFile]:
    """A remote file, or a remote folder's readable files in sorted path order. A path that
    is neither is a usage error: a typo must not make an empty run."""
    fs, path = filesystem(url)
    fs.invalidate_cache()  # a listing cached earlier in this process may be stale
    try:
        if fs.isdir(path):
            found = fs.find(path, detail=True)
            for key in sorted(found):
                if found[key].get("type", "file") == "file" and suffix_ok(
                    Path(key)
                ):  # by name only
                    yield _remote_file(fs, key, found[key])
            return
        if fs.isfile(path):
            yield _remote_file(fs, path, fs.info(path))
            return
    except OSError as exc:
        raise CleanerError(f"cannot list input '{url}': {exc}") from None
    raise CleanerError(f"input '{url}' not found")


@contextlib.contextmanager
def fetched(item: RemoteFile) -> Iterator[Path | OSError]:
    """The remote file copied to a private temporary folder under its own name (so it lends
    the same id as a local copy would), or the error that stopped the copy; removed after."""
    fs, path = filesystem(item.url)
    with tempfile.TemporaryDirectory(prefix="cleaner-in-") as tmp:
        local = Path(tmp) / item.name
        try:
            fs.get_file(path, str(local))
        except OSError as exc:
            yield exc
            return
        yield local


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
