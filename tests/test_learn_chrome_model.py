"""Learned chrome in place of the generic line model (``learn_model_rules``): a site that
learned enough is cleaned without the model, so the short content lines the model loses
(headlines, datelines) come back; -j 2 = -j 1, Ray, a kill then --resume, a small site
unchanged, and the learned pack saying ``disable_generic``."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from cleaner.batch import Tally, clean_batch
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle
from cleaner.stages.learn import LearnChrome
from cleaner.stages.learnalt import ALT, split_line
from tests.conftest import RULES, sorted_lines
from tests.learn_helpers import articles, run_cli, write_corpus
from tests.test_kill_resume import run_to_end, tree
from tests.test_learn_chrome import kill_args, kill_then_resume

NOUNS = ["council", "budget", "river", "bridge", "school", "market", "harbour", "museum",
         "festival", "hospital", "library", "village", "station", "garden"]  # fmt: skip
MENU = ["Skip to main content", "Home", "World", "Politics", "Business", "Sport", "Weather",
        "Sign in"]  # fmt: skip
FOOTER = ["Contact Us", "Privacy Policy", "Terms of Use"]
TOOLS = ["E-mail this to a friend", "Printable version", "Share this page", "By Ann Reporter"]


def _sentence(rng: random.Random) -> str:
    a, b, c = rng.sample(NOUNS, 3)
    return (
        f"The {a} said on Tuesday that the {b} would not be ready before the {c} was "
        "repaired, and that the work had been delayed for months."
    )


def headline(i: int) -> str:
    """A short title-case line of one page only: above a block of tools, the line model
    takes it for chrome."""
    return f"{NOUNS[i % len(NOUNS)].capitalize()} Votes {NOUNS[(i * 5 + 3) % len(NOUNS)]}"


def page(i: int, rng: random.Random, site: str = "zorblat.example") -> dict[str, Any]:
    body = [" ".join(_sentence(rng) for _ in range(3)) for _ in range(3)]
    lines = [*MENU, headline(i), *TOOLS, *body, *FOOTER]
    return {"id": f"{site}-{i}", "url": f"https://www.{site}/{i}", "text": "\n".join(lines)}


CONFIG = "corpus:\n  learn_min_docs: 10\n  learn_share: 20\n  learn_model_rules: 1\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    rng = random.Random(3)
    lines = [json.dumps(page(i, rng)) for i in range(30)]
    lines += [json.dumps(page(i, rng, "small.example")) for i in range(5)]
    return write_corpus(tmp_path_factory.mktemp("learn-model"), lines, CONFIG)


def test_the_model_loses_the_headlines_here(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    """The premise: without learning, the line model takes the headlines."""
    src, rules = corpus
    assert run_cli(src, tmp_path / "plain", rules) == 0
    for r in articles(tmp_path / "plain"):
        assert any(e["pack"] == "boilerplate" for e in r["rules"])
        assert headline(int(r["id"].rsplit("-", 1)[1])) not in r["text"].split("\n")


def test_a_site_that_learned_is_cleaned_without_the_model(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    src, rules = corpus
    plain, one, two = tmp_path / "plain", tmp_path / "j1", tmp_path / "j2"
    assert run_cli(src, plain, rules) == 0
    assert run_cli(src, one, rules, "--learn-chrome") == 0
    assert run_cli(src, two, rules, "--learn-chrome", "-j", "2", "--shard-size", "7") == 0
    two_lines = b"".join(p.read_bytes() for p in sorted(two.glob("articles-*.jsonl")))
    assert two_lines == (one / "articles.jsonl").read_bytes()
    assert tree(one / "learned-rules") == tree(two / "learned-rules")
    before = {r["id"]: r for r in articles(plain)}
    plain_lines = dict(
        zip(before, (plain / "articles.jsonl").read_bytes().splitlines(keepends=True), strict=True)
    )
    one_lines = (one / "articles.jsonl").read_bytes().splitlines(keepends=True)
    for r, line in zip(articles(one), one_lines, strict=True):
        kept = r["text"].split("\n")
        if r["site"] == "zorblat.example":
            assert headline(int(r["id"].rsplit("-", 1)[1])) in kept  # the model's loss, back
            assert not set(MENU) & set(kept)
            assert not any(e["pack"] == "boilerplate" for e in r["rules"])
            assert any(e["rule"].startswith("learned/zorblat.example/") for e in r["rules"])
            assert r["steps"][-1]["step"] == "learn_chrome"
        else:  # five documents: nothing learned, the same bytes as without learning
            assert line == plain_lines[r["id"]]
    summary = json.loads((one / "summary.json").read_text("utf-8"))
    assert summary["reconciled"]
    assert summary["chars_out"] == sum(r["n_chars"] for r in articles(one))
    assert summary["rules"]["boilerplate-lines"]["documents"] == 5  # the small site's only
    pack = (one / "learned-rules" / "zorblat.example.yaml").read_text("utf-8")
    assert "disable_generic: ['boilerplate']" in pack
    # Copied into the rules as a site pack, the learned pack gives the same texts.
    copied = tmp_path / "copied"
    assert run_cli(src, copied, rules, "--rules", str(one / "learned-rules")) == 0
    assert [r["text"] for r in articles(copied)] == [r["text"] for r in articles(one)]


def test_with_learn_model_rules_0_the_model_stays(
    corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    src, _ = corpus
    off = tmp_path / "rules0"
    off.mkdir()
    (off / "config.yaml").write_text(CONFIG.replace("rules: 1", "rules: 0"), "utf-8")
    assert run_cli(src, tmp_path / "out", off, "--learn-chrome") == 0
    for r in articles(tmp_path / "out"):
        assert any(e["pack"] == "boilerplate" for e in r["rules"])
        assert headline(int(r["id"].rsplit("-", 1)[1])) not in r["text"].split("\n")
    pack = (tmp_path / "out" / "learned-rules" / "zorblat.example.yaml").read_text("utf-8")
    assert "disable_generic" not in pack


def test_pass_one_keeps_the_clean_without_the_model_beside_the_record() -> None:
    cleaner = Cleaner.from_paths([RULES])
    stage = LearnChrome(10, 20, 100, model_rules=1)
    stage.bind(cleaner)
    rng = random.Random(5)
    items = [RawArticle(p["id"], "in", p["text"], url=p["url"]) for p in
             (page(i, rng) for i in range(3))]  # fmt: skip
    result = clean_batch(cleaner, items, stage)
    lines = result.records.splitlines(keepends=True)
    assert len(lines) == 3
    for line in lines:
        own, record = split_line(line)
        assert own.endswith(b"}\n")
        assert b"\t" not in own
        assert headline(int(record["id"].rsplit("-", 1)[1])) in record[ALT]["text"]
        assert not any(e["pack"] == "boilerplate" for e in record[ALT]["rules"])
    # Without a stage (or with the model kept), the lines are the plain run's.
    plain = clean_batch(cleaner, items)
    assert b"\t" not in plain.records
    kept = LearnChrome(10, 20, 100, model_rules=0)
    kept.bind(cleaner)
    assert clean_batch(cleaner, items, kept).records == plain.records


def test_the_tally_swaps_the_first_clean_s_rules_for_the_second_s() -> None:
    tally = Tally()
    tally.rule_docs.update({"boilerplate-lines": 1, "legal-line": 1})
    tally.rule_chars.update({"boilerplate-lines": 40, "legal-line": 9})
    before = {"n_chars": 100, "title": None, "author": None, "date_published": None,
              "date_updated": None, "rules": [
                  {"rule": "boilerplate-lines", "removed_chars": 40},
                  {"rule": "legal-line", "removed_chars": 9}]}  # fmt: skip
    after = {**before, "n_chars": 90, "title": "T", "rules": [
        {"rule": "legal-line", "removed_chars": 9},
        {"rule": "learned/x/a", "removed_chars": 50}]}  # fmt: skip
    tally.changed(before, after)
    assert tally.chars_out == -10
    assert dict(tally.rule_docs) == {"legal-line": 1, "learned/x/a": 1}
    assert dict(tally.rule_chars) == {"legal-line": 9, "learned/x/a": 50}
    assert tally.fields["title"] == 1


@pytest.fixture(scope="module")
def reference(corpus: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    src, rules = corpus
    ref = tmp_path_factory.mktemp("learn-model-ref") / "ref"
    run_to_end(str(src), "-o", str(ref), *kill_args(rules))
    return ref


@pytest.mark.parametrize("moment", ["pass1-1-state", "pass2-1"])
def test_sigkill_then_resume_gives_the_same_output(
    corpus: tuple[Path, Path], reference: Path, tmp_path: Path, moment: str
) -> None:
    src, rules = corpus
    kill_then_resume(src, kill_args(rules), moment, tmp_path, reference)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray's own, as in test_ray.py
def test_ray_gives_what_the_local_engine_gives(
    corpus: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_ray: None
) -> None:
    monkeypatch.setattr("cleaner.ray_engine.READ_BLOCK_BYTES", 8 << 10)
    src, rules = corpus
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    assert run_cli(src, local, rules, "--learn-chrome", "-j", "2") == 0
    assert run_cli(src, ray_out, rules, "--learn-chrome", "-j", "2", "--engine", "ray") == 0
    for kind in ("articles", "rejects"):
        shards = sorted(ray_out.glob(f"{kind}-*.jsonl"))
        assert sorted_lines(shards) == sorted_lines([local / f"{kind}.jsonl"]), kind
    assert tree(ray_out / "learned-rules") == tree(local / "learned-rules")
    summary = json.loads((ray_out / "summary.json").read_text("utf-8"))
    expected = json.loads((local / "summary.json").read_text("utf-8"))
    assert {k: v for k, v in summary.items() if k != "shards"} == expected


@pytest.mark.parametrize("mode", ["exact", "near"])
def test_with_dedup_the_copies_go_and_the_rest_are_cleaned_without_the_model(
    corpus: tuple[Path, Path], tmp_path: Path, mode: str
) -> None:
    src, rules = corpus
    doubled = tmp_path / "doubled.jsonl"
    text = src.read_text("utf-8")
    doubled.write_text(text + text.replace('"id": "zorblat.example-', '"id": "copy-'), "utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli(doubled, one, rules, "--learn-chrome", "--dedup", mode) == 0
    assert run_cli(doubled, two, rules, "--learn-chrome", "--dedup", mode, "-j", "2") == 0
    assert (two / "articles.jsonl").read_bytes() == (one / "articles.jsonl").read_bytes()
    summary = json.loads((one / "summary.json").read_text("utf-8"))
    assert summary["reconciled"]
    assert summary["duplicates_written"] == 35
    for r in articles(one):
        if r["site"] == "zorblat.example":
            assert headline(int(r["id"].rsplit("-", 1)[1])) in r["text"].split("\n")
    for line in (one / "duplicates.jsonl").read_bytes().splitlines():
        assert b"\t" not in line
        assert b'"_alt"' not in line
