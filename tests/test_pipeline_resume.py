"""The pipeline kept part way and resumed (``Cleaner.clean(keep=...)``, ``Cleaner.resume``):
resuming gives the record a whole clean gives, from any step, a fixpoint's own ones too; with
the line model switched off (learned chrome's second clean), the record a whole clean without
it gives; and a second clean that fails is counted in the summary, its first record kept."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle
from cleaner.stages import learn
from cleaner.stages.learnalt import RESUME, _view_start, _without, resume_step
from cleaner.steps.base import names
from tests.conftest import ROOT
from tests.learn_helpers import articles, run_cli
from tests.test_learn_chrome_model import corpus, page

__all__ = ["corpus"]  # the fixture, shared

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))[:12]
PAGE = """<html><head><title>Harbour bridge opens</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Harbour bridge opens</h1><p>By Ann Reporter</p>
<p>{0}</p><p>{0}</p><p>Share this page</p><p>{0}</p></article>
<footer>Contact Us | Privacy Policy | Terms of Use</footer></body></html>"""


def _seeds() -> list[RawArticle]:
    return [RawArticle(p.name, "seeds", p.read_bytes(), url=None) for p in SEEDS]


def _model_pages() -> list[RawArticle]:
    rng = random.Random(5)
    out = []
    for i in range(6):
        p = page(i, rng)
        out.append(RawArticle(p["id"], "t", p["text"], url=p["url"]))
    sentence = "The council said the harbour bridge would open on Monday after years of work. "
    for i, url in enumerate(["https://www.zorblat.example/p", None]):
        out.append(RawArticle(f"page-{i}", "t", PAGE.format(sentence * 4), url=url, html=True))
    return out


def test_resuming_from_any_step_gives_the_whole_clean(cleaner: Cleaner) -> None:
    steps = names(cleaner.steps)
    assert RESUME in steps
    assert "fixpoint" in steps
    assert "decode" in steps
    compared = 0
    for raw in _seeds() + _model_pages():
        whole = cleaner.clean(raw).result
        for step in steps:
            outcome = cleaner.clean(raw, keep=step)
            assert outcome.result == whole  # keeping changes nothing
            if outcome.kept is None:  # rejected before that step
                continue
            assert outcome.kept.stands is not None
            assert outcome.kept.stands.step == step
            assert cleaner.resume(outcome.kept).result == whole, (raw.id, step)
            compared += 1
    assert compared > 10 * len(steps)


def test_resumed_without_the_line_model_it_is_the_clean_without_it(cleaner: Cleaner) -> None:
    off = ("boilerplate",)
    assert resume_step(cleaner, off) == RESUME
    view = _without(cleaner, off)
    resumed = 0
    for raw in _seeds() + _model_pages():
        kept = cleaner.clean(raw, keep=RESUME).kept
        if kept is None:
            continue
        start = _view_start(view, kept)
        if start is None:  # a page without a URL: its packs were chosen on its source
            assert raw.html
            assert raw.url is None
            continue
        assert view.resume(start).result == view.clean(raw).result, raw.id
        resumed += 1
    assert resumed >= len(SEEDS) + 6


def test_a_step_that_is_not_there_is_named(cleaner: Cleaner) -> None:
    raw = RawArticle("a", "t", "Some text of an article.")
    with pytest.raises(ValueError, match=r"no step 'chrom' to keep .*\(valid: decode, html"):
        cleaner.clean(raw, keep="chrom")
    kept = cleaner.clean(raw, keep="decode").kept
    assert kept is not None
    assert cleaner.clean(raw).kept is None
    with pytest.raises(ValueError, match="was not kept"):
        cleaner.resume(kept.but(stands=None))


def test_a_failed_second_clean_is_counted_and_the_first_record_stays(
    corpus: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, rules = corpus
    assert run_cli(src, tmp_path / "ok", rules, "--learn-chrome") == 0
    ok = json.loads((tmp_path / "ok" / "summary.json").read_text("utf-8"))
    assert "second_clean_failed" not in ok  # none failed: the summary it always was

    def broken(*args: Any) -> None:
        raise RuntimeError("a bug in the second clean")

    monkeypatch.setattr(learn, "clean_without", broken)
    assert run_cli(src, tmp_path / "failed", rules, "--learn-chrome") == 0
    summary = json.loads((tmp_path / "failed" / "summary.json").read_text("utf-8"))
    written = articles(tmp_path / "failed")
    assert summary["reconciled"]
    assert summary["records_written"] == len(written) == 35
    assert summary["second_clean_failed"] == 35  # every record's second clean
    # Nothing lost: each record is its first clean's, with the line model.
    assert all(any(e["pack"] == "boilerplate" for e in r["rules"]) for r in written)
