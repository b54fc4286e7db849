"""What the spilled corpus-stage states share (near dedup's :class:`~cleaner.stages.spill.
SpillState`, learned chrome's :class:`~cleaner.stages.learnspill.LearnSpill`): files in the
run's work folder that merges append to, started afresh by a state's first merge, flushed to
disk when the state is saved; and a saved state that is a magic line and a struct of counts,
checked on load against the sizes of the files it counts.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from cleaner.errors import CleanerError


def open_files(folder: Path, names: Iterable[str], started: bool) -> dict[str, IO[bytes]]:
    """The state's files, to append to; emptied when the state has not ``started`` (its first
    merge: a state built again from a resumed run's saved scans rewrites them)."""
    if not started:
        folder.mkdir(parents=True, exist_ok=True)
    mode = "ab" if started else "wb"
    return {name: (folder / name).open(mode) for name in names}


def sync_close(files: Iterable[IO[bytes]]) -> None:
    """Flush the files to disk (a saved state counts what is in them) and close them."""
    for fh in files:
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()


def saved(magic: bytes, head: struct.Struct, *counts: Any) -> bytes:
    return magic + head.pack(*counts)


def counts(data: bytes, magic: bytes, head: struct.Struct, folder: Path | None, what: str) -> Any:
    """The counts of a state saved by :func:`saved`; ``what`` names the stage in errors."""
    if folder is None:
        raise CleanerError(f"a spilled {what} state needs its folder (run again)")
    try:
        return head.unpack(data[len(magic) :])
    except struct.error as exc:
        raise CleanerError(f"a saved {what} state is damaged") from exc


def check_sizes(folder: Path, want: dict[str, int]) -> None:
    """Each file holds at least what the saved state counts."""
    for name, size in want.items():
        path = folder / name
        if (path.stat().st_size if path.is_file() else -1) < size:
            raise CleanerError(f"{path}: shorter than its saved state (run again)")
