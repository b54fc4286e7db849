"""The spilled near-dedup state (``cleaner/stages/spill.py``) against the in-memory one, its
oracle: the same verdicts for any grouping, keyed order, keeper and sort chunk; the external
band sort gives ``candidate_pairs``' pairs; and SIGKILL in the cluster step, then resume."""

from __future__ import annotations

import os
import random
import signal
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cleaner.stages import spill as spill_module
from cleaner.stages.minhash import candidate_pairs, signatures
from cleaner.stages.near import NearDedup, NearState
from cleaner.stages.spill import BAND, _pairs_of, partitions
from cleaner.workers import FAULT_ENV
from tests.conftest import ROOT
from tests.test_kill_resume import cli, run_to_end, tree
from tests.test_near_dedup import docs_with_copies, near_corpus


def _docs() -> list[dict[str, Any]]:
    """Copies in clusters of two and three, an empty text, quality scores with ties."""
    docs = docs_with_copies()
    docs.append({**docs[0], "id": "d0-again", "text": docs[0]["text"] + " more"})
    docs.insert(5, {"id": "empty", "source": "s", "text": "", "meta": {}})
    for i, d in enumerate(docs):
        d["quality"] = {"score": {"mean_margin": (i * 7) % 5 / 10}}
    return docs


def _in_memory(stage: NearDedup, docs: list[dict[str, Any]]) -> list[Any]:
    state = stage.empty()
    for lo in range(0, len(docs), 7):
        state.merge(stage.scan(docs[lo : lo + 7]))
    sealed = stage.seal(stage.load(state.to_bytes()))
    return [stage.apply(d, sealed) for d in docs]


def _spilled(stage: NearDedup, docs: list[dict[str, Any]], folder: Path, size: int) -> list[Any]:
    stage.spill_to(folder)
    state = stage.spilled()
    for lo in range(0, len(docs), size):
        state.merge(stage.load(stage.scan(docs[lo : lo + size]).to_bytes()))
    data = state.to_bytes()
    state.close()
    sealed = stage.seal(stage.load(data))
    return [stage.apply(d, sealed) for d in docs]


@pytest.mark.parametrize("keeper", ["first", "longest", "quality"])
def test_the_spilled_state_gives_the_in_memory_verdicts(
    keeper: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _docs()
    want = _in_memory(NearDedup(keeper=keeper), docs)
    assert sum(1 for v in want if not isinstance(v, dict)) >= 15  # some drops to compare
    monkeypatch.setattr(spill_module, "READ_ROWS", 5)  # signatures read in several chunks
    monkeypatch.setattr(spill_module, "VERIFY", 3)  # pairs verified a few at a time
    for chunk, size in ((4, 1), (9, 6), (1 << 18, 100)):  # many band files, a few, one
        monkeypatch.setattr(spill_module, "CHUNK", chunk)
        got = _spilled(NearDedup(keeper=keeper), docs, tmp_path / f"s{chunk}", size)
        assert got == want, (chunk, size)


def test_the_spilled_keyed_state_merged_in_any_order_gives_the_local_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _docs()
    want = _in_memory(NearDedup(), docs)
    monkeypatch.setattr(spill_module, "CHUNK", 8)
    keys = [(i >> 3) << 32 | (i & 7) for i in range(len(docs))]
    for seed in range(2):
        stage = NearDedup()
        stage.spill_to(tmp_path / f"k{seed}")
        groups = [list(zip(keys[lo : lo + 5], docs[lo : lo + 5], strict=True)) for lo in range(0, len(docs), 5)]  # fmt: skip
        random.Random(seed).shuffle(groups)
        state = stage.spilled()
        for g in groups:
            state.merge(stage.load_keyed(stage.scan_keyed(g).to_bytes()))
        sealed = stage.seal_keyed(stage.load_keyed(state.to_bytes()))
        assert [stage.apply_keyed(d, k, sealed) for k, d in zip(keys, docs, strict=True)] == want


def test_the_spill_files_are_the_same_bytes_for_any_grouping(tmp_path: Path) -> None:
    docs = _docs()
    stage = NearDedup()
    files = []
    for size in (1, 4, 50):
        folder = tmp_path / f"g{size}"
        stage.spill_to(folder)
        state = stage.spilled()
        for lo in range(0, len(docs), size):
            state.merge(stage.scan(docs[lo : lo + size]))
        state.to_bytes()
        state.close()
        files.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert files[0] == files[1] == files[2]
    assert len(files[0]["info.bin"]) == len(docs) * 32


def test_the_external_band_sort_gives_the_pairs_of_the_in_memory_sort() -> None:
    rng = random.Random(5)
    texts = [" ".join(rng.choice("abc") for _ in range(7)) for _ in range(300)]
    texts[7] = ""  # no signature: in no bucket
    sigs = signatures(texts, 8 * 2)
    a, b = candidate_pairs(sigs, 8, 2)
    want = set(zip(a.tolist(), b.tolist(), strict=True))
    assert len(want) > 300  # many shared buckets: a real test of the bucket pairs
    from cleaner.stages.minhash import _band_hashes

    for parts in (1, 3, 17):
        got = set()
        for band in range(8):
            valid = np.arange(len(sigs)) != 7
            rec = np.empty(len(sigs) - 1, dtype=BAND)
            rec["hash"] = _band_hashes(sigs[valid, band * 2 : band * 2 + 2])
            rec["key"] = rec["row"] = np.arange(len(sigs))[valid] * 3  # keys only keep the order
            part = rec["hash"] % np.uint64(parts)
            for p in range(parts):
                pairs = _pairs_of(rec[part == p])
                got |= set(zip((pairs["a"] // 3).tolist(), (pairs["b"] // 3).tolist(), strict=True))
        assert got == want, parts
    assert partitions(0, 4) == 1
    assert partitions(9, 4) == 3


def test_a_spilled_state_whose_files_are_short_is_refused(tmp_path: Path) -> None:
    from cleaner.errors import CleanerError

    stage = NearDedup()
    stage.spill_to(tmp_path)
    state = stage.spilled()
    state.merge(stage.scan(_docs()[:4]))
    data = state.to_bytes()
    state.close()
    (tmp_path / "sigs.u32").write_bytes(b"")
    with pytest.raises(CleanerError, match="shorter than its saved state"):
        stage.load(data)
    assert isinstance(NearDedup().load(NearDedup().scan(_docs()[:2]).to_bytes()), NearState)


# -- SIGKILL in the cluster step (pass 2's start), then --resume ------------------------------

SHARDED = ["-j", "2", "--shard-size", "9", "--dedup", "near"]


@pytest.fixture(scope="module")
def spill_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return near_corpus(tmp_path_factory.mktemp("spill") / "in.jsonl")


@pytest.fixture(scope="module")
def uninterrupted(spill_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spill-ref") / "out"
    run_to_end(str(spill_corpus), "-o", str(out), *SHARDED)
    return out


@pytest.mark.parametrize("moment", ["cluster-bands", "cluster-band-5", "cluster-verify"])
def test_sigkill_in_the_cluster_step_then_resume_equals_an_uninterrupted_run(
    spill_corpus: Path, uninterrupted: Path, tmp_path: Path, moment: str
) -> None:
    out, fired = tmp_path / "out", tmp_path / "fired"
    env = {**os.environ, FAULT_ENV: f"{moment}:SIGKILL:{fired}"}
    args = cli(str(spill_corpus), "-o", str(out), *SHARDED)
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert fired.exists(), "the fault was never injected"
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (out / ".cleaner-run" / "pass1" / "spill" / "sigs.u32").is_file()
    run_to_end(str(spill_corpus), "-o", str(out), *SHARDED, "--resume")
    assert tree(out) == tree(uninterrupted)
