"""soupsieve for the packs' selectors that have no exact XPath (``cleaner.html.select``): a
beautifulsoup4 mirror of the rules' lxml tree, built by walking it, with each mirrored tag
mapped back to its lxml element, so a match is removed or read on the lxml tree as any other.

Imported only when a pack has such a selector: bs4 and the mirror cost nothing otherwise.
"""

from __future__ import annotations

import warnings
from typing import Any

import lxml.etree
import soupsieve
from bs4 import BeautifulSoup
from bs4.element import Comment, Doctype, NavigableString, ProcessingInstruction, Tag


def soupsieve_refuses(source: str) -> str | None:
    """soupsieve's reason for refusing a selector, or None when it compiles."""
    try:
        with warnings.catch_warnings():  # :contains() is deprecated there, still valid
            warnings.simplefilter("ignore")
            soupsieve.compile(source)
    except Exception as exc:  # soupsieve raises several kinds; each is a refusal
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def _leaf(node: Any) -> NavigableString | None:
    """The soup node for a comment or a PI (None for what a soup does not hold)."""
    if node.tag is lxml.etree.Comment:
        return Comment(node.text or "")
    if node.tag is lxml.etree.ProcessingInstruction:
        # lxml's HTML parser reads "<?php x ?>" as a PI whose text ends before "?>";
        # bs4 keeps what lies between "<?" and ">"
        return ProcessingInstruction(f"{node.target} {node.text or ''}".rstrip() + " ?")
    return None


def mirror(root: Any) -> tuple[BeautifulSoup, dict[int, Any]]:
    """A soup of the lxml document holding ``root``, and id(tag) -> lxml element."""
    soup = BeautifulSoup("", "lxml")
    elements: dict[int, Any] = {}
    doctype = root.getroottree().docinfo.doctype
    if doctype:
        soup.append(Doctype.for_name_and_ids(doctype[len("<!DOCTYPE ") : -1], None, None))
    before = list(root.itersiblings(preceding=True))[::-1]
    after = list(root.itersiblings())
    # (lxml node or a tail's text, soup parent): a tail is pushed under its node's children,
    # so it lands after the node's subtree and before the node's later siblings
    stack: list[tuple[Any, Tag]] = [(node, soup) for node in reversed([*before, root, *after])]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, str):
            parent.append(NavigableString(node))
            continue
        if node.tail:
            stack.append((node.tail, parent))
        if isinstance(node.tag, str):
            tag = soup.new_tag(node.tag, attrs=dict(node.attrib))
            elements[id(tag)] = node
            parent.append(tag)
            if node.text:
                tag.append(NavigableString(node.text))
            stack.extend((child, tag) for child in reversed(node))
        else:
            leaf = _leaf(node)
            if leaf is not None:
                parent.append(leaf)
    return soup, elements


class SoupSelector:
    """A selector group compiled by soupsieve, run on a mirror of the page."""

    def __init__(self, source: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.source = source
            self._compiled = soupsieve.compile(source)

    def __call__(self, root: Any, mirrors: Any = None) -> list[Any]:
        # the page's mirror (cleaner.html.select.Mirrors) when it has one, else a fresh one
        soup, elements = mirror(root) if mirrors is None else mirrors.of(root, mirror)
        return [elements[id(tag)] for tag in self._compiled.select(soup)]
