"""The HTML path's speed tricks give what the plain versions give: the parser's element
classes chosen in C, the page-type features gathered by filtered walks, and the control
characters removed in two passes."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import lxml.html
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.html.charset import without_controls
from cleaner.html.dom import parse_tree
from cleaner.html.pagetype import (
    _ATTR_WORDS,
    _LD_TYPE,
    _LD_TYPES,
    _OG_TYPES,
    _TAGS,
    _WORD,
    _visible_text,
    features,
)

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
    text = _visible_text(tree)
    words = len(text.split())
    f["text:link_share"] = link_chars / max(len(text), 1)
    f["text:words_per_p"] = math.log1p(words / max(tags["p"], 1))
    return f


def test_page_type_features_match_the_plain_walk() -> None:
    for html in PAGES:
        tree = parse_tree(html)
        assert tree is not None
        plain = _plain_dom_features(tree)
        fast = features(tree, None)
        assert {k: fast.get(k, 0.0) for k in plain} == plain, html[:80]
    odd = features(parse_tree(ODD_PAGE), None)
    assert odd["og:product"] == 1.0
    assert odd["repeat:max"] == math.log1p(5)
    assert odd["attr:post"] == math.log1p(1)  # the body's class, not the script's


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
