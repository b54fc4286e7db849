"""A big page's pre-pass (cleaner.html.prune): what it blanks no reader of the page uses, so a
real page padded with scripts, styles, comments and data URIs gives the record the page gives
without them; what is still too big is cut, and the record says so."""

from __future__ import annotations

import dataclasses
import itertools
import os
import random
from typing import Any

import pytest

from cleaner.batch import Tally
from cleaner.html import prune as prune_module
from cleaner.html.charset import decode_page
from cleaner.html.prune import BLOB, MAX_PARSE, PRUNE_FROM, prune
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from tests.conftest import ROOT, corpora_missing

_PAD = PRUNE_FROM  # enough padding to take any page over the threshold


def _junk(n: int, seed: int, alphabet: str = "abcdefgh0123();{}=., ") -> str:
    rng = random.Random(seed)
    block = "".join(rng.choice(alphabet) for _ in range(256))
    return (block * (n // 256 + 1))[:n]


def test_a_page_under_the_threshold_is_parsed_as_it_is() -> None:
    html = "<html><body><script>" + "x" * (PRUNE_FROM // 2) + "</script><p>Hi</p></body></html>"
    done = prune(html)
    assert done.html is html
    assert (done.blanked, done.cut) == (0, 0)


_SMALL_FROM = 100_000  # a lower threshold for the scanner's own tests: small pages, same scan


def test_big_blobs_are_blanked_and_small_ones_and_json_ld_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prune_module, "PRUNE_FROM", _SMALL_FROM)
    big = _junk(BLOB + 1, 1)
    small = _junk(BLOB, 2)
    ld = '{"@type": "NewsArticle", "x": "' + _junk(5 * BLOB, 3, "abc") + '"}'
    html = (
        f'<html><head><script type="application/ld+json">{ld}</script>'
        f"<style>{big}</style><script>{small}</script></head><body>"
        f"<!--{big}--><p>Story</p><!-- short --><SCRIPT src=x>{big}</SCRIPT >"
        f'<img src="data:image/png;base64,{"A" * (BLOB + 5)}"><p>End</p>'
        f"{'<b></b>' * (_SMALL_FROM // 7)}</body></html>"
    )
    done = prune(html)
    assert ld in done.html
    assert small in done.html
    assert big not in done.html
    assert "<style></style>" in done.html
    assert "<!----><p>Story</p><!-- short -->" in done.html
    assert "<SCRIPT src=x></SCRIPT >" in done.html
    assert 'src="data:,"' in done.html
    assert done.blanked == len(html) - len(done.html)
    assert done.cut == 0


def test_a_script_inside_a_comment_is_comment_and_unclosed_blobs_run_to_the_end() -> None:
    # a naive script pattern would blank from the commented <script> to the real </script>,
    # taking the story with it
    story = "<p>" + "The story stays. " * 100 + "</p>"
    html = f"<body><!-- <script> -->{story}<script>{_junk(_PAD, 4)}</script><p>After</p>"
    done = prune(html)
    assert story in done.html
    assert done.html.endswith("<script></script><p>After</p>")
    unclosed = prune(f"<body>{story}<script>{_junk(_PAD, 5)}")
    assert unclosed.html == f"<body>{story}<script>"
    comment = prune(f"<body>{story}<!-- {_junk(_PAD, 6)}")
    assert comment.html == f"<body>{story}<!--"


def test_many_unclosed_openers_are_scanned_once() -> None:
    # each opener's closer is searched once and a missing one ends the scan: linear, so a
    # hostile page of openers costs one pass (this would take hours if each rescanned)
    html = "<p>x</p>" + "<script><!--" * (PRUNE_FROM // 6)
    done = prune(html)
    assert done.html == "<p>x</p><script>"


def test_openers_without_an_end_are_passed_over_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prune_module, "PRUNE_FROM", _SMALL_FROM)
    # "<script" with no ">": each would scan to the end of the page if its attributes were
    # unbounded; the page is left as it is
    html = "<p>x</p>" + "<script " * (_SMALL_FROM // 8 + 1)
    assert prune(html).html == html


def test_what_is_left_over_the_bound_is_cut_at_a_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prune_module, "PRUNE_FROM", _SMALL_FROM)
    para = "<p>" + "word " * 50 + "</p>"
    html = "<body>" + para * (MAX_PARSE // len(para) + 100) + "</body>"
    done = prune(html)
    assert len(done.html) <= MAX_PARSE
    assert done.html.endswith("</p>")
    assert done.cut == len(html) - len(done.html)
    assert done.blanked == 0


def test_a_page_of_blobs_and_text_is_blanked_then_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    para = "<p>" + "word " * 400 + "</p>"
    unit = f"<script>{_junk(BLOB + 1, 8)}</script>{para}<!--{_junk(BLOB + 1, 9)}-->"
    html = "<body>" + unit * (3 * MAX_PARSE // 2 // len(para)) + "</body>"
    done = prune(html)
    assert done.cut > 0
    assert done.blanked + done.cut + len(done.html) == len(html)
    monkeypatch.setattr(prune_module, "MAX_PARSE", len(html))
    whole = prune(html)  # blanked all through, not cut
    assert whole.cut == 0
    assert whole.html.startswith(done.html)
    assert len(done.html) <= MAX_PARSE < len(whole.html)


def _record(cleaner: Cleaner, html: str, url: str | None) -> dict[str, Any]:
    result = cleaner.clean(RawArticle("p", "p", html.encode("utf-8"), url=url, html=True)).result
    if not isinstance(result, Record):
        return {"reject": result.reasons[0].code}
    d = result.to_dict()
    d.pop("steps")  # the html step's removed_chars counts the padding
    return d


def _padded(html: str, seed: int) -> str:
    """``html`` with more than ``PRUNE_FROM`` characters of blobs in its head and body."""
    rng = random.Random(seed)
    blobs = [
        f"<script>var state = {_junk(_PAD // 3, seed)};</script>",
        f"<style>.a{{{_junk(_PAD // 3, seed + 1)}}}</style>",
        f"<!-- <div>{_junk(_PAD // 3, seed + 2)}</div> -->",
        f'<meta name="x-thumb" content="data:image/png;base64,{"Q" * (_PAD // 3)}">',
    ]
    rng.shuffle(blobs)
    lower = html.lower()
    head, body = lower.find("</head>"), lower.rfind("</body>")
    if head < 0 or body < 0:
        return ""
    return html[:head] + blobs[0] + blobs[3] + html[head:body] + blobs[1] + blobs[2] + html[body:]


def test_real_pages_padded_with_blobs_give_the_same_records() -> None:
    for corpus in ("ctf", "aeb", "wcxb-dev", "wcxb-dev-other"):
        missing = corpora_missing(corpus)
        if missing is not None:
            pytest.skip(missing)
    from bench.html_speed import pages

    cleaner = Cleaner.from_paths([ROOT / "rules"])
    every = int(os.environ.get("CLEANER_HTML_PRUNE_EVERY", "150"))
    checked: set[str] = set()
    for i, p in enumerate(itertools.islice(pages(every), 40)):
        html = decode_page(p.data).text or ""
        padded = _padded(html, i)
        if not padded:
            continue
        assert len(padded) > PRUNE_FROM
        page = dataclasses.replace(p, data=b"")
        assert _record(cleaner, padded, p.url) == _record(cleaner, html, p.url), page
        checked.add(p.group)
    assert checked == {"wcxb articles", "wcxb other types", "aeb", "ctf"}


def test_a_cut_page_says_so_in_its_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prune_module, "PRUNE_FROM", 1_000)
    monkeypatch.setattr(prune_module, "MAX_PARSE", 2_000)
    rng = random.Random(7)
    words = [
        "council",
        "budget",
        "school",
        "road",
        "river",
        "market",
        "vote",
        "tax",
        "family",
        "street",
        "court",
    ]
    paras = (
        "<p>" + " ".join(rng.choice(words) for _ in range(40)).capitalize() + ".</p>"
        for _ in range(30)
    )
    html = "<html><body><article>" + "".join(paras) + "</article></body></html>"
    cleaner = Cleaner.from_paths([ROOT / "rules"])
    cut = _record(cleaner, html, None)
    assert "cut:page" in cut["repairs"]
    # ... and the run's summary counts it: text lost on purpose is said at the run's level.
    tally = Tally()
    tally.add(cleaner.clean(RawArticle("p", "p", html.encode("utf-8"), html=True)))
    assert tally.summary()["pages_cut"] == 1
    assert 0 < len(cut["text"]) < 2_000
    monkeypatch.setattr(prune_module, "MAX_PARSE", 1_000_000)
    whole = _record(cleaner, html, None)
    assert "cut:page" not in whole["repairs"]
    tally = Tally()
    tally.add(cleaner.clean(RawArticle("p", "p", html.encode("utf-8"), html=True)))
    assert "pages_cut" not in tally.summary()
    assert len(whole["text"]) > 5_000
