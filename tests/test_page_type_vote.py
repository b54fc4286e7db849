"""Page types: the second extractor (resiliparse) and how its lines vote with trafilatura's."""

from __future__ import annotations

import pytest

from cleaner.html.dom import parse_tree
from cleaner.html.pagetype import PAGE_TYPES, PageType
from cleaner.html.profiles import (
    PROFILE_BY_TYPE,
    Profile,
    by_type,
    parse_profile,
)
from cleaner.html.second import both, covered, either, resiliparse_text

SERVICE = """<html><head><title>Garden design - Green Hands</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/contact">Contact</a></nav>
<main><h1>Garden design and planting</h1>
<p>We plan small town gardens from the first sketch to the last plant, with a fixed price
agreed before any work starts and a planting plan you can keep.</p>
<h2>What we do</h2>
<p>Soil tests, drainage, paving and raised beds, all built by our own team of gardeners who
have worked together in the valley for more than fifteen years.</p>
<p>Seasonal care visits keep the borders tidy and the lawn healthy through the whole year.</p>
</main><footer><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer></body></html>"""


def test_covered_is_the_share_of_a_lines_words_the_other_kept() -> None:
    assert covered("soil tests and drainage", {"soil", "tests"}) == 0.5
    assert covered("", set()) == 1.0  # a line without words adds nothing either way


def test_either_adds_only_the_lines_the_first_lacks() -> None:
    first = "Garden design\nWe plan small town gardens."
    second = "We plan small town gardens.\nSeasonal care visits keep the borders tidy."
    assert either(first, second) == first + "\nSeasonal care visits keep the borders tidy."
    # with a word floor, a short line only the second kept is left out
    assert either(first, "Menu\nWe plan small town gardens.", 3) == first
    assert either(None, second) == second
    assert either(first, None) == first


def test_both_keeps_the_lines_both_kept() -> None:
    first = "We plan small town gardens.\nSubscribe to our newsletter"
    assert both(first, "We plan small town gardens, every one.") == "We plan small town gardens."
    assert both(first, None) == first
    # nothing in common: the vote is about different content and the first's text stands
    assert both(first, "Unrelated words entirely") == first


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_every_shipped_profile_parses(kind: str) -> None:
    assert isinstance(parse_profile(PROFILE_BY_TYPE[kind]), Profile)


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("balanced", Profile("balanced")),
        ("posts+balanced", Profile("balanced", "posts", "+")),
        ("resiliparse~balanced", Profile("balanced", "resiliparse", "~")),
        ("items~balanced|resiliparse", Profile("balanced", "items", "~", "|")),
        ("recall^resiliparse", Profile("recall", None, "", "^")),
    ],
)
def test_profile_grammar(name: str, parts: Profile) -> None:
    assert parse_profile(name) == parts


@pytest.mark.parametrize(
    ("name", "wrong"),
    [("fast", "'fast'"), ("widgets+balanced", "'widgets'"), ("balanced|justext", "'justext'")],
)
def test_a_malformed_profile_names_its_wrong_part(name: str, wrong: str) -> None:
    with pytest.raises(ValueError, match=wrong):
        parse_profile(name)


def test_resiliparse_takes_the_main_content() -> None:
    pytest.importorskip("resiliparse")
    text = resiliparse_text(SERVICE)
    assert text is not None
    assert "Seasonal care visits keep the borders tidy" in text
    assert "Privacy" not in text


def test_the_vote_adds_what_trafilatura_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("resiliparse")
    from cleaner.html import profiles

    monkeypatch.setitem(profiles.PROFILE_BY_TYPE, "service", "balanced|resiliparse")
    tree = parse_tree(SERVICE)
    assert tree is not None
    dropped = "We plan small town gardens from the first sketch to the last plant, with a fixed"
    got = by_type(tree, PageType("service", 0.9), dropped, SERVICE)
    assert got is not None
    text, extractor = got
    assert extractor == "trafilatura|resiliparse"
    assert text.startswith(dropped)
    assert "Seasonal care visits keep the borders tidy" in text
    # below the floor the type is not trusted: trafilatura's text stands
    assert by_type(tree, PageType("service", 0.5), dropped, SERVICE) is None
