"""Writers that never leave a half-written file: write to a temporary file, then rename."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from cleaner.io.paths import output_path

ARTICLES = "articles.jsonl"
REJECTS = "rejects.jsonl"
SUMMARY = "summary.json"


def dumps(obj: Any) -> str:
    """One canonical JSON line: the same object always gives the same bytes."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class OutputSink:
    """Where records and rejects go. ``-`` sends records to stdout."""

    def __init__(self, outdir: str, rejects_path: str | None = None) -> None:
        self.to_stdout = outdir == "-"
        self.outdir = None if self.to_stdout else Path(outdir)
        self.rejects_path = Path(rejects_path) if rejects_path else None
        self._tmpdir: Path | None = None
        self._articles: IO[str] | None = None
        self._rejects: IO[str] | None = None
        self._own_rejects = False

    def __enter__(self) -> OutputSink:
        if self.outdir is not None:
            self.outdir.mkdir(parents=True, exist_ok=True)
            # Same folder as the targets, so the final rename is atomic (same filesystem).
            self._tmpdir = Path(tempfile.mkdtemp(prefix=".cleaner-tmp-", dir=self.outdir))
            self._articles = output_path(self._tmpdir, ARTICLES).open(
                "w", encoding="utf-8", newline="\n"
            )
        else:
            self._articles = sys.stdout
        if self.rejects_path is not None:
            self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.rejects_path.with_name(f".{self.rejects_path.name}.tmp-{os.getpid()}")
            self._rejects = tmp.open("w", encoding="utf-8", newline="\n")
            self._own_rejects = True
        elif self._tmpdir is not None:
            self._rejects = output_path(self._tmpdir, REJECTS).open(
                "w", encoding="utf-8", newline="\n"
            )
            self._own_rejects = True
        else:
            self._rejects = sys.stderr
        return self

    def write_record(self, obj: dict[str, Any]) -> None:
        assert self._articles is not None
        self._articles.write(dumps(obj) + "\n")

    def write_reject(self, obj: dict[str, Any]) -> None:
        assert self._rejects is not None
        self._rejects.write(dumps(obj) + "\n")

    def commit(self, summary: dict[str, Any]) -> None:
        """Flush, fsync and rename everything into place; summary last, as the completion mark."""
        files = []
        if self._tmpdir is not None and self._articles is not None:
            assert self.outdir is not None
            files.append(
                (self._articles, self._tmpdir / ARTICLES, output_path(self.outdir, ARTICLES))
            )
        if self._own_rejects and self._rejects is not None:
            src = Path(self._rejects.name)
            dst = self.rejects_path or output_path(self.outdir, REJECTS)  # type: ignore[arg-type]
            files.append((self._rejects, src, dst))
        for fh, _, _ in files:
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
        for _, src, dst in files:
            os.replace(src, dst)
        if self.outdir is not None and self._tmpdir is not None:
            tmp = self._tmpdir / SUMMARY
            tmp.write_text(
                json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8"
            )
            os.replace(tmp, output_path(self.outdir, SUMMARY))
        else:
            sys.stderr.write(dumps({"summary": summary}) + "\n")
        self._cleanup()

    def abort(self) -> None:
        for fh in (self._articles, self._rejects):
            if fh is not None and fh not in (sys.stdout, sys.stderr) and not fh.closed:
                with contextlib.suppress(OSError):  # closing flushes: fails again on a full disk
                    fh.close()
        if self._own_rejects and self._rejects is not None and self.rejects_path is not None:
            Path(self._rejects.name).unlink(missing_ok=True)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
