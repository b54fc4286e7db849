"""Where rule packs are: the YAML files under the folders and files a user names."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files under the given files or folders, in a stable order, each file once.

    A file reached twice (``--rules R --rules R``, a folder and its subfolder, a link) is one
    file: loading it twice would make every rule in it a duplicate of itself.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        for q in _yaml_under(p) if p.is_dir() else [p]:
            real = q.resolve()
            if real not in seen:
                seen.add(real)
                found.append(q)
    return found


def _yaml_under(folder: Path) -> list[Path]:
    return sorted(q for q in folder.rglob("*") if q.suffix in (".yaml", ".yml") and q.is_file())
