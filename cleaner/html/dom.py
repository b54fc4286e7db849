"""Parsing pages and flattening them to lines. Nothing here recurses, so no page can overflow.

Two trees, each where it serves:
- lxml.html for page metadata and the generic extractor (trafilatura reads lxml trees): it
  parses about ten times faster than beautifulsoup4, and most pages need nothing else;
- beautifulsoup4 on lxml for site packs, whose CSS selectors (soupsieve) need a soup.

libxml2 gives up on a document nested deeper than its limit (256 levels, 2048 with
``huge_tree``) and returns an empty tree, which would lose the page silently; unclosed ``<font>``
and ``<div>`` tags on old pages get there. Such a page is parsed again through a tree builder
that stops nesting at ``MAX_DEPTH`` and puts deeper content in the deepest element kept.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import lxml.etree
import lxml.html
import soupsieve
from bs4 import BeautifulSoup
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    PageElement,
    ProcessingInstruction,
    Tag,
)

# Browsers stop nesting at 512 (Blink); real articles need far fewer.
MAX_DEPTH = 512

# Never rendered: their content is code, data or a fallback for what was rendered.
INVISIBLE = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math")
INVISIBLE_SELECTOR = ", ".join(INVISIBLE)
_SKIP = frozenset((*INVISIBLE, "head", "title", "meta", "link", "noembed", "noframes", "select"))
# Elements a browser lays out as blocks: each starts and ends a line.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "frameset", "header", "hgroup", "hr", "html", "legend", "li",
        "listing", "main", "menu", "nav", "ol", "option", "pre", "section", "summary",
        "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "tr", "ul", "xmp",
    }
)  # fmt: skip
# Paragraphs and headings also leave a blank line, as innerText does for <p>.
_BREAKS = dict.fromkeys(_BLOCKS, 1) | dict.fromkeys(("p", "h1", "h2", "h3", "h4", "h5", "h6"), 2)
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_WS = re.compile(r"\s+")


def _class_lookup() -> lxml.etree.ElementNamespaceClassLookup:
    """lxml.html's element classes (FormElement for <form>, HtmlElement for most), chosen in C.

    lxml.html picks each element's class in a Python method, once per element object made:
    every walk over a page (metadata, page type, trafilatura's own passes over its copies)
    paid a Python call per element. The same table in lxml's namespace lookup gives the same
    classes (tests/test_html_speed.py) without the call.
    """
    lookup = lxml.etree.ElementNamespaceClassLookup(
        lxml.etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    by_tag = lookup.get_namespace(None)
    by_tag["form"] = lxml.html.FormElement
    by_tag["input"] = lxml.html.InputElement
    by_tag["label"] = lxml.html.LabelElement
    by_tag["select"] = lxml.html.SelectElement
    by_tag["textarea"] = lxml.html.TextareaElement
    return lookup


_CLASS_LOOKUP = _class_lookup()


def _html_parser() -> lxml.html.HTMLParser:
    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True, collect_ids=False
    )
    parser.set_element_class_lookup(_CLASS_LOOKUP)
    return parser


_LXML_PARSER = _html_parser()


def _utf8(html: str) -> bytes:
    # libxml2 reads NUL as the end of the text; a lone surrogate cannot be encoded.
    return html.replace("\x00", "").encode("utf-8", "replace")


class _CappedBuilder:
    """Parser target that builds an lxml.html tree no deeper than ``MAX_DEPTH``."""

    def __init__(self) -> None:
        self.builder = lxml.etree.TreeBuilder(parser=_LXML_PARSER)
        self.depth = 0
        self.flattened = 0  # open elements not built because they were too deep

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.depth >= MAX_DEPTH:
            self.flattened += 1
            self.builder.data(" ")  # their content joins the deepest kept element
            return
        self.depth += 1
        self.builder.start(tag, attrib)

    def end(self, tag: str) -> None:
        if self.flattened:
            self.flattened -= 1
            self.builder.data(" ")
            return
        self.depth -= 1
        self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Any:
        return self.builder.close()


def parse_tree(html: str) -> lxml.html.HtmlElement | None:
    """The page as an lxml.html tree, or None when nothing in it parses as HTML."""
    data = _utf8(html)
    if not data.strip():
        return None
    parser = _html_parser()
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.LxmlError, ValueError):
        root = None
    if root is not None and not any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        return root
    target = lxml.etree.HTMLParser(  # type: ignore[call-overload]
        target=_CappedBuilder(), encoding="utf-8", remove_comments=True, huge_tree=True
    )
    try:
        built = lxml.etree.fromstring(data, parser=target)
    except (lxml.etree.LxmlError, ValueError):
        return None
    return built if isinstance(built, lxml.html.HtmlElement) else None


def parse_soup(html: str) -> BeautifulSoup:
    """The page as a soup for CSS selectors (beautifulsoup4 on lxml; any depth)."""
    return BeautifulSoup(_utf8(html), "lxml", from_encoding="utf-8")


class _Lines:
    """Collects text the way innerText does: block breaks merge (largest wins), <br> adds."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0

    def block(self, newlines: int) -> None:
        if self.parts:
            self.pending = max(self.pending, newlines)

    def line_break(self) -> None:
        self.parts.append("\n" * (self.pending + 1))
        self.pending = 0

    def text(self, text: str, in_pre: bool) -> None:
        if not in_pre:
            text = _WS.sub(" ", text)
        if not text or (self.pending and text.isspace()):
            return
        if self.pending:
            self.parts.append("\n" * self.pending)
            self.pending = 0
        self.parts.append(text)

    def result(self) -> str:
        return "".join(self.parts)


def render(nodes: list[Tag] | Tag) -> str:
    """The text of soup elements with a line break at every block, iteratively.

    Several elements (a body selector matching many) each start on their own paragraph.
    """
    if isinstance(nodes, list):
        return "\n\n".join(render(n) for n in nodes)
    return render_run([nodes])


def render_run(nodes: Sequence[PageElement]) -> str:
    """The text of consecutive nodes of a page (elements and loose text) as one stream: text
    between two elements runs on in the same line, as it does on the page."""
    out = _Lines()
    pre = 0
    stack: list[tuple[Any, bool]] = [(node, False) for node in reversed(nodes)]
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, _NOT_TEXT):
                out.text(str(node), pre > 0)
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if closing:
            if name == "pre":
                pre -= 1
            out.block(_BREAKS.get(name, 0))
            continue
        if name == "br":
            out.line_break()
            continue
        if name in _SKIP:
            continue
        if name == "pre":
            pre += 1
        out.block(_BREAKS.get(name, 0))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    return out.result()


def between_comments(soup: Tag, start: Any, end: Any) -> list[PageElement] | None:
    """The nodes after the first comment ``start`` matches and before the next comment ``end``
    matches, outermost first, in page order; None when either comment is missing.

    Old templates mark the story with comments (``<!-- TextStart -->``) rather than with an
    element, and the story's paragraphs sit loose beside the template's own blocks. An element
    that holds either comment is only partly inside: its children are taken instead.
    """
    opening: Comment | None = None
    closing: Comment | None = None
    for found in soup.descendants:
        if not isinstance(found, Comment):
            continue
        if opening is None:
            if start.search(found):
                opening = found
        elif end.search(found):
            closing = found
            break
    if opening is None or closing is None:
        return None
    holds_end = {id(parent) for parent in closing.parents}
    nodes: list[PageElement] = []
    node: PageElement = opening
    while True:
        following = node.next_sibling
        while following is None:  # the parent also holds the start: go on after it
            assert node.parent is not None  # the end comes later, so a later sibling exists
            node = node.parent
            following = node.next_sibling
        node = following
        while id(node) in holds_end:  # the end is inside: take its children instead
            assert isinstance(node, Tag)  # it holds the end comment, so it has children
            node = node.contents[0]
        if node is closing:
            return nodes
        nodes.append(node)


def text_size(nodes: list[Tag] | Tag) -> int:
    """Characters of rendered text, whitespace collapsed: what a removal takes away."""
    return len(" ".join(render(nodes).split()))


class SelectorError(ValueError):
    """A CSS selector that does not compile, with soupsieve's reason."""


def compile_selector(sources: list[str]) -> Any:
    """One soupsieve matcher for several selectors; each is checked on its own for errors."""
    for source in sources:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a deprecated pseudo-class is an error at load time
            try:
                soupsieve.compile(source)
            except soupsieve.SelectorSyntaxError as exc:
                reason = str(exc).splitlines()[0]
                raise SelectorError(f"'{source}' is not a valid CSS selector: {reason}") from None
            except FutureWarning as exc:
                raise SelectorError(f"'{source}': {exc}") from None
    return soupsieve.compile(", ".join(sources))


def outermost(nodes: list[Tag]) -> list[Tag]:
    """The nodes not inside another of them, in page order (each text is taken once)."""
    chosen = {id(n) for n in nodes}
    out: list[Tag] = []
    for node in nodes:
        parent = node.parent
        while parent is not None and id(parent) not in chosen:
            parent = parent.parent
        if parent is None:
            out.append(node)
    return out
