"""Extraction profiles: how the main content is taken from a page of each type.

A profile is a named recipe: trafilatura with settings, or one of the DOM extractors here for what
trafilatura misses on some page types (every post of a forum thread, the items of a listing).
``PROFILE_BY_TYPE`` maps each page type to the profile that scored best on held-out sites
(``bench/page_types.py --choose`` fits and checks the choice). Pure: no file or network I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html

from cleaner.html.dom import INVISIBLE, parse_tree
from cleaner.html.pagetype import PageType
from cleaner.html.second import either, resiliparse_text


@dataclass(frozen=True)
class TrafilaturaSettings:
    favor: str = "balanced"
    include_tables: bool = True
    include_comments: bool = False


TRAFILATURA_PROFILES: dict[str, TrafilaturaSettings] = {
    "balanced": TrafilaturaSettings(),
    "precision": TrafilaturaSettings(favor="precision"),
    "recall": TrafilaturaSettings(favor="recall"),
    "comments": TrafilaturaSettings(include_comments=True),
    "recall_comments": TrafilaturaSettings(favor="recall", include_comments=True),
}


def run_trafilatura(
    tree: lxml.html.HtmlElement, url: str | None, settings: TrafilaturaSettings, fast: bool = False
) -> str | None:
    """trafilatura's text of the page with the given settings (None when it finds none);
    ``fast`` skips its comparison with readability and justext.
    Raises what trafilatura raises, for the caller to report."""
    import trafilatura

    text = trafilatura.extract(
        tree,
        url=url,
        output_format="txt",
        fast=fast,
        include_comments=settings.include_comments,
        include_tables=settings.include_tables,
        favor_precision=settings.favor == "precision",
        favor_recall=settings.favor == "recall",
        with_metadata=False,
        deduplicate=False,
    )
    return text if text and text.strip() else None


# --------------------------------------------------------------------------- DOM rendering

_BLOCK = frozenset(
    (
        "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "section", "article",
        "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "br", "header", "footer",
        "figure", "figcaption", "form", "td", "th", "main", "aside", "nav",
    )
)  # fmt: skip
_DROP = frozenset((*INVISIBLE, "head", "title", "meta", "link", "select", "button", "input"))
# Chrome inside a post or an item: its text is never the content.
_CHROME = frozenset(("nav", "aside", "form", "footer", "header"))
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")


def render(el: lxml.html.HtmlElement) -> str:
    """The element's text with a line break at each block element and whitespace collapsed."""
    out: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _DROP or not tag:
            return
        block = tag in _BLOCK
        if block:
            out.append("\n")
        if node.text:
            out.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                out.append(child.tail)
        if block:
            out.append("\n")

    walk(el)
    lines = (_WS.sub(" ", line).strip() for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- DOM extractors

_POST_WORDS = frozenset(("post", "message", "comment", "reply", "answer", "postbody", "entry"))
_WORD = re.compile(r"[a-z]+")
_MIN_ITEMS = 3


def _words(el: lxml.html.HtmlElement) -> set[str]:
    return set(_WORD.findall(f"{el.get('class') or ''} {el.get('id') or ''}".lower()))


def _outermost(els: list[lxml.html.HtmlElement]) -> list[lxml.html.HtmlElement]:
    chosen = set(els)
    keep = []
    for el in els:
        parent = el.getparent()
        while parent is not None and parent not in chosen:
            parent = parent.getparent()
        if parent is None:
            keep.append(el)
    return keep


def _body(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    body = tree.find("body")
    return body if body is not None else None


def forum_posts(tree: lxml.html.HtmlElement) -> str | None:
    """Every post of a thread: the largest group of same-class elements whose class names a
    post (message, comment, reply...), each post's text in page order."""
    body = _body(tree)
    if body is None:
        return None
    groups: dict[tuple[str, str], list[lxml.html.HtmlElement]] = defaultdict(list)
    for el in body.iter():
        if isinstance(el.tag, str) and el.tag not in _CHROME and _words(el) & _POST_WORDS:
            groups[(el.tag, el.get("class") or "")].append(el)
    best: tuple[int, str] | None = None
    for members in groups.values():
        members = _outermost(members)
        if len(members) < 2:
            continue
        text = "\n\n".join(t for t in (render(m) for m in members) if t)
        if best is None or len(text) > best[0]:
            best = (len(text), text)
    return best[1] if best is not None and best[1].strip() else None


def _heading(body: lxml.html.HtmlElement) -> str:
    h1 = body.find(".//h1")
    return render(h1) if h1 is not None else ""


def listing_items(tree: lxml.html.HtmlElement) -> str | None:
    """The items of a listing or collection: the largest run of same-tag, same-class siblings
    that each hold a link (title, blurb), after the page's heading."""
    body = _body(tree)
    if body is None:
        return None
    best: tuple[int, str] | None = None
    for parent in body.iter():
        if not isinstance(parent.tag, str) or parent.tag in _CHROME or len(parent) < _MIN_ITEMS:
            continue
        runs: dict[tuple[str, str], list[lxml.html.HtmlElement]] = defaultdict(list)
        for child in parent:
            if isinstance(child.tag, str):
                runs[(child.tag, child.get("class") or "")].append(child)
        for members in runs.values():
            if len(members) < _MIN_ITEMS:
                continue
            texts = [render(m) for m in members if m.find(".//a") is not None or m.tag == "a"]
            texts = [t for t in texts if t]
            if len(texts) < _MIN_ITEMS:
                continue
            text = "\n\n".join(texts)
            if best is None or len(text) > best[0]:
                best = (len(text), text)
    if best is None:
        return None
    heading = _heading(body)
    return f"{heading}\n\n{best[1]}" if heading and heading not in best[1] else best[1]


DOM_EXTRACTORS: dict[str, Callable[[lxml.html.HtmlElement], str | None]] = {
    "posts": forum_posts,
    "items": listing_items,
}


def fresh_tree(html: str) -> lxml.html.HtmlElement | None:
    """A new parse: trafilatura edits the tree it is given."""
    return parse_tree(html)


# Each page type's profile, chosen on held-out sites by ``python -m bench.page_types choose``
# (bench/results/page-types.txt). The grammar, read left to right:
#   settings                 trafilatura with those settings (TRAFILATURA_PROFILES)
#   dom+settings             the DOM extractor's text where it finds some, else trafilatura's
#   first~settings           the vote ``agreed``: first's text when it holds most of
#                            trafilatura's words, else trafilatura's (first: a DOM extractor
#                            or the second extractor, resiliparse)
#   ...|resiliparse          then the lines only resiliparse kept are added (``either``)
#   ...^resiliparse          the same, its lines of at least LONG_LINE words only
PROFILE_BY_TYPE: dict[str, str] = {
    "article": "balanced",
    "forum": "posts+balanced",
    "product": "balanced",
    "collection": "items~balanced",
    "listing": "items~balanced",
    "documentation": "posts~recall",
    "service": "resiliparse~balanced",
}

SECOND = "resiliparse"  # the second extractor a profile may vote with (cleaner.html.second)
LONG_LINE = 10  # words: "^" adds only the second extractor's lines this long


@dataclass(frozen=True)
class Profile:
    settings: str  # trafilatura's, a name in TRAFILATURA_PROFILES
    first: str | None = None  # a DOM extractor or SECOND, combined with trafilatura by `how`
    how: str = ""  # "+" or "~"
    vote: str = ""  # "|" or "^": add the second extractor's lines


def parse_profile(name: str) -> Profile:
    """A profile's parts; ValueError names what is wrong with a malformed one."""
    base, vote = name, ""
    for mark in "|^":
        if mark in name:
            base, _, second = name.partition(mark)
            vote = mark
            if second != SECOND:
                raise ValueError(f"profile {name!r}: {second!r} is no second extractor")
    first, how, settings = None, "", base
    for mark in "~+":
        if mark in base:
            first, _, settings = base.partition(mark)
            how = mark
            break
    if settings not in TRAFILATURA_PROFILES:
        raise ValueError(f"profile {name!r}: no trafilatura settings {settings!r}")
    if first is not None and first not in DOM_EXTRACTORS and first != SECOND:
        raise ValueError(f"profile {name!r}: no extractor {first!r}")
    return Profile(settings, first, how, vote)


# Below this probability the type's profile is not trusted and the page gets trafilatura's
# balanced one: a news column the classifier half takes for a forum thread must not lose its
# article to the comments under it (held out, the floor costs nothing elsewhere).
MIN_SCORE = 0.7


# html.page_types: blocks: the block model (cleaner.html.blocks) takes the text of these types'
# pages and of pages whose type is unsure; the others keep their profile. Chosen held out by
# site (bench/results/blocks.txt): on articles and products the block model does not beat
# trafilatura, on forums and documentation not the posts extractor; AEB news loses with it.
BLOCK_TYPES = frozenset(("collection", "listing", "service"))


def wants_blocks(kind: PageType | None) -> bool:
    return kind is None or kind.score < MIN_SCORE or kind.name in BLOCK_TYPES


def profile_of(kind: PageType | None) -> Profile:
    sure = kind is not None and kind.score >= MIN_SCORE
    name = PROFILE_BY_TYPE.get(kind.name, "balanced") if kind is not None and sure else "balanced"
    return parse_profile(name)


def by_type(
    tree: lxml.html.HtmlElement, kind: PageType, generic: str | None, html: str
) -> tuple[str, str] | None:
    """The text and extractor name (``dom:<name>``, ``resiliparse``, ``trafilatura|resiliparse``
    ...) when the type's profile changes trafilatura's text ``generic``; None when it stands."""
    profile = profile_of(kind)
    text, name = generic, "trafilatura"
    second: str | None = None
    if profile.first == SECOND or profile.vote:
        second = resiliparse_text(html)
    if profile.first is not None:
        ours = second if profile.first == SECOND else DOM_EXTRACTORS[profile.first](tree)
        label = SECOND if profile.first == SECOND else f"dom:{profile.first}"
        if ours and (profile.how == "+" or agreed(ours, generic) is ours):
            text, name = ours, label
    if profile.vote and second:
        voted = either(text, second, LONG_LINE if profile.vote == "^" else 0)
        if voted is not None and voted != text:
            text, name = voted, f"{name}{profile.vote}{SECOND}" if text else SECOND
    if text is None or (text is generic and name == "trafilatura"):
        return None
    return text, name


def profile_settings(kind: PageType | None) -> TrafilaturaSettings:
    return TRAFILATURA_PROFILES[profile_of(kind).settings]


_TOKEN = re.compile(r"\w+")
AGREEMENT = 0.6  # share of trafilatura's words the DOM extractor's text must hold


def agreed(dom: str | None, generic: str | None) -> str | None:
    """The vote of two extractors: the DOM extractor's text when it holds most of the words
    trafilatura found (it saw the same main content, and more of it: every post, every item),
    else trafilatura's. A DOM extractor that latched onto something else loses the vote."""
    if not dom or not generic:
        return generic or dom
    theirs = _TOKEN.findall(generic.lower())
    ours = set(_TOKEN.findall(dom.lower()))
    held = sum(1 for t in theirs if t in ours)
    return dom if held >= AGREEMENT * len(theirs) else generic
