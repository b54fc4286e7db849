"""``--engine ray --dedup near``: the local engine's verdicts, whatever order Ray runs in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cleaner.cli import main
from tests.conftest import RULES
from tests.test_near_dedup import near_corpus

if not os.environ.get("CI"):
    pytest.importorskip("ray", reason="pip install -e '.[ray]' to run the Ray tests")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_ray_near_dedup_keeps_what_the_local_engine_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two files in small blocks, cleaned by Ray tasks in no set order: the order keys still
    # give each cluster the local engine's keeper. (Ray may write a corpus this small in one
    # task; that merging in any order gives the same verdicts is tested in test_near_dedup.)
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr("cleaner.ray_engine.READ_BLOCK_BYTES", 32 << 10)
    inputs = tmp_path / "in"
    lines = near_corpus(tmp_path / "all.jsonl").read_text("utf-8").splitlines()
    inputs.mkdir()
    (inputs / "a.jsonl").write_text("\n".join(lines[:50]) + "\n", "utf-8")
    (inputs / "b.jsonl").write_text("\n".join(lines[50:]) + "\n", "utf-8")
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    common = ["--rules", str(RULES), "-j", "2", "--dedup", "near"]
    assert main(["run", str(inputs), "-o", str(local), *common]) == 0
    assert main(["run", str(inputs), "-o", str(ray_out), "--engine", "ray", *common]) == 0

    def lines_of(paths: list[Path]) -> list[str]:
        return sorted(x for p in paths for x in p.read_text("utf-8").splitlines())

    for kind in ("articles", "rejects", "duplicates"):
        shards = sorted(ray_out.glob(f"{kind}-*.jsonl"))
        assert lines_of(shards) == lines_of([local / f"{kind}.jsonl"]), kind
    assert lines_of([local / "duplicates.jsonl"]), "the corpus must hold near-duplicates"
