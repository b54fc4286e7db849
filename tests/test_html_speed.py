"""The HTML path's speed tricks give what the plain versions give: the parser's element
classes chosen in C, the page-type features gathered by filtered walks, the visible lines and
the page-type text rendered on one walk, and the control characters removed in two passes."""

from __future__ import annotations

import itertools
import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.html import dates
from cleaner.html.charset import decode_page, without_controls
from cleaner.html.dates import render_text, shown_text, visible_lines
from cleaner.html.dom import MAX_DEPTH, _parse, parse_tree
from cleaner.html.extract import read_page
from cleaner.html.pagetype import (
    _ATTR_WORDS,
    _LD_TYPE,
    _LD_TYPES,
    _OG_TYPES,
    _PRICE,
    _TAGS,
    _TEXT_SAMPLE,
    _TEXT_WORDS,
    _WORD,
    classify,
    features,
)
from tests.conftest import corpora_missing

SAMPLES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "page_types.yaml").read_text("utf-8")
)

# Every element class lxml.html has, and what the features read twice or in odd places: two
# og:type tags (the last wins), a script with a class, words in both class and id, upper case.
ODD_PAGE = """<html><head><meta property="og:type" content="website">
<meta property="OG:TYPE" content=" Product "><title>T</title>
<script class="post comment" type="application/ld+json">{"@type": ["Product", "Offer"]}</script>
</head><body class="Post-Body"><form id="search"><label for="q">Find</label>
<input id="q" name="q"><select><option>a</option></select><textarea>x</textarea></form>
<div class="card item" id="item-card"><a href="/1">One</a></div><div class="card item">
<a href="/2">  Two  </a></div><div class="card item"><a>Three</a></div><div class="card item">x</div>
<div class="card item">y</div><ul><li class="r">a</li><li class="r">b</li><li>c</li></ul>
<table><tr class="row"><td>1</td></tr><tr class="row"><td>$5.00</td></tr></table>
<noscript><p>Add to cart</p></noscript><script>var a = "<p>";</script>tail text
<p id="  ">In stock. Read more</p><svg class="icon"><path class="p"/></svg></body></html>"""

PAGES = [s["html"] for s in SAMPLES] + [ODD_PAGE, "<p>only a fragment</p>", "<html></html>"]


def _standard_tree(html: str) -> lxml.html.HtmlElement:
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    return lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)


def test_elements_get_lxml_html_classes() -> None:
    seen: set[str] = set()
    for html in PAGES:
        ours, theirs = parse_tree(html), _standard_tree(html)
        assert ours is not None
        pairs = list(zip(ours.iter(), theirs.iter(), strict=True))
        assert [type(a) for a, _ in pairs] == [type(b) for _, b in pairs]
        seen.update(type(a).__name__ for a, _ in pairs)
    assert {"FormElement", "InputElement", "SelectElement", "TextareaElement"} <= seen
    assert {"LabelElement", "HtmlElement"} <= seen


def _plain_dom_features(tree: lxml.html.HtmlElement) -> dict[str, float]:
    """The page-type DOM counts in one Python step per element, as they were first written."""
    tags: Counter[str] = Counter()
    attr_words: Counter[str] = Counter()
    siblings: Counter[tuple[Any, str]] = Counter()
    ld_types: set[str] = set()
    og_type = ""
    link_chars = 0
    for el in tree.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        tags[tag] += 1
        if tag == "script":
            if (el.get("type") or "").lower() == "application/ld+json" and el.text:
                ld_types.update(t.lower() for t in _LD_TYPE.findall(el.text))
            continue
        if tag == "meta" and (el.get("property") or "").lower() == "og:type":
            og_type = (el.get("content") or "").strip().lower()
        cls, ident = el.get("class"), el.get("id")
        names = f"{cls or ''} {ident or ''}".lower()
        if names.strip():
            attr_words.update(set(_WORD.findall(names)))
        parent = el.getparent()
        if parent is not None and tag in ("div", "li", "article", "section", "tr"):
            siblings[(parent, f"{tag}.{cls or ''}")] += 1
        if tag == "a" and el.text:
            link_chars += len(el.text.strip())
    f: dict[str, float] = {f"tag:{t}": math.log1p(tags[t]) for t in _TAGS}
    f |= {f"attr:{w}": math.log1p(attr_words[w]) for w in _ATTR_WORDS}
    f |= {f"ld:{t}": 1.0 for t in _LD_TYPES if t in ld_types}
    f |= {f"og:{og_type}": 1.0} if og_type in _OG_TYPES else {}
    f["repeat:max"] = math.log1p(max(siblings.values(), default=0))
    f["repeat:blocks5"] = math.log1p(sum(1 for n in siblings.values() if n >= 5))
    text = _plain_shown(tree)
    words = len(text.split())
    f["text:words"] = math.log1p(words)
    f["text:link_share"] = link_chars / max(len(text), 1)
    f["text:words_per_p"] = math.log1p(words / max(tags["p"], 1))
    f["text:prices"] = math.log1p(len(_PRICE.findall(text[:_TEXT_SAMPLE])))
    sample = text[:_TEXT_SAMPLE].lower()
    f |= {f"word:{w.strip()}": 1.0 for w in _TEXT_WORDS if w in sample}
    return f


def _plain_shown(tree: lxml.html.HtmlElement) -> str:
    """The page-type text as the model's features were first written (its own walk)."""
    body = tree.find("body")
    if body is None:
        return ""
    parts: list[str] = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template"):
            if el.tail:
                parts.append(el.tail)
            continue
        if el.text:
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
    return " ".join(" ".join(parts).split())


def _plain_lines(root: lxml.html.HtmlElement) -> list[str]:
    """The visible lines as the dates first rendered them, on their own walk."""
    body = root.find("body")
    if body is None:
        body = root
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        if parts:
            line = " ".join("".join(parts).split())
            parts.clear()
            if line:
                lines.append(line)

    walker = lxml.etree.iterwalk(body, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if len(lines) >= dates._MAX_LINES:
            break
        if event == "start":
            tag = el.tag.lower() if isinstance(el.tag, str) else None
            if tag in dates._SKIP or (el.get("id") or "").startswith("wm-"):
                if tag == "script" and el.text and "document.write" in el.text:
                    flush()
                    lines.extend(dates._written(el.text))
                walker.skip_subtree()
                continue
            if tag in dates._BLOCKS:
                flush()
            if el.text:
                parts.append(el.text)
            continue
        if event == "end" and isinstance(el.tag, str) and el.tag.lower() in dates._BLOCKS:
            flush()
        if el.tail and el is not body:
            parts.append(el.tail)
    flush()
    return lines


def test_page_type_features_match_the_plain_walk() -> None:
    for html in PAGES:
        tree = parse_tree(html)
        assert tree is not None
        plain = _plain_dom_features(tree)
        fast = features(tree, None)
        assert {k: v for k, v in fast.items() if not k.startswith("url:")} == plain, html[:80]
    odd = features(parse_tree(ODD_PAGE), None)
    assert odd["og:product"] == 1.0
    assert odd["repeat:max"] == math.log1p(5)
    assert odd["attr:post"] == math.log1p(1)  # the body's class, not the script's


# Comments kept (the rules tree keeps them), a script that writes its date line, text inside
# what the lines skip (noscript, svg, select) and after it, an archive toolbar, no <body>.
ODD_TEXT_PAGES = [
    ODD_PAGE,
    """<html><body><div id="wm-ipp">Toolbar 1 Jan 2001</div><!-- a --> tail of comment
    <h1>Head<span>line</span></h1><script>document.write('Posted 3 May 2004');</script>after
    <noscript>no <b>script</b> here</noscript> and <svg><text>svg text</text></svg> more
    <select><option>One</option></select><template><p>inner</p></template>tail</body></html>""",
    "<html><head><title>No body</title></head></html>",
    "<p>only a fragment</p>",
]


def _check_rendering(tree: lxml.html.HtmlElement, url: str | None, shown: str | None) -> None:
    """One page: the shared walk gives each reader what its own walk gave."""
    rendered = render_text(tree)
    assert rendered.lines == _plain_lines(tree) == visible_lines(tree)
    plain = _plain_shown(tree)
    assert shown_text(tree) == plain
    assert rendered.shown == shown
    assert rendered.shown in (None, plain)
    if len(rendered.lines) < dates._MAX_LINES:
        assert rendered.shown is not None
    plain_features = features(tree, url, plain)
    assert features(tree, url, rendered.shown) == plain_features == features(tree, url)
    assert classify(features(tree, url, rendered.shown)) == classify(plain_features)


def test_one_walk_renders_what_each_reader_rendered_on_odd_pages() -> None:
    for html in ODD_TEXT_PAGES:
        page = read_page(html, None)
        assert page.tree is not None
        _check_rendering(page.tree, None, page.shown)
    kept = _parse(ODD_TEXT_PAGES[1], True, MAX_DEPTH)[0]  # the comment is in this tree
    assert kept is not None
    assert any(not isinstance(el.tag, str) for el in kept.iter())
    _check_rendering(kept, None, render_text(kept).shown)
    lines = render_text(kept).lines
    assert "Posted 3 May 2004" in lines
    assert not any("Toolbar" in line for line in lines)


def test_one_walk_renders_what_each_reader_rendered_on_real_pages() -> None:
    for corpus in ("ctf", "aeb", "wcxb-dev", "wcxb-dev-other"):
        missing = corpora_missing(corpus)
        if missing is not None:
            pytest.skip(missing)
    from bench.html_speed import pages

    every = int(os.environ.get("CLEANER_HTML_SPEED_EVERY", "60"))
    checked: set[str] = set()
    for p in itertools.islice(pages(every), 200):
        page = read_page(decode_page(p.data).text or "", p.url)
        if page.tree is not None:
            _check_rendering(page.tree, p.url, page.shown)
            checked.add(p.group)
    assert checked == {"wcxb articles", "wcxb other types", "aeb", "ctf"}


_CONTROLS_ONE_PASS = re.compile(
    r"[\x01-\x08\x0b\x0e-\x1f\x7f]"
    r"|&#0*(?:[0-8]|11|1[4-9]|2[0-9]|3[01]|127)(?![0-9]);?"
    r"|&#[xX]0*(?:[0-8]|[bB]|[eEfF]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]);?"
)
_PIECES = ["&#", "&#x", "&#X", "0", "1", "7f", "B", "e", "127", ";", "\x01", "\x1f", "\x7f", "a"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=12).map("".join))
def test_controls_two_passes_match_one_alternation(text: str) -> None:
    assert without_controls(text) == _CONTROLS_ONE_PASS.subn("", text)


def test_trafilaturas_memos_are_emptied_after_a_big_page_only() -> None:
    from trafilatura import utils

    from cleaner.html.extract import _BIG_PAGE, html_to_text, read_page

    para = "<p>The council met on Tuesday to agree the budget for the coming year.</p>\n"
    small = f"<html><body><article>{para * 20}</article></body></html>"
    big = f"<html><body><article>{para * (_BIG_PAGE // len(para) + 1)}</article></body></html>"
    assert html_to_text(read_page(small), []).text
    assert utils.trim.cache_info().currsize > 0
    assert html_to_text(read_page(big), []).text
    assert utils.trim.cache_info().currsize == 0
    assert utils.line_processing.cache_info().currsize == 0
