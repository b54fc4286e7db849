"""A page in, its article text, fields and extractor out. Pure: no file or network I/O.

For each page:
1. parse it with lxml (fast) and read its metadata: dates, title, author, canonical URL;
2. the caller selects the packs (by the URL, else the canonical URL, else fingerprints);
3. if a selected pack has HTML rules, parse the rules' own tree (``dom.rules_tree``) and apply them:
   ``html_field`` rules override the metadata, ``html_remove`` rules delete elements, and an
   ``html_body`` rule takes the text from the elements it matches (its extractor is
   ``selector:<rule id>``);
4. otherwise, or when the body selector matches nothing, trafilatura extracts the main
   content (extractor ``trafilatura``), from the page as the removals left it.
The text rules then run on the text as they do on plain-text articles (see pipeline.py).

This module knows the HTML rules only by the phases they declare and the few methods it calls
(the protocols below); the rule engine builds on cleaner/html, never the other way round.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import lxml.html

from cleaner.html.blocks import by_blocks, segment
from cleaner.html.dates import render_text
from cleaner.html.dom import drop_invisible, for_extractor, parse_tree, rules_page, text_size
from cleaner.html.meta import PageMeta, page_meta
from cleaner.html.pagetype import page_type
from cleaner.html.profiles import (
    TrafilaturaSettings,
    by_type,
    profile_settings,
    run_trafilatura,
    wants_blocks,
)
from cleaner.html.prune import prune
from cleaner.html.select import Mirrors
from cleaner.record import Edit, Reason

TRAFILATURA = "trafilatura"
BLOCKS = "blocks"
# trafilatura's failures the block model may make good (html.page_types: blocks)
_RESCUED = frozenset(("no_main_content", "extractor_failed"))
# htmldate's own default lower bound; a fixed upper bound instead of its default (today) keeps
# the result the same whenever a page is cleaned.
_HTMLDATE_RANGE = ("1995-01-01", "2099-12-31")

for _name in ("trafilatura", "htmldate", "justext", "courlan"):
    # They log every odd page at WARNING/ERROR; a run reports its own outcome per page.
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False


# The phases of the HTML rules, as the kinds declare them (cleaner.engine.kinds).
HTML_FIELD, HTML_REMOVE, HTML_BODY = "html_field", "html_remove", "html_body"


class FieldKind(Protocol):
    @property
    def field(self) -> str: ...

    def extract(self, root: Any, mirrors: Mirrors | None = None) -> str | None: ...


class RemoveKind(Protocol):
    def apply(self, root: Any, mirrors: Mirrors | None = None) -> tuple[int, int]: ...


class BodyKind(Protocol):
    def text(self, root: Any, mirrors: Mirrors | None = None) -> str | None: ...


class HtmlRule(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def pack(self) -> str: ...

    @property
    def kind(self) -> Any: ...


class HtmlRules(Protocol):
    """A group of rules, kept by phase (a rule group of the engine)."""

    def phase_rules(self, phase: str) -> Sequence[HtmlRule]: ...


@dataclass(frozen=True)
class HtmlOptions:
    """The ``html`` section of config.yaml that reaches extraction."""

    favor: str = "balanced"
    include_tables: bool = True
    include_comments: bool = False
    date_search: bool = True
    page_types: str = "label"  # off | label | extract (cleaner.html.profiles)
    fallback: str = "short"  # always | short: when trafilatura compares with readability/justext

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> HtmlOptions:
        return cls(
            favor=section.get("favor", "balanced"),
            include_tables=section.get("include_tables", True),
            include_comments=section.get("include_comments", False),
            date_search=section.get("date_search", True),
            page_types=section.get("page_types", "label"),
            fallback=section.get("fallback", "short"),
        )


@dataclass(frozen=True)
class Page:
    """A parsed page and what its markup says about itself."""

    html: str
    url: str | None
    tree: lxml.html.HtmlElement | None
    meta: PageMeta
    shown: str | None = None  # the page-type features' text (cleaner.html.dates.render_text)
    cut: int = 0  # characters cut off a page too big to parse whole (cleaner.html.prune)
    visible: int = 0  # characters of the visible lines the metadata read (their first 3,000)


@dataclass(frozen=True)
class HtmlText:
    """What extraction took from a page: the text for the text rules, and fields."""

    text: str
    fields: dict[str, str]
    fields_from: dict[str, str]
    ruled: frozenset[str]  # fields set by html_field rules: they beat every other source
    extractor: str | None
    edits: tuple[Edit, ...]
    canonical_url: str | None
    problem: Reason | None = None  # why there is no text
    page_type: str | None = None  # with html.page_types on: what kind of page it is
    crawl_date: str | None = None  # an archive capture's day: the text's dates are not after it
    cut: int = 0  # characters cut off the page before parsing (cleaner.html.prune)


def read_page(html: str, url: str | None = None) -> Page:
    pruned = prune(html)  # a big page's invisible blobs blanked; the same string otherwise
    html, cut = pruned.html, pruned.cut
    tree = parse_tree(html)
    if tree is None:
        return Page(html, url, tree, page_meta(tree, url, html), cut=cut)
    # One walk renders the text both the metadata (dates, titles) and the page type read.
    rendered = render_text(tree)
    meta = page_meta(tree, url, html, rendered.lines)
    visible = sum(map(len, rendered.lines))
    return Page(html, url, tree, meta, rendered.shown, cut, visible)


def _rules(groups: Sequence[HtmlRules], phase: str) -> list[HtmlRule]:
    return [r for g in groups for r in g.phase_rules(phase)]


@dataclass(frozen=True)
class Ruled:
    """What the selected packs' HTML rules took from a page and did to it."""

    fields: dict[str, str]
    fields_from: dict[str, str]
    ruled: frozenset[str]
    edits: tuple[Edit, ...]
    text: str | None  # from an html_body rule
    extractor: str | None
    tree: lxml.html.HtmlElement | None  # what the generic extractor reads


def apply_html_rules(page: Page, groups: Sequence[HtmlRules]) -> Ruled:
    """Apply the selected packs' HTML rules to the page (its rules tree: ``dom.rules_tree``)."""
    fields = dict(page.meta.fields)
    fields_from = dict(page.meta.fields_from)
    ruled: set[str] = set()
    edits: list[Edit] = []
    text: str | None = None
    extractor: str | None = None
    field_rules = _rules(groups, HTML_FIELD)
    remove_rules = _rules(groups, HTML_REMOVE)
    body_rules = _rules(groups, HTML_BODY)
    tree = page.tree
    if field_rules or remove_rules or body_rules:
        root, deep = rules_page(page.html)
        mirrors = Mirrors()  # this page's soup mirror, for the rules' soupsieve selectors
        for rule in field_rules:  # fields first: a removal may take the element holding one
            taker: FieldKind = rule.kind
            if taker.field not in ruled:
                value = taker.extract(root, mirrors)
                if value is not None:
                    fields[taker.field], fields_from[taker.field] = value, rule.id
                    ruled.add(taker.field)
        drop_invisible(root)
        mirrors.changed()
        for rule in remove_rules:
            remover: RemoveKind = rule.kind
            removed, n = remover.apply(root, mirrors)
            if n:
                mirrors.changed()
                edits.append(Edit(rule.id, rule.pack, removed, n))
        for rule in body_rules:
            taker_of_body: BodyKind = rule.kind
            body = taker_of_body.text(root, mirrors)
            if body is not None:
                text = body
                extractor = f"selector:{rule.id}"
                dropped = text_size(root) - len(" ".join(text.split()))
                edits.append(Edit(rule.id, rule.pack, max(dropped, 0), 1))
                break
        if text is None and remove_rules:
            # the generic extractor sees the page without them
            tree = None if page.tree is None else for_extractor(root, deep)
    return Ruled(fields, fields_from, frozenset(ruled), tuple(edits), text, extractor, tree)


def html_to_text(
    page: Page, groups: Sequence[HtmlRules], options: HtmlOptions | None = None
) -> HtmlText:
    """Apply the selected packs' HTML rules, then take the text (selector or trafilatura)."""
    options = options or HtmlOptions()
    done = apply_html_rules(page, groups)
    fields, fields_from, tree = done.fields, done.fields_from, done.tree
    text, extractor = done.text, done.extractor
    if "date_published" not in fields and options.date_search and page.tree is not None:
        found = _htmldate(page.tree, page.url or page.meta.canonical_url, page.meta.crawl_date)
        if found is not None:
            fields["date_published"], fields_from["date_published"] = found, "htmldate"
    problem: Reason | None = None
    kind = None if options.page_types == "off" else page_type(page.tree, page.url, page.shown)
    profiled = kind is not None and options.page_types in ("extract", BLOCKS)
    blocked = text is None and options.page_types == BLOCKS and wants_blocks(kind)
    # The block model reads the blocks as laid out, before trafilatura edits the tree.
    laid_out = segment(tree) if blocked else None
    if text is None:
        settings = profile_settings(kind) if profiled else options
        # the gate was fitted on the default settings only: a page-type profile always compares
        fallback = "always" if profiled else options.fallback
        text, problem = _trafilatura(tree, page, settings, fallback)
        extractor = TRAFILATURA if problem is None else None
        if options.page_types == BLOCKS and problem is not None and problem.code in _RESCUED:
            # trafilatura found no text: the block model reads the page whatever its type
            laid_out = segment(parse_tree(page.html))
        if laid_out is not None:
            if (kept := by_blocks(laid_out, text, page.html, kind)) is not None:
                text, extractor, problem = kept, BLOCKS, None
        elif profiled and kind is not None and tree is not None:
            ours = by_type(tree, kind, text, page.html)  # the type's own extractors
            if ours is not None:
                (text, extractor), problem = ours, None
    return HtmlText(
        text or "",
        fields,
        fields_from,
        done.ruled,
        extractor,
        done.edits,
        page.meta.canonical_url,
        problem,
        kind.name if kind is not None else None,
        page.meta.crawl_date,
        page.cut,
    )


def _htmldate(tree: lxml.html.HtmlElement, url: str | None, crawled: str | None) -> str | None:
    try:
        from htmldate import find_date
    except ImportError:
        return None
    try:
        found = find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=False,
            min_date=_HTMLDATE_RANGE[0],
            max_date=crawled or _HTMLDATE_RANGE[1],
        )
    except Exception:  # a date is optional: a failure here never costs the page
        return None
    return found if isinstance(found, str) else None


# html.fallback "short": trafilatura's comparison with readability and justext runs only when
# its text without it is under this many characters or this share of the page's visible text
# (fitted on WCXB site folds, checked on the held-out fold and on AEB: bench.html_fallback).
FALLBACK_FLOOR, FALLBACK_SHARE = 1000, 0.1


def needs_fallback(fast_text: str | None, visible: int) -> bool:
    """Whether trafilatura's fast text is short enough that its comparison may change it."""
    n = len(fast_text or "")
    return n < FALLBACK_FLOOR or n < FALLBACK_SHARE * visible


def _trafilatura(
    tree: lxml.html.HtmlElement | None,
    page: Page,
    options: HtmlOptions | TrafilaturaSettings,
    fallback: str = "always",
) -> tuple[str | None, Reason | None]:
    if tree is None:
        return None, Reason("empty_page", "the page holds no HTML elements")
    try:
        import trafilatura  # noqa: F401 - only whether it is installed: the reject names the extra
    except ImportError:
        return None, Reason(
            "no_extractor",
            "no site pack takes this page's body (html_body) and trafilatura is not "
            "installed: pip install 'cleaner[html]'",
        )
    url = page.url or page.meta.canonical_url
    settings = TrafilaturaSettings(options.favor, options.include_tables, options.include_comments)
    try:
        # the gate was fitted on balanced extraction only: other settings always compare
        if fallback == "short" and settings.favor == "balanced":
            text = run_trafilatura(tree, url, settings, fast=True)
            if needs_fallback(text, page.visible):
                text = run_trafilatura(tree, url, settings)
        else:
            text = run_trafilatura(tree, url, settings)
    except Exception as exc:  # a third-party extractor's failure is this page's reject
        return None, Reason("extractor_failed", f"trafilatura failed: {type(exc).__name__}: {exc}")
    finally:
        if len(page.html) > _BIG_PAGE:
            _forget_big_strings()
    if text and text.strip():
        return text, None
    visible = visible_chars(page.html)
    if not visible:
        return None, Reason("empty_page", "the page has no visible text")
    return None, Reason(
        "no_main_content",
        f"trafilatura found no article text in {visible} characters of visible page text",
    )


# trafilatura memoizes its text clean-up (utils.trim, utils.line_processing, 1,024 entries each,
# keyed by the whole string): after a big page they hold its text several times over, while
# the text steps run. Pages this big are rare, so emptying the memos costs the next pages little.
_BIG_PAGE = 1_000_000


def _forget_big_strings() -> None:
    from trafilatura import utils

    for memo in (utils.trim, utils.line_processing):
        memo.cache_clear()


def visible_chars(html: str) -> int:
    """Characters of text a browser would show (scripts, styles and the head left out)."""
    root = parse_tree(html)
    body = root.find("body") if root is not None else None
    if body is None:
        return 0
    for el in body.iter("script", "style", "noscript", "template"):
        el.text = None
    return len(" ".join("".join(body.itertext()).split()))
