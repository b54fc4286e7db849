"""Where a run reads and writes: input folders walked safely, output kept apart from input.

Input folders. Every regular file with a readable suffix is read once. Symbolic links:
- a link named on the command line is followed (the user chose it);
- inside a folder, a link to a file in the same folder tree is read, unless that file is read
  anyway under its real path (each file is read once);
- a link to a folder in the same tree adds nothing (its files are read under their real paths)
  and is not walked, so link loops cannot happen;
- a link that leaves the input folder is not followed, and a broken link cannot be: each
  becomes a reject that says where it points, never a silent skip.

Output. The output folder is never an input folder, inside one, or around one, unless the user
says so with ``--allow-output-in-input``; then a walk skips the run's own output files. Every
output file name is one plain component inside the output folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from cleaner.errors import CleanerError
from cleaner.record import Reason, Reject, printable, printable_name

OUTPUT_PREFIXES = ("articles", "rejects", "duplicates", "summary.json", ".cleaner")
MAX_NAME_BYTES = 255  # the usual file-name limit (ext4, xfs, tmpfs, APFS)


def output_path(outdir: Path, name: str) -> Path:
    """``outdir / name``, refusing any name that is not one plain component inside ``outdir``.

    Names built from ids, sites or shard numbers go through here, so a hostile id such as
    ``../../etc/x`` can never place a file outside the output folder."""
    problem = None
    if not name or name in (".", ".."):
        problem = "is empty or a folder reference"
    elif "/" in name or "\\" in name or "\0" in name:
        problem = "holds a path separator or NUL"
    elif len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        problem = f"is longer than {MAX_NAME_BYTES} bytes"
    if problem is not None:
        raise CleanerError(f"output file name {printable(name)!r} {problem}")
    return outdir / name


def real_path(path: Path | str) -> Path:
    """The absolute path with links resolved as far as they go; unlike ``Path.resolve`` (before
    Python 3.13), a link loop named on the command line does not raise: its read is a reject."""
    return Path(os.path.realpath(path))


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def is_output_file(real: Path, outdir: Path | None) -> bool:
    """A file this run (or an earlier run into the same folder) writes, seen from a walk."""
    if outdir is None or not is_within(real, outdir) or real == outdir:
        return False
    first = real.relative_to(outdir).parts[0]
    return first.startswith(OUTPUT_PREFIXES)


def check_output_location(
    inputs: Iterable[str], outdir: str, rejects: str | None, *, allow: bool
) -> None:
    """Refuse an output folder (or rejects file) that is, holds, or sits in an input; and
    output places that cannot work whatever the inputs."""
    if outdir != "-" and Path(outdir).exists() and not Path(outdir).is_dir():
        raise CleanerError(f"output '{printable(outdir)}' is a file, not a folder; choose a folder")
    if rejects and outdir != "-":
        real = real_path(rejects)
        if real.parent == real_path(outdir) and real.name.startswith(("articles", "summary.json")):
            raise CleanerError(
                f"rejects file '{printable(rejects)}' would be overwritten by the run's own "
                f"'{real.name}'; choose another name"
            )
    if allow:
        return
    targets = [] if outdir == "-" else [("output folder", Path(outdir))]
    if rejects:
        targets.append(("rejects file", Path(rejects)))
    for item in inputs:
        if item == "-":
            continue
        src = real_path(item)
        for what, target in targets:
            dst = real_path(target)
            if dst == src:
                where = "is the input"
            elif src in dst.parents:
                where = "is inside the input folder"
            elif dst in src.parents:
                where = "holds the input"
            else:
                continue
            raise CleanerError(
                f"{what} '{printable(target)}' {where} '{printable(item)}': a run must not read "
                "its own output or overwrite its input; choose another place, or pass "
                "--allow-output-in-input if you mean it (the run then skips its own output files)"
            )


def walk_folder(
    root: Path, suffix_ok: Callable[[Path], bool], outdir: Path | None = None
) -> Iterator[Path | Reject]:
    """The readable files under ``root`` in sorted path order, and a reject for each link that
    is not followed. ``outdir`` (resolved) is the run's output folder, whose files are skipped."""
    real_root = root.resolve()
    files: list[tuple[str, Path, Path]] = []  # (sort key, path as found, real path)
    refused: list[tuple[str, Reject]] = []
    _scan(root, real_root, suffix_ok, outdir, files, refused)
    real_seen = {real for _, path, real in files if not path.is_symlink()}
    out: list[tuple[str, Path | Reject]] = []
    for key, path, real in files:
        if path.is_symlink():
            if real in real_seen:
                continue  # the same file is read under its real path
            real_seen.add(real)
        out.append((key, path))
    out.extend(refused)
    for _, item in sorted(out, key=lambda kv: kv[0]):
        yield item


def _scan(
    root: Path,
    real_root: Path,
    suffix_ok: Callable[[Path], bool],
    outdir: Path | None,
    files: list[tuple[str, Path, Path]],
    refused: list[tuple[str, Reject]],
) -> None:
    # Iterative, so a tree deeper than Python's recursion limit is walked too; real paths are
    # built from the resolved root, since nothing walked here is a link.
    stack = [(root, real_root)]
    while stack:
        folder, real_folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            refused.append(_refusal(folder, "unreadable", f"cannot list folder: {exc.strerror}"))
            continue
        for entry in entries:
            path, real = Path(entry.path), real_folder / entry.name
            if entry.is_symlink():
                _link(path, real_root, suffix_ok, outdir, files, refused)
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue  # vanished between listing and stat
            if is_output_file(real, outdir):
                continue
            if stat.S_ISDIR(mode):
                stack.append((path, real))
            elif suffix_ok(path):
                if stat.S_ISREG(mode):
                    files.append((path.as_posix(), path, real))
                else:  # a FIFO or device named like an article: reading it could block forever
                    refused.append(_refusal(path, "unreadable", "not a regular file; not read"))


def _link(
    path: Path,
    real_root: Path,
    suffix_ok: Callable[[Path], bool],
    outdir: Path | None,
    files: list[tuple[str, Path, Path]],
    refused: list[tuple[str, Reject]],
) -> None:
    try:
        target = os.readlink(path)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # broken, or a loop that never reaches a real file
        if suffix_ok(path):
            refused.append(
                _refusal(path, "unreadable", f"broken symbolic link to '{printable(target)}'")
            )
        return
    if real.is_dir():
        if is_within(real, real_root):
            return  # its files are read under their real paths
        refused.append(_outside(path, real, real_root))
        return
    if not suffix_ok(path) or is_output_file(real, outdir):
        return
    if not is_within(real, real_root):
        refused.append(_outside(path, real, real_root))
        return
    files.append((path.as_posix(), path, real))


def _outside(path: Path, real: Path, real_root: Path) -> tuple[str, Reject]:
    return _refusal(
        path,
        "link_outside_input",
        f"symbolic link to '{printable(real)}' leaves the input folder '{printable(real_root)}'; "
        "not followed (give the target as an input to read it)",
    )


def display_path(path: Path) -> str:
    """The path as a user reads it: relative to the working folder when inside it."""
    try:
        # abspath, not resolve: a link is shown as the link the user sees, not its target.
        shown = Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return printable_name(shown)


def _refusal(path: Path, code: str, message: str) -> tuple[str, Reject]:
    source = display_path(path)
    return path.as_posix(), Reject(
        printable_name(path.stem) or source, source, (Reason(code, message),)
    )


def input_bytes(expanded: Iterable[object]) -> int | None:
    """Total size of expanded inputs (None when one is standard input): a progress bar's 100%.
    A remote file counts the size its listing gave."""
    total = 0
    for item in expanded:
        if isinstance(item, Reject):
            continue
        if isinstance(item, str):  # "-": standard input has no size
            return None
        if not isinstance(item, Path):
            total += getattr(item, "size", None) or 0
            continue
        try:
            total += item.stat().st_size
        except OSError:
            continue
    return total
