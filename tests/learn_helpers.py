"""What the learned-chrome tests share: a corpus written with its rules folder, a run of the
command line on it, and the records a run wrote."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cleaner.cli import main
from tests.conftest import RULES


def write_corpus(folder: Path, lines: Iterable[str], config: str) -> tuple[Path, Path]:
    """``folder``/in.jsonl holding ``lines``, and a rules folder whose config.yaml is
    ``config`` (given after the shipped rules, so its settings win)."""
    src = folder / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", "utf-8")
    rules = folder / "rules"
    rules.mkdir()
    (rules / "config.yaml").write_text(config, "utf-8")
    return src, rules


def run_cli(src: Path, out: Path, rules: Path, *more: str) -> int:
    """``cleaner run`` in this process, with the shipped rules and then ``rules``."""
    return main(["run", str(src), "-o", str(out), "--rules", str(RULES), "--rules", str(rules),
                 *more])  # fmt: skip


def articles(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (folder / "articles.jsonl").read_text("utf-8").splitlines()]
