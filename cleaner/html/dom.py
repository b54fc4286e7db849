"""Parsing pages and flattening them to lines. Nothing here recurses, so no page can overflow.

One parser, lxml.html (trafilatura reads lxml trees too). A page under a site pack with HTML
rules gets a second tree of its own that keeps comments and processing instructions
(``rules_tree``): the rules remove elements from it, ``start_comment`` finds comments in it, and
the text pieces on either side of a comment stay apart, as they are on the page. CSS selectors
are compiled once, at pack load, to XPath (cssselect's HTML translator).

libxml2 gives up on a document nested deeper than its limit (256 levels, 2048 with
``huge_tree``) and returns an empty tree, which would lose the page silently; unclosed ``<font>``
and ``<div>`` tags on old pages get there. Such a page is parsed again through a tree builder
that stops nesting at ``MAX_DEPTH`` and puts deeper content in the deepest element kept.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import lxml.etree
import lxml.html

# Browsers stop nesting at 512 (Blink); real articles need far fewer.
MAX_DEPTH = 512

# Never rendered: their content is code, data or a fallback for what was rendered.
INVISIBLE = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math")
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


def _html_parser(keep: bool = False) -> lxml.html.HTMLParser:
    parser = lxml.html.HTMLParser(
        encoding="utf-8",
        remove_comments=not keep,
        remove_pis=not keep,
        huge_tree=True,
        collect_ids=False,
    )
    parser.set_element_class_lookup(_CLASS_LOOKUP)
    return parser


_LXML_PARSER = _html_parser()


def _utf8(html: str) -> bytes:
    # libxml2 reads NUL as the end of the text; a lone surrogate cannot be encoded.
    return html.replace("\x00", "").encode("utf-8", "replace")


class _CappedBuilder:
    """Parser target that builds an lxml.html tree no deeper than ``MAX_DEPTH``."""

    def __init__(self, keep: bool, max_depth: int) -> None:
        self.builder = lxml.etree.TreeBuilder(parser=_LXML_PARSER)
        self.depth = 0
        self.flattened = 0  # open elements not built because they were too deep
        self.keep = keep
        self.max_depth = max_depth

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.depth >= self.max_depth:
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

    def comment(self, text: str) -> None:
        if self.keep:
            self.builder.comment(text)

    def pi(self, target: str, data: str | None = None) -> None:
        if self.keep:
            self.builder.pi(target, data or "")

    def close(self) -> Any:
        return self.builder.close()


def parse_tree(html: str) -> lxml.html.HtmlElement | None:
    """The page as an lxml.html tree, or None when nothing in it parses as HTML."""
    return _parse(html, False, MAX_DEPTH)[0]


def _parse(html: str, keep: bool, max_depth: int) -> tuple[lxml.html.HtmlElement | None, bool]:
    """The tree, and whether it was built past libxml2's depth limit (by ``_CappedBuilder``).

    ``keep``: with the page's comments and processing instructions."""
    data = _utf8(html)
    if not data.strip():
        return None, False
    parser = _html_parser(keep)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.LxmlError, ValueError):
        root = None
    if root is not None and not any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        return root, False
    target = lxml.etree.HTMLParser(  # type: ignore[call-overload]
        target=_CappedBuilder(keep, max_depth),
        encoding="utf-8",
        remove_comments=not keep,
        remove_pis=not keep,
        huge_tree=True,
    )
    try:
        built = lxml.etree.fromstring(data, parser=target)
    except (lxml.etree.LxmlError, ValueError):
        return None, True
    return (built if isinstance(built, lxml.html.HtmlElement) else None), True


def rules_tree(html: str) -> lxml.html.HtmlElement:
    """The page for a site pack's HTML rules: a tree of its own (the rules remove elements from
    it) with its comments (``start_comment``), so the text on either side of a comment stays a
    piece of its own, as it does on the page. No depth limit: a selector finds its element
    however deep unclosed tags put it (every walk here is iterative)."""
    return rules_page(html)[0]


def rules_page(html: str) -> tuple[lxml.html.HtmlElement, bool]:
    """``rules_tree`` and whether the page is deeper than libxml2 builds (``for_extractor``)."""
    root, deep = _parse(html, True, sys.maxsize)
    return (lxml.html.Element("html") if root is None else root), deep


def for_extractor(root: lxml.html.HtmlElement, deep: bool) -> lxml.html.HtmlElement | None:
    """The rules' tree as the generic extractor is given a page: no comments, no PIs, and no
    deeper than ``MAX_DEPTH`` (a deep page is written out and parsed again, as ``parse_tree``
    would parse it).

    Text of only ASCII spaces becomes one space or one newline (outside ``pre`` and
    ``textarea``), as beautifulsoup4 read it when the rules ran on a soup: the extractor keeps
    such a run of blank lines between two links as it stands, so the records stay the same.
    """
    kept = {node for p in root.iter("pre", "textarea") for node in p.iter()}
    for node in root.iter():
        text, tail = node.text, node.tail
        if text and node not in kept and not text.strip(_ASCII_SPACES):
            node.text = "\n" if "\n" in text else " "
        if tail and node.getparent() not in kept and not tail.strip(_ASCII_SPACES):
            node.tail = "\n" if "\n" in tail else " "
    lxml.etree.strip_elements(
        root, lxml.etree.Comment, lxml.etree.ProcessingInstruction, with_tail=False
    )
    return parse_tree(lxml.html.tostring(root, encoding="unicode")) if deep else root


_ASCII_SPACES = " \n\t\f\r"
# HTML's attributes that hold a list of words, by tag ("*": any): a field rule reads their words
# one space apart, as beautifulsoup4 gave them.
_WORD_LISTS = {
    "*": ("class", "accesskey", "dropzone"),
    "a": ("rel", "rev"),
    "link": ("rel", "rev"),
    "td": ("headers",),
    "th": ("headers",),
    "form": ("accept-charset",),
    "object": ("archive",),
    "area": ("rel",),
    "icon": ("sizes",),
    "iframe": ("sandbox",),
    "output": ("for",),
}


def is_word_list(tag: str, attribute: str) -> bool:
    return attribute in _WORD_LISTS["*"] or attribute in _WORD_LISTS.get(tag, ())


def drop_invisible(root: lxml.html.HtmlElement) -> None:
    """Remove the elements that are never rendered (``INVISIBLE``), before any rule selects."""
    for el in list(root.iter(*INVISIBLE)):
        drop(el)


# Where a removed element stood: its tail stays a text piece of its own (as the page's text
# around a removed element does), and renders, selects and comment searches all pass over it.
_REMOVED = "cleaner-removed"


def drop(el: Any) -> None:
    """Remove an element with everything inside it, keeping the text after it in place."""
    parent = el.getparent()
    if parent is None:  # the root: nothing of the page is left
        el.clear()
        return
    mark = lxml.etree.ProcessingInstruction(_REMOVED)
    mark.tail, el.tail = el.tail, None
    parent.replace(el, mark)


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


# A piece of a page's text stream, as the nodes between two comments are: an element, comment
# or PI (NODE), the text at the start of an element (TEXT), or the text after one (TAIL).
NODE, TEXT, TAIL = 0, 1, 2
Piece = tuple[int, Any]
_CLOSE = 3


def render(nodes: list[Any] | Any) -> str:
    """The text of elements with a line break at every block, iteratively.

    Several elements (a body selector matching many) each start on their own paragraph.
    """
    if isinstance(nodes, list):
        return "\n\n".join(render(n) for n in nodes)
    return render_run([(NODE, nodes)])


def render_run(pieces: Sequence[Piece]) -> str:
    """The text of consecutive pieces of a page (elements and loose text) as one stream: text
    between two elements runs on in the same line, as it does on the page."""
    out = _Lines()
    pre = 0
    stack: list[Piece] = list(reversed(pieces))
    while stack:
        what, node = stack.pop()
        if what == TEXT:
            out.text(node.text, pre > 0)
            continue
        if what == TAIL:
            out.text(node.tail, pre > 0)
            continue
        name = node.tag
        if what == _CLOSE:
            if name == "pre":
                pre -= 1
            out.block(_BREAKS.get(name, 0))
            continue
        if not isinstance(name, str):  # comments, processing instructions
            continue
        if name == "br":
            out.line_break()
            continue
        if name in _SKIP:
            continue
        if name == "pre":
            pre += 1
        out.block(_BREAKS.get(name, 0))
        stack.append((_CLOSE, node))
        for child in reversed(node):
            if child.tail:
                stack.append((TAIL, child))
            stack.append((NODE, child))
        if node.text:
            stack.append((TEXT, node))
    return out.result()


def _document(root: Any) -> list[Any]:
    """The page's top-level nodes: comments before and after ``<html>`` are outside it."""
    return [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]


def document_order(root: Any) -> list[Any]:
    """Every node of the page (elements, comments, PIs) in page order."""
    return [node for top in _document(root) for node in top.iter()]


def _next(piece: Piece) -> Piece | None:
    what, node = piece
    if what == TEXT:
        return (NODE, node[0]) if len(node) else None
    if what == NODE and node.tail:
        return (TAIL, node)
    following = node.getnext()
    return None if following is None else (NODE, following)


def between_comments(root: Any, start: Any, end: Any) -> list[Piece] | None:
    """The pieces after the first comment ``start`` matches and before the next comment ``end``
    matches, outermost first, in page order; None when either comment is missing.

    Old templates mark the story with comments (``<!-- TextStart -->``) rather than with an
    element, and the story's paragraphs sit loose beside the template's own blocks. An element
    that holds either comment is only partly inside: its children are taken instead.
    """
    opening: Any = None
    closing: Any = None
    for top in _document(root):
        for found in top.iter(lxml.etree.Comment):
            if opening is None:
                if start.search(found.text or ""):
                    opening = found
            elif end.search(found.text or ""):
                closing = found
                break
        if closing is not None:
            break
    if opening is None or closing is None:
        return None
    ancestors = list(closing.iterancestors())  # held, so each element keeps its proxy
    holds_end = set(ancestors)
    pieces: list[Piece] = []
    piece: Piece = (NODE, opening)
    while True:
        following = _next(piece)
        while following is None:  # the parent also holds the start: go on after it
            what, node = piece
            parent = node if what == TEXT else node.getparent()
            assert parent is not None  # the end comes later, so a later sibling exists
            piece = (NODE, parent)
            following = _next(piece)
        piece = following
        while piece[0] == NODE and piece[1] in holds_end:  # the end is inside: its children
            node = piece[1]
            piece = (TEXT, node) if node.text else (NODE, node[0])
        if piece[0] == NODE and piece[1] is closing:
            return pieces
        pieces.append(piece)


def text_size(nodes: list[Any] | Any) -> int:
    """Characters of rendered text, whitespace collapsed: what a removal takes away."""
    return len(" ".join(render(nodes).split()))


def outermost(nodes: list[Any]) -> list[Any]:
    """The nodes not inside another of them, in page order (each text is taken once)."""
    chosen = set(nodes)  # the list holds each proxy, so an ancestor found is the same object
    return [n for n in nodes if not any(a in chosen for a in n.iterancestors())]
