"""``html.fallback``: trafilatura's comparison with readability and justext runs on every page
(``always``, the plain path) or only where its fast text is short (``short``, the default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cleaner.html.extract as extract
from cleaner.html import profiles
from cleaner.html.extract import FALLBACK_FLOOR, FALLBACK_SHARE, needs_fallback
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record

RULES = Path(__file__).resolve().parent.parent / "rules"

STORY = " ".join(
    f"Paragraph {i} of the story tells how the harbour town rebuilt its sea wall after the "
    f"winter storms, and what the engineers learned about tides along the way."
    for i in range(3)
)
ARTICLE = (
    "<html><head><title>Sea wall</title></head><body><nav><a href='/'>Home</a></nav>"
    "<article><h1>The sea wall</h1>"
    + "".join(f"<p>{STORY} ({i})</p>" for i in range(12))
    + "</article><footer>Contact us</footer></body></html>"
)
# A short story among a long list of links: the fast text is a small share of the page.
LINKS = "".join(
    f"<li><a href='/p{i}'>Another story number {i} from the archive</a></li>" for i in range(200)
)
SHORT = (
    "<html><body><div class='post'><p>"
    + STORY
    + "</p></div><aside><ul>"
    + LINKS
    + "</ul></aside></body></html>"
)


def _cleaner(mode: str | None) -> Cleaner:
    section = {} if mode is None else {"fallback": mode}
    return Cleaner.from_paths([RULES], None, (({"html": section}, "test"),))


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each trafilatura run from now on, as whether it ran fast (without the comparison)."""
    calls: list[bool] = []
    real = profiles.run_trafilatura

    def counted(tree: Any, url: Any, settings: Any, fast: bool = False) -> str | None:
        calls.append(fast)
        return real(tree, url, settings, fast=fast)

    monkeypatch.setattr(extract, "run_trafilatura", counted)
    return calls


def _runs(monkeypatch: pytest.MonkeyPatch, mode: str | None, page: str) -> tuple[list[bool], Any]:
    """Which trafilatura runs (fast or not) the page took, and its record."""
    calls = _counted(monkeypatch)
    raw = RawArticle("p", "p.html", page.encode(), url="https://news.example/a", html=True)
    return calls, _cleaner(mode).clean(raw).result


def test_the_rule_at_its_bounds() -> None:
    assert needs_fallback(None, 0)
    assert needs_fallback("x" * (FALLBACK_FLOOR - 1), 0)
    assert not needs_fallback("x" * FALLBACK_FLOOR, 0)
    big = 10_000
    share = int(FALLBACK_SHARE * big)
    assert needs_fallback("x" * (share - 1), big)
    assert not needs_fallback("x" * share, big)


def test_short_is_the_default_and_always_the_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, default = _runs(monkeypatch, None, ARTICLE)
    assert calls == [True]
    calls, short = _runs(monkeypatch, "short", ARTICLE)
    assert calls == [True]
    calls, _ = _runs(monkeypatch, "always", ARTICLE)
    assert calls == [False]  # one run, with the comparison: trafilatura's own default
    assert isinstance(default, Record)
    assert isinstance(short, Record)
    assert default.to_dict() == short.to_dict()


def test_short_skips_the_comparison_on_a_long_text(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, short = _runs(monkeypatch, "short", ARTICLE)
    assert calls == [True]
    _, always = _runs(monkeypatch, "always", ARTICLE)
    assert isinstance(short, Record)
    assert isinstance(always, Record)
    assert "The sea wall" in short.text
    assert STORY[:60] in short.text
    # the comparison changes nothing on this page: the same record either way
    assert short.to_dict() == always.to_dict()


def test_short_compares_when_the_fast_text_is_a_small_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls, short = _runs(monkeypatch, "short", SHORT)
    assert calls == [True, False]  # the fast run, then the run with the comparison
    _, always = _runs(monkeypatch, "always", SHORT)
    assert isinstance(short, Record)
    assert isinstance(always, Record)
    assert short.to_dict() == always.to_dict()


def test_other_trade_offs_always_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counted(monkeypatch)
    section = {"fallback": "short", "favor": "precision"}
    run = Cleaner.from_paths([RULES], None, (({"html": section}, "test"),))
    run.clean(RawArticle("p", "p.html", ARTICLE.encode(), html=True))
    assert calls == [False]


def test_an_unknown_value_names_the_valid_ones() -> None:
    with pytest.raises(Exception, match=r"always.*short"):
        _cleaner("sometimes")


def test_page_type_profiles_always_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counted(monkeypatch)
    section = {"fallback": "short", "page_types": "extract"}
    run = Cleaner.from_paths([RULES], None, (({"html": section}, "test"),))
    run.clean(RawArticle("p", "p.html", ARTICLE.encode(), html=True))
    assert calls
    assert not any(calls)
