"""``--dedup near``: MinHash signatures, LSH candidates, clusters and keepers as units, then the
stage end to end (CLI, Python API, config), ``-j 2`` = ``-j 1``, and SIGKILL + resume."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cleaner.cli import main
from cleaner.config import Config
from cleaner.errors import CleanerError, RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.run import RunOptions, run
from cleaner.stages import Drop, stage_for
from cleaner.stages.minhash import (
    bands_rows,
    candidate_pairs,
    components,
    estimated_jaccard,
    signatures,
    tokens,
)
from cleaner.stages.near import NearDedup, NearState, date_value
from cleaner.workers import FAULT_ENV
from tests.conftest import ROOT, RULES, SEEDS
from tests.test_kill_resume import cli, run_to_end, tree


def seed_lines() -> list[str]:
    lines = [ln for p in sorted(SEEDS.glob("*.txt")) for ln in p.read_text("utf-8").splitlines()]
    return [ln for ln in lines if len(ln.split()) >= 4]


def edit(text: str, share: float, rng: random.Random) -> str:
    words = text.split(" ")
    for i in rng.sample(range(len(words)), max(1, int(share * len(words)))):
        words[i] = f"zz{rng.randrange(10**6)}"
    return " ".join(words)


def near_corpus(path: Path, n: int = 60, seed: int = 3) -> Path:
    """Documents of seed lines; one in three has a near copy (1% of its words changed) further
    on, one in five a far copy (30% changed, not a duplicate); a malformed line among them."""
    rng = random.Random(seed)
    lines = seed_lines()
    docs = [
        {"id": f"d{i}", "text": "\n".join(rng.sample(lines, 12)), "date_published": f"2024-01-{i % 28 + 1:02d}"}
        for i in range(n)
    ]  # fmt: skip
    out = list(docs)
    for i, doc in enumerate(docs):
        if i % 3 == 0:
            near = {"id": f"d{i}-near", "text": edit(doc["text"], 0.01, rng)}
            out.insert(rng.randrange(out.index(doc) + 1, len(out) + 1), near)
        if i % 5 == 0:
            out.append({"id": f"d{i}-far", "text": edit(doc["text"], 0.3, rng)})
    text = [json.dumps(d) for d in out]
    text.insert(7, "{broken")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(text) + "\n", "utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def record(i: str, text: str, **more: Any) -> dict[str, Any]:
    return {"id": i, "source": f"s:{i}", "text": text, "meta": {}, **more}


# -- units -------------------------------------------------------------------------------------


def test_signatures_are_fixed_and_the_same_in_a_batch_or_alone() -> None:
    texts = ["\n".join(seed_lines()[i : i + 10]) for i in range(0, 200, 10)]
    texts += ["", "two words", "one two three four five", "日本語のテキストと中文文本"]
    batch = signatures(texts, 112)
    alone = np.stack([signatures([t], 112)[0] for t in texts])
    assert (batch == alone).all()
    assert (signatures(texts, 112) == batch).all()  # no seed from the run
    assert (batch[20] == 0xFFFFFFFF).all()  # no token, no signature
    assert (
        signatures(["Hello, WORLD  again"], 112) == signatures(["hello world again"], 112)
    ).all()


def test_chinese_and_japanese_are_cut_into_characters() -> None:
    assert tokens("Hello 世界，日本語") == [
        t.encode() for t in ["hello", "世", "界", "日", "本", "語"]
    ]


def test_the_estimate_is_close_to_the_exact_jaccard() -> None:
    rng = random.Random(1)
    text = " ".join(seed_lines()[:60])
    copy = edit(text, 0.02, rng)

    def shingles(t: str) -> set[tuple[bytes, ...]]:
        w = tokens(t)
        return {tuple(w[i : i + 5]) for i in range(len(w) - 4)}

    a, b = shingles(text), shingles(copy)
    exact = len(a & b) / len(a | b)
    sigs = signatures([text, copy], 112)
    est = estimated_jaccard(sigs, np.array([0]), np.array([1]))[0]
    assert abs(est - exact) < 0.1, (est, exact)


def test_bands_and_rows() -> None:
    assert bands_rows(0.8) == (14, 8)  # datatrove's
    bands, rows = bands_rows(0.6)
    assert bands * rows <= 112
    assert (1 / bands) ** (1 / rows) < (1 / 14) ** (1 / 8)


def test_components_do_not_depend_on_the_order_of_the_pairs() -> None:
    pairs = [(0, 3), (3, 7), (2, 5), (8, 9), (7, 1)]
    expected = {0: [0, 1, 3, 7], 2: [2, 5], 8: [8, 9]}
    for seed in range(5):
        random.Random(seed).shuffle(pairs)
        a = np.array([min(p) for p in pairs])
        b = np.array([max(p) for p in pairs])
        assert components(10, a, b) == expected


def test_a_bucket_shared_below_the_threshold_drops_nothing() -> None:
    # Two signatures equal in their first band only: LSH makes them candidates, the check
    # against the threshold keeps both.
    sigs = np.arange(2 * 112, dtype=np.uint32).reshape(2, 112)
    sigs[1, :8] = sigs[0, :8]
    a, b = candidate_pairs(sigs, 14, 8)
    assert (a.tolist(), b.tolist()) == ([0], [1])
    stage = NearDedup()
    state = NearState(
        112, [sigs], [np.array([5, 5])], [np.zeros(2, np.int64)], [np.zeros(2)], ["x", "y"]
    )
    verdicts = stage.seal(state)
    assert verdicts.dropped == {}
    assert verdicts.kept == {}


def docs_with_copies() -> list[dict[str, Any]]:
    rng = random.Random(4)
    lines = seed_lines()
    out = []
    for i in range(30):
        text = "\n".join(rng.sample(lines, 10))
        out.append(record(f"d{i}", text, date_published=f"2020-01-{i % 28 + 1:02d}"))
        if i % 2 == 0:
            out.append(
                record(
                    f"d{i}-c",
                    edit(text, 0.01, rng) + " extra words here",
                    date_published="2023-05-01",
                )
            )
    return out


def verdicts_in_order(stage: NearDedup, docs: list[dict[str, Any]]) -> list[Any]:
    state = stage.empty()
    for lo in range(0, len(docs), 7):
        state.merge(stage.scan(docs[lo : lo + 7]))
    sealed = stage.seal(stage.load(state.to_bytes()))
    return [stage.apply(d, sealed) for d in docs]


def test_the_first_copy_is_kept_and_the_others_name_it_with_their_jaccard() -> None:
    docs = docs_with_copies()
    verdicts = verdicts_in_order(NearDedup(), docs)
    drops = [v for v in verdicts if isinstance(v, Drop)]
    assert {d.line["id"] for d in drops} == {f"d{i}-c" for i in range(0, 30, 2)}
    for d in drops:
        assert d.line["duplicate_of"] == d.line["id"][:-2]
        assert 0.7 < d.line["jaccard"] <= 1.0
        assert d.line["record"]["id"] == d.line["id"]
    kept = [v for v in verdicts if not isinstance(v, Drop) and v["meta"]]
    assert len(kept) == 15
    assert all(v["meta"] == {"duplicates": 1} for v in kept)


@pytest.mark.parametrize("keeper", ["longest", "newest"])
def test_the_keeper_rule_picks_the_longest_or_newest(keeper: str) -> None:
    verdicts = verdicts_in_order(NearDedup(keeper=keeper), docs_with_copies())
    drops = {v.line["id"] for v in verdicts if isinstance(v, Drop)}
    assert drops == {f"d{i}" for i in range(0, 30, 2)}  # the copies are longer and newer


def test_the_keeper_by_quality_ranks_unscored_records_last_and_ties_by_input_order() -> None:
    docs = docs_with_copies()[:2]  # d0 and its copy
    stage = NearDedup(keeper="quality")
    assert isinstance(verdicts_in_order(stage, docs)[1], Drop)  # neither scored: the first
    docs[1] = {**docs[1], "quality": {"score": 0.4}}
    assert isinstance(verdicts_in_order(stage, docs)[0], Drop)
    docs[0] = {**docs[0], "quality": 0.9}
    assert isinstance(verdicts_in_order(stage, docs)[1], Drop)


def test_date_values_sort_like_the_dates() -> None:
    assert date_value("2024-03-01") < date_value("2024-03-01T10:00:00Z") < date_value("2025")
    assert date_value(None) == date_value("n/a") == 0


def test_keyed_scans_merge_in_any_order_to_the_local_verdicts() -> None:
    docs = docs_with_copies()
    stage = NearDedup()
    local = verdicts_in_order(stage, docs)
    keyed = list(enumerate(docs))
    keys = [(i >> 3) << 32 | (i & 7) for i in range(len(docs))]  # several "files"
    for seed in range(3):
        groups = [
            list(zip(keys[lo : lo + 5], docs[lo : lo + 5], strict=True))
            for lo in range(0, len(keyed), 5)
        ]
        random.Random(seed).shuffle(groups)
        state = stage.scan_keyed(())
        for g in groups:
            state.merge(stage.load_keyed(stage.scan_keyed(g).to_bytes()))
        sealed = stage.seal_keyed(state)
        got = [stage.apply_keyed(d, k, sealed) for k, d in zip(keys, docs, strict=True)]
        assert got == local


def test_a_saved_state_of_another_size_or_damaged_is_refused() -> None:
    data = NearDedup().scan(docs_with_copies()[:3]).to_bytes()
    with pytest.raises(CleanerError, match="hash functions"):
        NearDedup(bands=10, rows=5).load(data)
    with pytest.raises(CleanerError, match="damaged"):
        NearDedup().load(data[:-3])
    with pytest.raises(CleanerError, match="not a saved near-dedup state"):
        NearDedup().load(b"junk")


def test_config_keys_are_declared_and_checked() -> None:
    corpus = Config.defaults().corpus
    assert corpus == {
        "dedup": "none",
        "dedup_threshold": 80,
        "dedup_bands": 0,
        "dedup_rows": 0,
        "dedup_keeper": "first",
    }
    with pytest.raises(RuleErrors, match="dedup_threshold' is out of range"):
        Config.from_mapping({"corpus": {"dedup_threshold": 30}}, "c.yaml")
    with pytest.raises(RuleErrors, match="dedup_keeper' has unknown value"):
        Config.from_mapping({"corpus": {"dedup_keeper": "oldest"}}, "c.yaml")
    stage = stage_for("near", {"dedup_threshold": 90, "dedup_keeper": "newest"})
    assert isinstance(stage, NearDedup)
    assert stage.threshold == 0.9
    assert stage.keeper == "newest"
    with pytest.raises(CleanerError, match="exact dedup keeps the first copy"):
        stage_for("exact", {"dedup_keeper": "longest"})


# -- end to end --------------------------------------------------------------------------------


def run_cli(*args: str) -> int:
    return main(["run", *args, "--rules", str(RULES)])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return near_corpus(tmp_path_factory.mktemp("near") / "in.jsonl")


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("near-ref") / "out"
    assert run_cli(str(corpus), "-o", str(out), "--dedup", "near", "-j", "1") == 0
    return out


def test_dedup_near_end_to_end(corpus: Path, reference: Path) -> None:
    summary = json.loads((reference / "summary.json").read_text("utf-8"))
    dups = read_jsonl(reference / "duplicates.jsonl")
    ids = {d["id"] for d in dups}
    assert ids == {f"d{i}-near" for i in range(0, 60, 3)}  # the far copies stay
    assert all(d["duplicate_of"] == d["id"][: -len("-near")] and d["jaccard"] >= 0.72 for d in dups)
    kept = read_jsonl(reference / "articles.jsonl")
    assert sum(r["meta"].get("duplicates", 0) for r in kept) == len(dups)
    assert summary["duplicates_written"] == len(dups)
    assert summary["reconciled"]
    assert summary["articles_read"] == len(kept) + summary["rejects_written"] + len(dups)


def test_python_api_and_config_give_the_cli_bytes(
    corpus: Path, reference: Path, tmp_path: Path
) -> None:
    api = tmp_path / "api"
    run(Cleaner.from_paths([RULES]), [str(corpus)], str(api), RunOptions(dedup="near", workers=1))
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "config.yaml").write_text("corpus:\n  dedup: near\n", "utf-8")
    conf = tmp_path / "conf"
    assert (
        main(
            [
                "run",
                str(corpus),
                "-o",
                str(conf),
                "--rules",
                str(RULES),
                "--rules",
                str(rules),
                "-j",
                "1",
            ]
        )
        == 0
    )
    for out in (api, conf):
        for name in ("articles.jsonl", "duplicates.jsonl", "rejects.jsonl"):
            assert (out / name).read_bytes() == (reference / name).read_bytes(), (out, name)


SHARDED = ["-j", "2", "--shard-size", "9", "--dedup", "near"]


@pytest.fixture(scope="module")
def sharded(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("near-sharded") / "out"
    run_to_end(str(corpus), "-o", str(out), *SHARDED)
    return out


def test_j2_in_shards_writes_the_bytes_of_j1(reference: Path, sharded: Path) -> None:
    for kind in ("articles", "duplicates", "rejects"):
        joined = b"".join(p.read_bytes() for p in sorted(sharded.glob(f"{kind}-*.jsonl")))
        assert joined == (reference / f"{kind}.jsonl").read_bytes(), kind


# A kill in pass 1 (a shard's state saved, its marker not yet), between the passes, and in pass
# 2 (after the cluster step, with shards committed): a few points, as the suite's time is short.
@pytest.mark.parametrize("moment", ["pass1-2-state", "between-passes", "pass2-3"])
def test_sigkill_in_each_pass_then_resume_equals_an_uninterrupted_run(
    corpus: Path, sharded: Path, tmp_path: Path, moment: str
) -> None:
    out, fired = tmp_path / "out", tmp_path / "fired"
    env = {**os.environ, FAULT_ENV: f"{moment}:SIGKILL:{fired}"}
    args = cli(str(corpus), "-o", str(out), *SHARDED)
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert fired.exists(), "the fault was never injected"
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run_to_end(str(corpus), "-o", str(out), *SHARDED, "--resume")
    assert tree(out) == tree(sharded)
