"""Where rule packs are: the YAML files under the folders and files a user names."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from pathlib import Path

from cleaner.engine.yamlsafe import MAX_RULE_FILE_BYTES


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files under the given files or folders, in a stable order, each once.

    A file reached twice (by its real path, or as a copy with the same name and bytes, such as
    a default site pack also given with ``--rules``) is loaded once: the same pack twice is not
    a duplicate-id error."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(
                sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file())
            )
        else:
            found.append(p)
    seen: set[object] = set()
    once: list[Path] = []
    for f in found:
        keys: list[object] = [f.resolve()]
        with contextlib.suppress(OSError):  # the loader reports it with its path
            if f.stat().st_size <= MAX_RULE_FILE_BYTES:  # a huge file is never read
                keys.append((f.name, hashlib.sha256(f.read_bytes()).digest()))
        if any(k in seen for k in keys):
            continue
        seen.update(keys)
        once.append(f)
    return once
