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


def test_ray_exact_dedup_with_a_keeper_rule_keeps_what_the_local_engine_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    # keeper longest: the longer copy comes after the shorter one, often in the other file,
    # so the keeper is known only from the whole corpus (ranked keyed scans merged by Ray).
    import json

    monkeypatch.setattr("cleaner.ray_engine.READ_BLOCK_BYTES", 32 << 10)
    inputs, rules = tmp_path / "in", tmp_path / "rules"
    lines = near_corpus(tmp_path / "all.jsonl").read_text("utf-8").splitlines()
    docs = [json.loads(x) for x in lines if x.endswith("}")]
    copies = [json.dumps({"id": f"{d['id']}-long", "text": d["text"] + " !!!"}) for d in docs[::4]]
    inputs.mkdir()
    rules.mkdir()
    (rules / "config.yaml").write_text("corpus:\n  dedup_keeper: longest\n", "utf-8")
    (inputs / "a.jsonl").write_text("\n".join(lines[:50] + copies[5:]) + "\n", "utf-8")
    (inputs / "b.jsonl").write_text("\n".join(lines[50:] + copies[:5]) + "\n", "utf-8")
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    common = ["--rules", str(RULES), "--rules", str(rules), "-j", "2", "--dedup", "exact"]
    assert main(["run", str(inputs), "-o", str(local), *common]) == 0
    assert main(["run", str(inputs), "-o", str(ray_out), "--engine", "ray", *common]) == 0
    for kind in ("articles", "duplicates"):
        got = sorted(x for p in ray_out.glob(f"{kind}-*.jsonl") for x in p.read_text().splitlines())
        assert got == sorted((local / f"{kind}.jsonl").read_text().splitlines()), kind
    dups = [json.loads(x) for x in (local / "duplicates.jsonl").read_text().splitlines()]
    assert len(dups) >= len(copies)
    kept = {
        r["id"]: r for r in map(json.loads, (local / "articles.jsonl").read_text().splitlines())
    }
    for d in dups:  # the kept copy is the longest of its cluster
        assert len(kept[d["duplicate_of"]]["text"]) >= len(d["record"]["text"])
    assert sum(d["duplicate_of"].endswith("-long") for d in dups) >= len(copies) - 2
