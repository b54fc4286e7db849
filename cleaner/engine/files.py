"""Where rule packs are: the YAML files under the folders and files a user names."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from cleaner.engine.yamlsafe import MAX_RULE_FILE_BYTES


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files under the given files or folders, in a stable order, each once.

    A file reached twice (``--rules R --rules R``, a folder and its subfolder, a link, or a copy
    with the same name and bytes, such as a default site pack also given with ``--rules``) is
    loaded once: loading it twice would make every rule in it a duplicate of itself."""
    found: list[Path] = []
    for p in paths:
        found += _yaml_under(p) if p.is_dir() else [p]
    seen: set[object] = set()
    once: list[Path] = []
    for f in found:
        keys: list[object] = [os.path.realpath(f)]  # realpath: a link loop is no error here
        with contextlib.suppress(OSError):  # the loader reports it with its path
            st = f.stat()
            # Only a regular file small enough is read: never a device or a FIFO, nor a huge one.
            if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_RULE_FILE_BYTES:
                keys.append((f.name, hashlib.sha256(f.read_bytes()).digest()))
        if any(k in seen for k in keys):
            continue
        seen.update(keys)
        once.append(f)
    return once


def _yaml_under(folder: Path) -> list[Path]:
    return sorted(q for q in folder.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file())
