"""Files a run writes: durable (fsynced, renamed into place), deterministic (no timestamps).

The local writers (``cleaner.io.writers``) and Ray's datasink both write through these.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
from pathlib import Path
from typing import Any


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class CompressedFile:
    """A binary file written through the chosen compressor, deterministically (no timestamps)."""

    def __init__(self, path: Path, compression: str) -> None:
        self.path = path
        self.raw = path.open("wb")
        self.stream: Any
        if compression == "gzip":
            self.stream = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0)
        elif compression == "zstd":
            import zstandard

            self.stream = zstandard.ZstdCompressor(level=3).stream_writer(self.raw, closefd=False)
        else:
            self.stream = self.raw

    def write(self, data: bytes) -> None:
        if data:
            self.stream.write(data)

    def close(self) -> None:
        """Finish the compressed stream and make the bytes durable."""
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # closing flushes: fails again on a full disk
            self.raw.close()
        self.path.unlink(missing_ok=True)


class ParquetShard:
    """Records of one shard as Parquet, one row group per batch (nested fields as JSON text)."""

    def __init__(self, path: Path, compression: str) -> None:
        import pyarrow.parquet as pq

        from cleaner.io.parquet import SCHEMA

        self.path = path
        codec = {"none": "none", "gzip": "gzip", "zstd": "zstd"}[compression]
        self.writer = pq.ParquetWriter(path, SCHEMA, compression=codec)

    def write(self, data: bytes) -> None:
        from cleaner.io.parquet import table_of

        if data:
            self.writer.write_table(table_of(data))

    def close(self) -> None:
        self.writer.close()
        with self.path.open("rb+") as fh:
            os.fsync(fh.fileno())

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.writer.close()
        self.path.unlink(missing_ok=True)


def pretty_json(obj: Any, sort_keys: bool = False) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=sort_keys) + "\n").encode()
