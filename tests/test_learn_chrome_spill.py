"""The learn-chrome state spilled to disk (:mod:`cleaner.stages.learnspill`): the same samples
and the same learned packs as the in-memory merge, in one partition or many, through a saved
state as pass 2 loads it; a damaged or missing spill is refused."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import cleaner.stages.learnspill as learnspill
from cleaner.errors import CleanerError
from cleaner.stages import Drop
from cleaner.stages.chain import Chain
from cleaner.stages.dedup import ExactDedup
from cleaner.stages.learn import LearnChrome, LearnState
from cleaner.stages.learnspill import LearnSpill
from tests.test_learn_chrome import records


def _corpus() -> list[dict[str, object]]:
    recs = records(30) + records(15, "other.example", seed=2) + records(4, "tiny.example", seed=3)
    rng = random.Random(5)
    rng.shuffle(recs)
    return [*recs, recs[0]]  # a document twice: counted twice, sampled once


def _spilled(stage: LearnChrome, recs: list[dict[str, object]], folder: Path) -> LearnSpill:
    stage.spill_to(folder)
    spill = stage.spilled()
    for start in range(0, len(recs), 7):  # scans of batches, saved and loaded as pass 1 does
        spill.merge(stage.load(stage.scan(recs[start : start + 7]).to_bytes()))
    loaded = stage.load(spill.to_bytes())  # the final state pass 2 loads
    assert isinstance(loaded, LearnSpill)
    return loaded


@pytest.mark.parametrize("chunk", [1 << 30, 2000])  # one partition; many
def test_spilled_samples_and_packs_equal_the_in_memory_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(learnspill, "CHUNK_BYTES", chunk)
    stage = LearnChrome(min_docs=10, share=20, sample=12)  # the sample is smaller than a site
    recs = _corpus()
    memory = stage.scan(recs)
    spill = _spilled(stage, recs, tmp_path)
    sites = dict(spill.sites())
    assert set(sites) == set(memory.sites)
    for name, site in memory.sites.items():
        assert (sites[name].n, sites[name].docs) == (site.n, site.docs)
    assert sum(s.n for s in memory.sites.values()) == len(recs) == 50
    assert spill.size > 2 * 2000  # so the second case deals the lines into several partitions
    sealed, from_disk = stage.seal(memory), stage.seal(spill)
    assert sealed.packs
    assert from_disk.packs == sealed.packs
    assert from_disk.sizes == sealed.sizes
    assert not (tmp_path / "learn" / "parts").exists()  # the partitions are gone after the seal


def test_a_resumed_merge_starts_the_spill_afresh(tmp_path: Path) -> None:
    stage = LearnChrome(min_docs=10, share=20, sample=12)
    recs = _corpus()
    _spilled(stage, recs, tmp_path)
    again = _spilled(stage, recs, tmp_path)  # a second pass 1 over the same folder
    assert stage.seal(again).packs == stage.seal(stage.scan(recs)).packs


def test_a_spill_shorter_than_its_state_or_damaged_is_refused(tmp_path: Path) -> None:
    stage = LearnChrome(min_docs=10, share=20, sample=12)
    spill = _spilled(stage, _corpus(), tmp_path)
    data = spill.to_bytes()
    samples = tmp_path / "learn" / "samples.jsonl"
    samples.write_bytes(samples.read_bytes()[:-10])
    with pytest.raises(CleanerError, match="shorter than its saved state"):
        stage.load(data)
    with pytest.raises(CleanerError, match="damaged"):
        stage.load(data[:-3])
    samples.write_bytes(b'"zorblat.example"\t[1,[["a"\n' + b" " * len(data) * 100)
    broken = LearnSpill(tmp_path / "learn", 12, 1, samples.stat().st_size)
    with pytest.raises(CleanerError, match="damaged learn-chrome sample"):
        dict(broken.sites())
    assert isinstance(LearnState.from_bytes(stage.scan([]).to_bytes(), 12), LearnState)


@pytest.mark.parametrize("keyed", [False, True])  # the local engine; Ray
def test_a_chain_with_dedup_spills_learned_chrome_and_decides_the_same(
    tmp_path: Path, keyed: bool
) -> None:
    learn = LearnChrome(min_docs=10, share=20, sample=12)
    chain = Chain(ExactDedup(), learn)
    recs = [{**r, "source": "x", "meta": {}} for r in _corpus()]
    pairs = list(enumerate(recs))
    chain.spill_to(tmp_path)
    spilled = chain.spilled()
    assert isinstance(spilled.second, LearnSpill)
    memory = chain.empty() if not keyed else chain.scan_keyed(())
    for start in range(0, len(recs), 7):
        batch = pairs[start : start + 7]
        if keyed:
            spilled.merge(chain.load_keyed(chain.scan_keyed(batch).to_bytes()))
            memory.merge(chain.scan_keyed(batch))
        else:
            spilled.merge(chain.load(chain.scan(r for _, r in batch).to_bytes()))
            memory.merge(chain.scan(r for _, r in batch))
    if keyed:  # the Ray driver seals the merged state as it is
        a, b = chain.seal_keyed(spilled), chain.seal_keyed(memory)
        got = [chain.apply_keyed(r, k, a) for k, r in pairs]
        want = [chain.apply_keyed(r, k, b) for k, r in pairs]
    else:  # the local engine saves it and seals what it loads back
        a, b = chain.seal(chain.load(spilled.to_bytes())), chain.seal(memory)
        got = [chain.apply(r, a) for r in recs]
        want = [chain.apply(r, b) for r in recs]
    assert got == want
    assert sum(isinstance(v, Drop) for v in got) == 1  # the document given twice
    assert a.second.packs == b.second.packs != {}
    empty = chain.spilled()  # no scan at all (an empty input): still seals
    assert chain.seal(chain.load(empty.to_bytes())).second.packs == {}
    assert chain.seal_keyed(chain.spilled()).second.packs == {}
