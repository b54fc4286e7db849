"""Learned chrome (``--learn-chrome``): the stage as units (scan, merge, seal, apply), then end to
end: the learned pack, -j 2 = -j 1, the config key, and a kill in either pass then --resume."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cleaner.cli import main
from cleaner.config import Config
from cleaner.engine.load import load_pack_text
from cleaner.errors import CleanerError, RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.run import RunOptions, run
from cleaner.stages import stage_for
from cleaner.stages.chain import Chain
from cleaner.stages.learn import LearnChrome, LearnState
from cleaner.workers import FAULT_ENV
from tests import learn_helpers
from tests.conftest import ROOT, RULES, sorted_lines
from tests.learn_helpers import write_corpus
from tests.test_kill_resume import cli, run_to_end, tree

WORDS = [
    "council",
    "budget",
    "river",
    "bridge",
    "school",
    "weather",
    "market",
    "bank",
    "train",
    "city",
    "harbour",
    "museum",
    "festival",
    "election",
    "farmer",
    "hospital",
    "library",
    "stadium",
    "garden",
    "factory",
    "village",
    "island",
]
HEADER = ["Zorblat Daily home page", "Zorblat sections: Politics Sport Weather"]
FOOTER = "All Zorblat text owned by the Zorblat company"
INSIDE = "Zorblat picture desk"  # recurs, but between long paragraphs on one page


def paragraph(rng: random.Random, words: int = 24) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def page(i: int, rng: random.Random, site: str = "zorblat.example") -> dict[str, Any]:
    body = [paragraph(rng) for _ in range(4)]
    if i == 3:  # the recurring line sits inside the body here: never learned
        body.insert(2, INSIDE)
    lines = [*HEADER, *([INSIDE] if i % 2 else []), f"Story {i} of the day", *body, FOOTER]
    return {"id": f"{site}-{i}", "url": f"https://www.{site}/{i}", "text": "\n\n".join(lines)}


def records(n: int, site: str = "zorblat.example", seed: int = 1) -> list[dict[str, Any]]:
    """Records as pass 1 writes them (the fields apply reads)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        raw = page(i, rng, site)
        out.append({**raw, "site": site, "n_chars": 0, "rules": [], "steps": []})
    return out


STAGE = LearnChrome(min_docs=10, share=20, sample=1000)


def learned(stage: LearnChrome, recs: list[dict[str, Any]]) -> dict[str, str]:
    return stage.seal(stage.scan(recs)).packs


def lines_after(stage: LearnChrome, recs: list[dict[str, Any]]) -> list[list[str]]:
    state = stage.seal(stage.scan(recs))
    out = []
    for r in recs:
        after = stage.apply(r, state)
        assert isinstance(after, dict)
        out.append([x for x in after["text"].split("\n") if x])
    return out


# -- units -------------------------------------------------------------------------------------


def test_recurring_chrome_goes_and_article_text_stays() -> None:
    recs = records(20)
    for r, kept in zip(recs, lines_after(STAGE, recs), strict=True):
        assert not {*HEADER, FOOTER} & set(kept)
        body = [x for x in r["text"].split("\n") if len(x.split()) > 10 or x.startswith("Story")]
        assert [x for x in kept if x in body] == body  # every paragraph and headline, in order


def test_a_line_inside_a_body_run_anywhere_is_never_removed() -> None:
    recs = records(20)
    packs = learned(STAGE, recs)
    held_back = [x for x in packs["zorblat.example"].splitlines() if INSIDE in x]
    assert held_back, "the miner proposes the line (it recurs on half the pages)"
    assert all(x.lstrip().startswith("#") for x in held_back)  # but it is not live
    for r, kept in zip(recs, lines_after(STAGE, recs), strict=True):
        assert (INSIDE in kept) == (INSIDE in r["text"])


def test_a_site_with_too_few_documents_learns_nothing() -> None:
    assert learned(STAGE, records(9)) == {}
    assert learned(LearnChrome(min_docs=9, share=20, sample=1000), records(9)) != {}


def test_what_is_learned_depends_on_no_grouping_or_order() -> None:
    recs = records(30) + records(15, "other.example", seed=2)
    small = LearnChrome(min_docs=10, share=20, sample=12)  # the sample is smaller than a site
    whole = learned(small, recs)
    assert set(whole) == {"zorblat.example", "other.example"}
    rng = random.Random(4)
    for _ in range(3):
        shuffled = recs[:]
        rng.shuffle(shuffled)
        cuts = sorted(rng.sample(range(1, len(recs)), 4))
        parts = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(recs)], strict=True)]
        states = [small.scan(p) for p in parts]
        rng.shuffle(states)
        merged = small.empty()
        for s in states:
            merged.merge(small.load(s.to_bytes()))  # through disk, as pass 1 saves them
        assert merged.to_bytes() == small.scan(recs).to_bytes()
        assert small.seal(merged).packs == whole


def test_lines_that_differ_only_in_their_numbers_are_learned_dates_are_not() -> None:
    recs = records(20)
    for i, r in enumerate(recs):
        date = f"Published March {i % 28 + 1}, 2010"
        counter = f"{i * 7 % 50 + 2} Comments | Add a comment"
        lines = r["text"].split("\n\n")
        r["text"] = "\n\n".join([*lines[:3], date, *lines[3:-1], counter, lines[-1]])
    pack = learned(STAGE, recs)["zorblat.example"]
    assert "pattern: '^\\d+ Comments \\| Add a comment$'" in pack
    for r, kept in zip(recs, lines_after(STAGE, recs), strict=True):
        assert not any(line.endswith("Comments | Add a comment") for line in kept)
        assert [x for x in kept if x.startswith("Published March")] == [
            x for x in r["text"].split("\n\n") if x.startswith("Published March")
        ]


def test_a_damaged_state_is_refused() -> None:
    with pytest.raises(CleanerError, match="damaged"):
        LearnState.from_bytes(b"{}", 10)


def test_apply_names_the_rules_and_is_idempotent() -> None:
    recs = records(20)
    state = STAGE.seal(STAGE.scan(recs))
    out = STAGE.apply(recs[1], state)
    assert isinstance(out, dict)
    assert "\n\n\n" not in out["text"]
    assert out["n_chars"] == len(out["text"])
    assert out["rules"]
    assert all(r["rule"].startswith("learned/zorblat.example/zorblat-") for r in out["rules"])
    assert sum(r["removed_chars"] for r in out["rules"]) > 0
    assert out["steps"][-1] == {
        "step": "learn_chrome",
        "removed_chars": len(recs[1]["text"]) - len(out["text"]),
    }
    assert STAGE.apply(out, state) is out  # idempotent
    other = {**recs[0], "site": "elsewhere.example", "url": None}
    assert STAGE.apply(other, state) is other
    only_chrome = {**recs[0], "text": "\n".join([*HEADER, FOOTER])}
    assert STAGE.apply(only_chrome, state) is only_chrome  # nothing would be left


def test_the_written_pack_loads_and_says_what_each_site_learned() -> None:
    files = STAGE.files(STAGE.seal(STAGE.scan(records(20) + records(4, "tiny.example"))))
    assert set(files) == {"zorblat.example.yaml", "README.txt"}
    pack = load_pack_text(files["zorblat.example.yaml"], "zorblat.example.yaml")
    assert pack.rules
    assert pack.domains == ("zorblat.example",)
    assert "tiny.example\t4\t4\t0 (fewer than 10 documents)" in files["README.txt"]


def test_the_config_keys_are_declared_and_off_by_default() -> None:
    corpus = Config.defaults().corpus
    assert corpus["learn_chrome"] is False
    assert stage_for("none", corpus) is None
    assert isinstance(stage_for("none", corpus, learn=True), LearnChrome)
    assert isinstance(stage_for("exact", {**corpus, "learn_chrome": True}), Chain)
    with pytest.raises(RuleErrors, match="learn_share"):
        Config.from_mapping({"corpus": {"learn_share": 0}}, "config.yaml")


# -- end to end --------------------------------------------------------------------------------

CONFIG = "corpus:\n  learn_min_docs: 10\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    rng = random.Random(9)
    lines = [json.dumps(page(i, rng)) for i in range(40)]
    lines += [json.dumps(page(i, rng, "small.example")) for i in range(5)]
    lines.insert(7, "{broken")
    return write_corpus(tmp_path_factory.mktemp("learn"), lines, CONFIG)


def run_cli(src: Path, out: Path, rules: Path, *more: str) -> int:
    return learn_helpers.run_cli(src, out, rules, "--learn-chrome", *more)


def test_learn_chrome_end_to_end(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    src, rules = corpus
    one, two = tmp_path / "j1", tmp_path / "j2"
    assert run_cli(src, one, rules, "-j", "1") == 0
    assert run_cli(src, two, rules, "-j", "2", "--shard-size", "7") == 0
    arts = [json.loads(x) for x in (one / "articles.jsonl").read_text("utf-8").splitlines()]
    assert len(arts) == 45
    summary = json.loads((one / "summary.json").read_text("utf-8"))
    assert summary["reconciled"]
    assert "duplicates_written" not in summary
    assert summary["chars_out"] == sum(r["n_chars"] for r in arts)
    learned_docs = [v["documents"] for k, v in summary["rules"].items() if "learned/" in k]
    assert learned_docs
    assert max(learned_docs) == 40
    assert not (one / "duplicates.jsonl").exists()
    for r in arts:
        kept = set(r["text"].split("\n"))
        if r["site"] == "zorblat.example":
            assert not {*HEADER, FOOTER} & kept
            assert any(e["rule"].startswith("learned/") for e in r["rules"])
        else:  # five documents: nothing learned, nothing removed
            assert FOOTER in kept
            assert not any("learned" in e["rule"] for e in r["rules"])
    # -j 2 with other shards: the same records, the same learned pack.
    two_lines = b"".join(p.read_bytes() for p in sorted(two.glob("articles-*.jsonl")))
    assert two_lines == (one / "articles.jsonl").read_bytes()
    assert tree(one / "learned-rules") == tree(two / "learned-rules")
    pack = (one / "learned-rules" / "zorblat.example.yaml").read_text("utf-8")
    assert main(["check-rules", "--rules", str(one / "learned-rules")]) == 0
    assert main(["test-rules", "--rules", str(one / "learned-rules")]) == 0  # its examples
    assert "small.example\t5\t5\t0 (fewer than 10 documents)" in (
        one / "learned-rules" / "README.txt"
    ).read_text("utf-8")
    assert "All Zorblat text owned by the Zorblat company" in pack
    # The Python API, from the config key.
    api = tmp_path / "api"
    cleaner = Cleaner.from_paths(
        [RULES, rules], settings=[({"corpus": {"learn_chrome": True}}, "x")]
    )
    run(cleaner, [str(src)], str(api), RunOptions())
    assert (api / "articles.jsonl").read_bytes() == (one / "articles.jsonl").read_bytes()


@pytest.mark.parametrize("mode", ["exact", "near"])  # near: both stages spill their state
def test_with_dedup_the_copies_go_and_the_rest_lose_chrome(
    corpus: tuple[Path, Path], tmp_path: Path, mode: str
) -> None:
    src, rules = corpus
    doubled = tmp_path / "doubled.jsonl"
    text = src.read_text("utf-8")
    copy = text.replace('"id": "zorblat.example-', '"id": "copy-')
    doubled.write_text(text + copy, "utf-8")
    out, two = tmp_path / "out", tmp_path / "two"
    assert run_cli(doubled, out, rules, "--dedup", mode) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["duplicates_written"] == 45
    assert summary["reconciled"]
    arts = (out / "articles.jsonl").read_text("utf-8")
    assert FOOTER not in arts.split("small.example")[0]
    assert run_cli(doubled, two, rules, "--dedup", mode, "-j", "2") == 0
    assert (two / "articles.jsonl").read_bytes() == out.joinpath("articles.jsonl").read_bytes()
    assert tree(two / "learned-rules") == tree(out / "learned-rules")


def kill_args(rules: Path) -> list[str]:
    return ["--shard-size", "10", "--rules", str(rules), "--learn-chrome"]


@pytest.fixture(scope="module")
def reference(corpus: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    src, rules = corpus
    ref = tmp_path_factory.mktemp("learn-ref") / "ref"
    run_to_end(str(src), "-o", str(ref), *kill_args(rules))
    return ref


@pytest.mark.parametrize("moment", ["pass1-2-state", "between-passes", "pass2-1"])
def test_sigkill_in_either_pass_then_resume(
    corpus: tuple[Path, Path], reference: Path, tmp_path: Path, moment: str
) -> None:
    src, rules = corpus
    kill_then_resume(src, kill_args(rules), moment, tmp_path, reference)


def kill_then_resume(src: Path, args: list[str], moment: str, tmp_path: Path, ref: Path) -> None:
    """A run with -j 2 killed at ``moment``, then resumed, writes what ``ref`` holds."""
    out, fired = tmp_path / "out", tmp_path / "fired"
    env = {**os.environ, FAULT_ENV: f"{moment}:SIGKILL:{fired}"}
    proc = subprocess.run(
        cli(str(src), "-o", str(out), "-j", "2", *args),
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert fired.exists(), "the fault was never injected"
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run_to_end(str(src), "-o", str(out), "-j", "2", *args, "--resume")
    assert tree(out) == tree(ref)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray's own, as in test_ray.py
def test_ray_learns_what_the_local_engine_learns(
    corpus: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    monkeypatch.setattr("cleaner.ray_engine.READ_BLOCK_BYTES", 8 << 10)
    src, rules = corpus
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    assert run_cli(src, local, rules, "-j", "2") == 0
    assert run_cli(src, ray_out, rules, "-j", "2", "--engine", "ray") == 0

    for kind in ("articles", "rejects"):
        shards = sorted(ray_out.glob(f"{kind}-*.jsonl"))
        assert sorted_lines(shards) == sorted_lines([local / f"{kind}.jsonl"]), kind
    assert not list(ray_out.glob("duplicates-*"))
    assert tree(ray_out / "learned-rules") == tree(local / "learned-rules")
    summary = json.loads((ray_out / "summary.json").read_text("utf-8"))
    expected = json.loads((local / "summary.json").read_text("utf-8"))
    assert {k: v for k, v in summary.items() if k != "shards"} == expected


def test_learn_chrome_refuses_what_it_cannot_do(
    corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    src, rules = corpus
    assert main(["run", str(src), "-o", "-", "--rules", str(rules), "--learn-chrome"]) == 2
    assert "--learn-chrome needs an output folder" in capsys.readouterr().err
