"""Page types: the shipped classifier, the extraction profiles, and ``page_type`` on records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cleaner.cli import main
from cleaner.html.dom import parse_tree
from cleaner.html.pagetype import PAGE_TYPES, PageType, _model, classify, features, page_type
from cleaner.html.profiles import PROFILE_BY_TYPE, forum_posts, listing_items, profile_settings
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from tests.conftest import RULES

DATA = Path(__file__).parent / "data" / "page_types.yaml"
SAMPLES: list[dict[str, Any]] = yaml.safe_load(DATA.read_text("utf-8"))

FORUM = """<html><head><title>Best way to store rice? - Cooking Forum</title></head><body>
<nav><a href="/">Forum</a> <a href="/new">New posts</a> <a href="/login">Log in</a></nav>
<h1>Best way to store rice?</h1>
<div class="post" id="p1"><div class="author">ricefan</div>
<div class="message">I bought a 10 kg bag of basmati. How do I keep it fresh for a year?</div></div>
<div class="post" id="p2"><div class="author">chef_lee</div>
<div class="message">Airtight buckets in a cool cupboard. Add a bay leaf against weevils.</div></div>
<div class="post" id="p3"><div class="author">grain_guy</div>
<div class="message">Freeze it for two days first, then store it airtight. Works for flour too.</div></div>
<aside class="sidebar"><h3>Similar threads</h3><a href="/t/9">Storing flour</a></aside>
<footer>Terms · Privacy · Contact</footer></body></html>"""

LISTING = """<html><head><title>Courses - Example College</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav><h1>Professional courses</h1>
<ul class="courses">
<li class="course"><a href="/c/1">Project management</a><p>Plan and run projects on time.</p></li>
<li class="course"><a href="/c/2">Data analysis</a><p>Spreadsheets, SQL and charts for work.</p></li>
<li class="course"><a href="/c/3">Business writing</a><p>Clear reports, emails and proposals.</p></li>
<li class="course"><a href="/c/4">Leadership</a><p>Lead teams through change and growth.</p></li>
</ul><footer><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer></body></html>"""


def test_features_and_class_are_deterministic() -> None:
    for sample in SAMPLES:
        first = features(parse_tree(sample["html"]), sample["url"])
        again = features(parse_tree(sample["html"]), sample["url"])
        assert first == again
        assert classify(first) == classify(again)


def test_shipped_model_is_consistent() -> None:
    model = _model()
    assert tuple(model["classes"]) == PAGE_TYPES
    n = len(model["features"])
    assert len(model["mean"]) == len(model["scale"]) == n
    assert len(model["weights"]) == len(model["bias"]) == len(PAGE_TYPES)
    assert all(len(w) == n for w in model["weights"])
    assert all(s > 0 for s in model["scale"])
    # every feature the model knows is one the extractor can produce (no stale names)
    made: set[str] = set()
    for sample in SAMPLES:
        made |= set(features(parse_tree(sample["html"]), sample["url"]))
    prefixes = {name.split(":")[0] for name in made}
    assert {name.split(":")[0] for name in model["features"]} <= prefixes


def _sample_param(sample: dict[str, Any]) -> Any:
    gap = sample.get("known_gap")
    marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
    return pytest.param(sample, id=sample["name"], marks=marks)


@pytest.mark.parametrize("sample", [_sample_param(s) for s in SAMPLES])
def test_labelled_snippets(sample: dict[str, Any]) -> None:
    found = page_type(parse_tree(sample["html"]), sample["url"])
    assert found.name == sample["type"]
    assert 0 < found.score <= 1


def test_every_type_has_samples_and_a_profile() -> None:
    assert {s["type"] for s in SAMPLES} == set(PAGE_TYPES)
    assert set(PROFILE_BY_TYPE) == set(PAGE_TYPES)
    for kind in PAGE_TYPES:
        profile_settings(PageType(kind, 1.0))  # every profile names settings that exist


def test_forum_profile_takes_every_post() -> None:
    tree = parse_tree(FORUM)
    assert tree is not None
    text = forum_posts(tree)
    assert text is not None
    for words in ("10 kg bag of basmati", "bay leaf against weevils", "Freeze it for two days"):
        assert words in text
    assert "Similar threads" not in text
    assert "Privacy" not in text


def test_listing_profile_takes_item_titles_and_blurbs() -> None:
    tree = parse_tree(LISTING)
    assert tree is not None
    text = listing_items(tree)
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == "Professional courses"
    for title in ("Project management", "Data analysis", "Business writing", "Leadership"):
        assert title in lines
    assert "Clear reports, emails and proposals." in lines
    assert "Privacy" not in text
    assert "About" not in text


def _cleaner(mode: str) -> Cleaner:
    return Cleaner.from_paths([RULES], None, (({"html": {"page_types": mode}}, "test"),))


@pytest.mark.parametrize("mode", ["off", "label", "extract", "blocks"])
def test_page_type_on_records(mode: str) -> None:
    raw = RawArticle(
        "f", "f", FORUM.encode(), url="https://forum.example/t/rice-storage", html=True
    )
    record = _cleaner(mode).clean(raw).result
    assert isinstance(record, Record)
    d = record.to_dict()
    if mode == "off":
        assert "page_type" not in d
    else:
        assert d["page_type"] in PAGE_TYPES
        assert list(d).index("page_type") == list(d).index("extractor") + 1


def test_text_input_has_no_page_type() -> None:
    raw = RawArticle("t", "t", "A plain text article about rice storage. " * 5)
    record = _cleaner("extract").clean(raw).result
    assert isinstance(record, Record)
    assert record.page_type is None
    assert "page_type" not in record.to_dict()


def test_cli_gives_html_records_a_page_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "thread.html").write_text(FORUM, "utf-8")
    note = "Store rice in airtight buckets in a cool, dry cupboard, away from the light. " * 4
    (src / "note.txt").write_text(note, "utf-8")
    (tmp_path / "cleaner.yaml").write_text("html:\n  page_types: extract\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(src), "-o", str(out), "--rules", str(RULES)]) == 0
    lines = (out / "articles.jsonl").read_text("utf-8").splitlines()
    records = {r["id"]: r for r in map(json.loads, lines)}
    assert records["thread"]["page_type"] in PAGE_TYPES
    assert "page_type" not in records["note"]


def test_site_pack_body_rule_still_wins(tmp_path: Path) -> None:
    from tests.test_html import PACK, PAGE

    (tmp_path / "demo.test.yaml").write_text(PACK, "utf-8")
    settings = (({"html": {"page_types": "extract"}}, "test"),)
    cleaner = Cleaner.from_paths([RULES, tmp_path], None, settings)
    record = cleaner.clean(RawArticle("p", "p.html", PAGE.encode(), html=True)).result
    assert isinstance(record, Record)
    assert record.extractor == "selector:demo-body"
    assert record.page_type in PAGE_TYPES
