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
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import re2

from cleaner.errors import CleanerError, require_extra

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
