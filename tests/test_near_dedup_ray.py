"""``--engine ray --dedup near``: the local engine's verdicts, whatever order Ray runs in."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.cli import main
from tests.conftest import RULES, sorted_lines
from tests.test_near_dedup import near_corpus

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_ray_near_dedup_keeps_what_the_local_engine_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    # Two files in small blocks, cleaned by Ray tasks in no set order: the order keys still
    # give each cluster the local engine's keeper. (Ray may write a corpus this small in one
    # task; that merging in any order gives the same verdicts is tested in test_near_dedup.)
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

    for kind in ("articles", "rejects", "duplicates"):
        shards = sorted(ray_out.glob(f"{kind}-*.jsonl"))
        assert sorted_lines(shards) == sorted_lines([local / f"{kind}.jsonl"]), kind
    assert sorted_lines([local / "duplicates.jsonl"]), "the corpus must hold near-duplicates"
