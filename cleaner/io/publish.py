"""Publishing a finished run: the output folder never shows a finished run's summary beside
another run's files.

``summary.json`` marks a finished run; readers trust the files beside it. So the files of a run
are published in this order, from a *journal* (``OUTDIR/.cleaner-run/publish.json``) written
before the first change:

1. every file is complete on disk, on the filesystem of its place (a temporary name beside it);
2. the journal lists the renames to do, the earlier run's files to remove, and the summary;
3. the old ``summary.json`` goes first, then the earlier run's other files, then each rename;
4. the new ``summary.json`` comes last; then the work folder goes.

Steps 1 and 2 touch no visible file, so a failure there (a full disk, a folder where a file
should be) leaves the previous output whole. A kill during 3 or 4 leaves a folder without a
summary and with the journal: the next run into the folder, resumed or not, finishes the
publication first (:func:`complete`), so a half-published folder is repaired, never mixed.

Which files are cleaner's own: the names it writes (:data:`OWNED`), never anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from cleaner.errors import CleanerError
from cleaner.io.files import fsync_dir, write_atomic
from cleaner.record import printable

JOURNAL = "publish.json"
SUMMARY = "summary.json"
# The files a run writes into its folder: articles, rejects or duplicates, single or one per
# shard, JSONL (plain, .gz, .zst) or Parquet for the articles; and --report's two files, which an
# earlier run's must not outlive (they would describe another run).
OWNED = re.compile(
    r"(?:(?:articles|rejects|duplicates)(?:-[0-9]{5})?\.jsonl(?:\.gz|\.zst)?"
    r"|articles(?:-[0-9]{5})?\.parquet|report\.(?:json|html))"
)


def owned_files(outdir: Path) -> list[str]:
    """The names in ``outdir`` that a cleaner run writes (summary.json aside), sorted."""
    try:
        names = os.listdir(outdir)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if OWNED.fullmatch(n) and not (outdir / n).is_dir())


def remove_owned(outdir: Path) -> None:
    """An earlier run's output, before a run that commits files as it goes: its summary first
    (so the folder never claims a finished run while its files go), then its files."""
    if not outdir.is_dir():
        return
    (outdir / SUMMARY).unlink(missing_ok=True)
    fsync_dir(outdir)
    for name in owned_files(outdir):
        (outdir / name).unlink(missing_ok=True)


def check_targets(targets: list[Path]) -> None:
    """Refuse output places that cannot take a file, before anything is written: a folder
    where a file goes, or a file where a folder must be."""
    for target in targets:
        if target.is_dir():
            raise CleanerError(
                f"output file '{printable(target)}' is a folder; choose a file name "
                "(nothing was written)"
            )
        for parent in target.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise CleanerError(
                        f"cannot write '{printable(target)}': '{printable(parent)}' is a file, "
                        "not a folder (nothing was written)"
                    )
                break


def stage(src: Path, target: Path) -> Path:
    """``src`` moved to a temporary name beside ``target`` (copied when on another filesystem),
    durable; the last step, a rename, then cannot fail for want of space."""
    staged = target.with_name(f".{target.name}.tmp")
    try:
        os.replace(src, staged)
    except OSError:
        shutil.copyfile(src, staged)
        with staged.open("rb+") as fh:
            os.fsync(fh.fileno())
    return staged


def publish(
    work: Path, outdir: Path, moves: list[tuple[Path, Path]], remove: list[str], summary: bytes
) -> None:
    """Publish staged files and the summary through the journal (see the module's text);
    ``remove``: an earlier run's files in ``outdir`` that this run does not replace."""
    journal = {
        "moves": [[str(src), str(dst)] for src, dst in moves],
        "remove": remove,
        "summary": summary.decode("utf-8"),
    }
    write_atomic(work / JOURNAL, json.dumps(journal, ensure_ascii=False).encode("utf-8"))
    fsync_dir(work)
    complete(work, outdir)


def complete(work: Path, outdir: Path, *, keep_work: bool = False) -> bool:
    """Finish the publication a journal describes; False when there is none. Idempotent: a
    kill during it leaves the journal, and the next call goes on where it stopped."""
    path = work / JOURNAL
    try:
        journal: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return False
    except ValueError:  # written atomically, so never torn; a stray file: not a journal
        path.unlink()
        return False
    (outdir / SUMMARY).unlink(missing_ok=True)
    fsync_dir(outdir)
    for name in journal["remove"]:
        (outdir / name).unlink(missing_ok=True)
    folders = {outdir}
    for src, dst in journal["moves"]:
        if os.path.lexists(src):  # else already renamed by the call a kill interrupted
            os.replace(src, dst)
        folders.add(Path(dst).parent)
    for folder in sorted(folders):
        fsync_dir(folder)
    write_atomic(outdir / SUMMARY, journal["summary"].encode("utf-8"))
    fsync_dir(outdir)
    if keep_work:
        path.unlink()
    else:
        shutil.rmtree(work, ignore_errors=True)
    return True


def file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        return "sha256:" + hashlib.file_digest(fh, "sha256").hexdigest()


def fingerprint(path: Path) -> list[Any]:
    """What a completion marker records of a committed file: its size and digest."""
    return [path.stat().st_size, file_digest(path)]


def changed(path: Path, recorded: list[Any]) -> str | None:
    """Why a committed file no longer matches its marker (None: it does)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "is missing"
    if size != recorded[0]:
        return f"holds {size:,} bytes, not the {recorded[0]:,} committed"
    if file_digest(path) != recorded[1]:
        return "changed since it was committed"
    return None
