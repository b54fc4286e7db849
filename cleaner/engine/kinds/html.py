"""HTML kinds: rules over the parsed page (the rules' own lxml tree, ``dom.rules_tree``) of a
site pack, before the text is taken. Each phase has its own kind: fields from elements, elements removed, the body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cleaner.engine.kinds.base import (
    FIELDS,
    HTML_BODY,
    HTML_FIELD,
    HTML_REMOVE,
    KindError,
    KindOptions,
    RuleKind,
    compile_or_raise,
    value_group,
)
from cleaner.engine.kinds.extract import DATE_FORMAT_DOC, date_formats, field_value
from cleaner.engine.options import REGEX, SELECTOR, SELECTORS, STR, STR_OR_LIST, option
from cleaner.html.dom import (
    NODE,
    TAIL,
    TEXT,
    Piece,
    between_comments,
    document_order,
    drop,
    is_word_list,
    outermost,
    render,
    render_run,
    text_size,
)
from cleaner.html.select import SelectorError, compile_selector


def _as_list(given: str | tuple[str, ...] | list[str]) -> list[str]:
    return [given] if isinstance(given, str) else list(given)


def _selectors(given: str | tuple[str, ...] | list[str], option_name: str = "selector") -> Any:
    try:
        return compile_selector(_as_list(given))
    except SelectorError as exc:
        raise KindError(str(exc), option_name) from None


class HtmlKind(RuleKind):
    """A rule over the parsed page, before the text is taken."""

    example_key = ("output", "the expected output")

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        given = getattr(self.options, "selector", None)
        self.selector: Any = None if given is None else _selectors(given)


@dataclass(frozen=True, kw_only=True)
class HtmlRemoveOptions(KindOptions):
    selector: str | tuple[str, ...] = option(
        SELECTORS,
        "CSS selector(s), e.g. `.share-bar`, `aside.related`, `div#comments`. Each matching "
        "element goes with everything inside it.",
        required=True,
    )


class HtmlRemove(HtmlKind):
    name = "html_remove"
    summary = (
        "Remove the page elements a CSS selector matches (share bars, related links, comments) "
        "before the text is taken."
    )
    phase = HTML_REMOVE
    Options = HtmlRemoveOptions

    def apply(self, root: Any, mirrors: Any = None) -> tuple[int, int]:
        """Remove the matches; return (characters of text removed, elements removed)."""
        hits = outermost(self.selector.select(root, mirrors))
        removed = sum(text_size(h) for h in hits)
        for hit in hits:
            drop(hit)
        return removed, len(hits)


@dataclass(frozen=True, kw_only=True)
class HtmlBodyOptions(KindOptions):
    selector: str | tuple[str, ...] | None = option(
        SELECTORS,
        "CSS selector(s) for the article body. When nothing matches, the generic extractor "
        "takes the page and the record's `extractor` says so.",
    )
    start_comment: str | None = option(
        REGEX,
        "Instead of `selector`: RE2 pattern for the HTML comment an old template puts before "
        "its story (`<!-- TextStart -->`); the body is everything after the first comment it "
        "matches, up to the next comment `end_comment` matches.",
        reason="A story marked only by comments is a run of sibling nodes, not an element: no "
        "CSS selector can take it.",
    )
    end_comment: str | None = option(
        REGEX,
        "With `start_comment`: RE2 pattern for the comment after the story. When either "
        "comment is missing, the rule does not match.",
        reason="The other end of `start_comment`.",
    )
    include: str | tuple[str, ...] | None = option(
        SELECTORS,
        "CSS selector(s) of elements taken with the body, in page order (headline, byline, "
        "dateline); only when the body matches.",
    )


class HtmlBody(HtmlKind):
    name = "html_body"
    summary = (
        "Take the article text from the elements a CSS selector matches, in page order, "
        "instead of the generic extractor; or from between two HTML comments."
    )
    phase = HTML_BODY
    Options = HtmlBodyOptions
    options: HtmlBodyOptions
    one_of = (("selector", "start_comment"),)

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        opts = self.options
        self.comments: tuple[Any, Any] | None = None
        start, end = opts.start_comment, opts.end_comment
        if (start is None) != (end is None):
            raise KindError(
                "start_comment and end_comment go together: the story lies between them",
                "start_comment" if start is None else "end_comment",
            )
        if start is not None and end is not None:
            self.comments = (
                compile_or_raise(start, ignore_case=False, option="start_comment"),
                compile_or_raise(end, ignore_case=False, option="end_comment"),
            )
        self.include: Any = None
        self.everything = self.selector  # body and included elements, one page-order select
        if opts.include is not None:
            includes = _as_list(opts.include)
            self.include = _selectors(includes, "include")
            if opts.selector is not None:
                self.everything = _selectors([*_as_list(opts.selector), *includes], "include")

    def text(self, root: Any, mirrors: Any = None) -> str | None:
        """The body's text, or None when the rule does not match the page."""
        if self.comments is not None:
            run = between_comments(root, *self.comments)
            if run is None:
                return None
            included = [] if self.include is None else self.include.select(root, mirrors)
            return _with_included(root, run, included)
        if self.selector.select_one(root, mirrors) is None:
            return None
        return render(outermost(self.everything.select(root, mirrors)))


def _with_included(root: Any, run: list[Piece], included: list[Any]) -> str:
    """A comment-marked run of pieces with the included elements outside it, in page order:
    the run reads as one stream, each included element as a paragraph of its own."""
    if not included or not run:
        return render_run(run)
    inside = {node for what, top in run if what == NODE for node in top.iter()}
    outside = [el for el in outermost(included) if el not in inside]
    if not outside:
        return render_run(run)
    nodes = document_order(root)  # held: each node keeps its proxy while it is in the dict
    order = {node: i for i, node in enumerate(nodes)}
    starts_at = _position(run[0], order)
    before = [el for el in outside if 2 * order[el] < starts_at]
    after = [el for el in outside if 2 * order[el] > starts_at]
    return "\n\n".join([*map(render, before), render_run(run), *map(render, after)])


def _position(piece: Piece, order: dict[Any, int]) -> int:
    """Where a piece starts in page order: nodes at even places, text between them at odd."""
    what, node = piece
    if what == TEXT:
        return 2 * order[node] + 1
    if what == TAIL:
        last = node
        for last in node.iter():  # noqa: B007 - the last node inside it
            pass
        return 2 * order[last] + 1
    return 2 * order[node]


@dataclass(frozen=True, kw_only=True)
class HtmlFieldOptions(KindOptions):
    field: str = option(STR, "The field to fill.", required=True, choices=FIELDS)
    selector: str = option(
        SELECTOR,
        "CSS selector; the first matching element with a value is used.",
        required=True,
    )
    attribute: str | None = option(
        STR, "Take this attribute (e.g. `datetime`, `content`) instead of the element's text."
    )
    pattern: str | None = option(
        REGEX,
        "RE2 regex applied to the value: the group named `value`, else group 1, else the "
        "whole match.",
    )
    date_format: str | tuple[str, ...] | None = option(STR_OR_LIST, DATE_FORMAT_DOC)


class HtmlField(HtmlKind):
    name = "html_field"
    summary = (
        "Take title, author or a date from the page element a CSS selector matches; "
        "it overrides what the page's metadata says."
    )
    phase = HTML_FIELD
    Options = HtmlFieldOptions
    options: HtmlFieldOptions
    example_key = ("fields", "the expected fields")

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        opts = self.options
        self.regex: Any = None
        self.group: int | str = 0
        if opts.pattern is not None:
            self.regex = compile_or_raise(
                opts.pattern, ignore_case=False, option="pattern", per_line=False
            )
            self.group = value_group(self.regex)
        self.formats = date_formats(opts.field, opts.date_format)

    @property
    def field(self) -> str:
        return self.options.field

    def extract(self, root: Any, mirrors: Any = None) -> str | None:
        attribute = self.options.attribute
        for el in self.selector.select(root, mirrors):
            raw = el.get(attribute) if attribute else render(el)
            if raw and attribute and is_word_list(el.tag, attribute):  # class: words, one space
                raw = " ".join(raw.split())
            if not raw:
                continue
            value = self.convert(raw)
            if value is not None:
                return value
        return None

    def convert(self, raw: str) -> str | None:
        if self.regex is not None:
            m = self.regex.search(raw)
            if m is None or m.group(self.group) is None:
                return None
            raw = m.group(self.group)
        return field_value(self.field, raw, self.formats)
