"""The block segmenter and the block model's inference (cleaner/html/blocks.py)."""

from __future__ import annotations

import functools
import json
from importlib import resources

import numpy as np
import pytest

from cleaner.html import blocks, extract
from cleaner.html.dom import parse_tree
from cleaner.html.pagetype import PageType
from cleaner.html.profiles import wants_blocks
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Reason, Record
from tests.conftest import RULES

PAGE = """<html><head><title>t</title><script>var x = 1;</script></head><body>
<div class="nav"><a href="/">Home</a> | <a href="/about">About</a></div>
<div id="content"><h1>The title here</h1>
<p>This is the first paragraph, of the story.<br>A second line with <a href="#">a link</a></p>
<ul><li class="item">one item</li><li class="item">two</li></ul>
<pre>code line one
code line two</pre>
<div style="display: none">hidden text</div></div>
<footer>(c) 2020 The Site</footer></body></html>"""


def test_segment_cuts_the_page_into_its_lines_in_document_order() -> None:
    found = blocks.segment(parse_tree(PAGE))
    assert [b.text for b in found] == [
        "Home | About",
        "The title here",
        "This is the first paragraph, of the story.",
        "A second line with a link",
        "one item",
        "two",
        "code line one",
        "code line two",
        "(c) 2020 The Site",
    ]
    by_text = {b.text: b for b in found}
    assert by_text["Home | About"].link_chars == 9  # "Home" and "About", not the bar
    assert by_text["one item"].tag == "li"
    assert "li" in by_text["one item"].context
    assert by_text["one item"].path == by_text["two"].path  # repeated items share a path
    assert "footer" in by_text["(c) 2020 The Site"].context
    content = blocks.ATTR_WORDS.index("content")
    assert content in by_text["The title here"].context_words
    assert content not in by_text["(c) 2020 The Site"].context_words


def test_segment_of_nothing() -> None:
    assert blocks.segment(None) == []
    assert blocks.segment(parse_tree("<html><body></body></html>")) == []


def test_reference_share_counts_trigrams_and_whole_short_blocks() -> None:
    ref = blocks.Reference.of("The quick brown fox jumps over the lazy dog.\nHome")
    assert ref.share(["the", "quick", "brown", "fox"]) == 1.0
    assert ref.share(["the", "quick", "red", "fox"]) == 0.0
    assert ref.share(["home"]) == 1.0
    assert ref.share(["about"]) == 0.0
    assert blocks.Reference.of(None).share(["home"]) == 0.0


def test_features_have_one_column_per_name_and_see_the_extractors() -> None:
    found = blocks.segment(parse_tree(PAGE))
    first = "The title here\nThis is the first paragraph, of the story."
    x = blocks.features(found, first, None, PageType("article", 0.9))
    assert x.shape == (len(found), len(blocks.FEATURES))
    col = {name: i for i, name in enumerate(blocks.FEATURES)}
    assert x[1, col["first"]] == 1.0
    assert x[0, col["first"]] == 0.0
    assert x[0, col["link_share"]] == pytest.approx(9 / 12)
    assert (x[:, col["type:article"]] == 0.9).all()
    assert x[4, col["own:li"]] == 1.0


def _shipped() -> dict[str, object]:
    text = resources.files("cleaner").joinpath("data/blocks.json").read_text(encoding="utf-8")
    model: dict[str, object] = json.loads(text)
    return model


def test_inference_gives_the_training_scripts_probabilities() -> None:
    """The shipped model's check rows: numpy inference equals scikit-learn's probabilities."""
    model = _shipped()
    check = model["check"]
    assert isinstance(check, dict)
    x = np.array(check["x"], dtype=np.float64)
    assert len(x) >= 10
    got = blocks.probabilities(x, model)
    assert np.allclose(got, check["p"], rtol=0, atol=1e-12)


def test_the_model_keeps_the_story_and_drops_the_chrome() -> None:
    found = blocks.segment(parse_tree(PAGE))
    first = "The title here\nThis is the first paragraph, of the story.\nA second line with a link"
    text = blocks.kept_text(found, first, first, PageType("article", 0.95))
    assert text is not None
    assert "first paragraph" in text
    assert "Home | About" not in text


def test_a_model_of_other_features_is_refused() -> None:
    model = dict(_shipped(), features=["log_words"])
    with pytest.raises(ValueError, match="retrain"):
        blocks.probabilities(np.zeros((1, len(blocks.FEATURES))), model)


# html.page_types: blocks. A services page: the offer's lines between a menu and a footer.
SERVICES = """<html><head><title>Garden care - Green Hands</title></head><body>
<nav><a href="/">Home</a> <a href="/services">Services</a> <a href="/contact">Contact</a></nav>
<div id="content"><h1>Garden care for busy people</h1>
<p>We mow, prune and weed your garden every other week from March to October.</p>
<p>Hedges are cut twice a year, in June and in September, and the clippings go with us.</p>
<p>A visit costs 45 euros for a garden of up to 200 square metres; larger gardens get a quote.</p>
<p>Call us on weekdays between eight and five to book the first visit.</p></div>
<footer><a href="/privacy">Privacy</a> <a href="/terms">Terms</a> (c) Green Hands</footer>
</body></html>"""


def _clean(monkeypatch: pytest.MonkeyPatch, kind: PageType, mode: str = "blocks") -> Record:
    """The page through the pipeline with the classifier's answer fixed to ``kind``."""
    monkeypatch.setattr(extract, "page_type", lambda *args: kind)
    raw = RawArticle("s", "s", SERVICES.encode(), url="https://green.example/care", html=True)
    record = _cleaner(mode).clean(raw).result
    assert isinstance(record, Record)
    return record


@functools.cache
def _cleaner(mode: str) -> Cleaner:
    return Cleaner.from_paths([RULES], None, (({"html": {"page_types": mode}}, "test"),))


@pytest.mark.parametrize(
    ("kind", "extractor"),
    [
        (PageType("service", 0.9), "blocks"),
        (PageType("listing", 0.8), "blocks"),
        (PageType("collection", 0.8), "blocks"),
        (PageType("article", 0.5), "blocks"),  # an unsure type: the block model
        (PageType("article", 0.9), "trafilatura"),  # news keeps trafilatura
        (PageType("product", 0.9), "trafilatura"),
    ],
)
def test_blocks_mode_takes_the_types_it_was_chosen_for(
    monkeypatch: pytest.MonkeyPatch, kind: PageType, extractor: str
) -> None:
    record = _clean(monkeypatch, kind)
    assert record.extractor == extractor
    assert record.page_type == kind.name
    assert "every other week" in record.text
    assert "A visit costs 45 euros" in record.text
    assert "Privacy" not in record.text


def test_blocks_mode_keeps_the_other_types_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    kind = PageType("forum", 0.9)
    assert _clean(monkeypatch, kind).extractor == _clean(monkeypatch, kind, "extract").extractor
    assert not wants_blocks(kind)
    assert wants_blocks(PageType("forum", 0.6))
    assert wants_blocks(None)


def test_blocks_mode_reads_a_page_trafilatura_finds_nothing_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even on a page of a type that keeps trafilatura: an article it finds no text in."""
    found_nothing = Reason("no_main_content", "trafilatura found no article text")
    monkeypatch.setattr(extract, "_trafilatura", lambda *args: (None, found_nothing))
    record = _clean(monkeypatch, PageType("article", 0.99))
    assert record.extractor == "blocks"
    assert "A visit costs 45 euros" in record.text
    raw = RawArticle("s", "s", SERVICES.encode(), url="https://green.example/care", html=True)
    rejected = _cleaner("extract").clean(raw).result
    assert not isinstance(rejected, Record)
    assert rejected.reasons[0].code == "no_main_content"
