"""The HTML rules as they ran on a beautifulsoup4 tree with soupsieve's selectors, before the
rules' lxml tree (cleaner.html.dom.rules_tree) replaced them: the reference that
tests/test_html_rules_tree.py holds the lxml operations to. Test code only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

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

from cleaner.html.dom import _BREAKS, _SKIP, INVISIBLE, parse_tree
from cleaner.html.extract import HTML_BODY, HTML_FIELD, HTML_REMOVE, Page, Ruled
from cleaner.record import Edit

_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_WS = re.compile(r"\s+")
INVISIBLE_SELECTOR = ", ".join(INVISIBLE)


def _utf8(html: str) -> bytes:
    return html.replace("\x00", "").encode("utf-8", "replace")


def parse_soup(html: str) -> BeautifulSoup:
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


def _as_list(given: Any) -> list[str]:
    return [given] if isinstance(given, str) else list(given)


def _compile(given: Any) -> Any:
    return soupsieve.compile(", ".join(_as_list(given)))


def field(kind: Any, soup: Tag) -> str | None:
    attribute = kind.options.attribute
    for el in _compile(kind.options.selector).select(soup):
        raw = el.get(attribute) if attribute else render(el)
        if isinstance(raw, list):  # multi-valued attributes such as class
            raw = " ".join(raw)
        if not raw:
            continue
        value = kind.convert(raw)
        if value is not None:
            return value
    return None


def remove(kind: Any, soup: Tag) -> tuple[int, int]:
    hits = outermost(_compile(kind.options.selector).select(soup))
    removed = sum(text_size(h) for h in hits)
    for hit in hits:
        hit.decompose()
    return removed, len(hits)


def body(kind: Any, soup: Tag) -> str | None:
    opts = kind.options
    include = None if opts.include is None else _compile(opts.include)
    if kind.comments is not None:
        run = between_comments(soup, *kind.comments)
        if run is None:
            return None
        included = [] if include is None else list(include.select(soup))
        return _with_included(soup, run, included)
    if _compile(opts.selector).select_one(soup) is None:
        return None
    everything = _as_list(opts.selector) + ([] if opts.include is None else _as_list(opts.include))
    return render(outermost(_compile(everything).select(soup)))


def _with_included(soup: Tag, run: list[PageElement], included: list[Tag]) -> str:
    if not included or not run:
        return render_run(run)
    order = {id(node): i for i, node in enumerate(soup.descendants)}
    inside = {id(node) for top in run for node in _self_and_descendants(top)}
    outside = [el for el in outermost(included) if id(el) not in inside]
    if not outside:
        return render_run(run)
    starts_at = order[id(run[0])]
    before = [el for el in outside if order[id(el)] < starts_at]
    after = [el for el in outside if order[id(el)] > starts_at]
    return "\n\n".join([*map(render, before), render_run(run), *map(render, after)])


def _self_and_descendants(node: PageElement) -> list[PageElement]:
    return [node, *node.descendants] if isinstance(node, Tag) else [node]


def visible_soup(html: str) -> BeautifulSoup:
    soup = parse_soup(html)
    for tag in soup.select(INVISIBLE_SELECTOR):
        tag.decompose()
    return soup


def apply_html_rules(page: Page, groups: Sequence[Any]) -> Ruled:
    """cleaner.html.extract.apply_html_rules as it was on the soup."""
    fields = dict(page.meta.fields)
    fields_from = dict(page.meta.fields_from)
    ruled: set[str] = set()
    edits: list[Edit] = []
    text: str | None = None
    extractor: str | None = None
    field_rules = [r for g in groups for r in g.phase_rules(HTML_FIELD)]
    remove_rules = [r for g in groups for r in g.phase_rules(HTML_REMOVE)]
    body_rules = [r for g in groups for r in g.phase_rules(HTML_BODY)]
    tree = page.tree
    if field_rules or remove_rules or body_rules:
        soup = parse_soup(page.html)
        for rule in field_rules:
            if rule.kind.field not in ruled:
                value = field(rule.kind, soup)
                if value is not None:
                    fields[rule.kind.field], fields_from[rule.kind.field] = value, rule.id
                    ruled.add(rule.kind.field)
        for tag in soup.select(INVISIBLE_SELECTOR):
            tag.decompose()
        for rule in remove_rules:
            removed, n = remove(rule.kind, soup)
            if n:
                edits.append(Edit(rule.id, rule.pack, removed, n))
        for rule in body_rules:
            got = body(rule.kind, soup)
            if got is not None:
                text = got
                extractor = f"selector:{rule.id}"
                dropped = text_size(soup) - len(" ".join(text.split()))
                edits.append(Edit(rule.id, rule.pack, max(dropped, 0), 1))
                break
        if text is None and remove_rules:
            tree = parse_tree(str(soup))
    return Ruled(fields, fields_from, frozenset(ruled), tuple(edits), text, extractor, tree)
