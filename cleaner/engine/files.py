"""Where rule packs are: the YAML files under the folders and files a user names."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files under the given files or folders, in a stable order."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(
                sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file())
            )
        else:
            found.append(p)
    return found
