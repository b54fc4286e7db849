"""Metadata from plain text with no site pack: a date (``text_date``) and the headline
(``text_title``), for the pages nobody wrote an extract rule for.

A scrape keeps the page's ``<title>`` line ("Headline - Site") near its top and the headline
again further down, with the byline and date around it. The title is the line that line
confirms; the date is the best-evidenced one among the dates the text writes: after a label
("Published", "By X |"), then right by the headline, then a short date line around it, then a
date near the top, then the URL's date path. Nothing is guessed: no year, no date; an ambiguous numeric date (03/04/2023)
only when the page's other dates or the rule's ``order`` settle it; never a date after the crawl
date when the caller knows it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from cleaner.engine.kinds.base import DATE_FIELDS, EXTRACT, KindOptions, RuleKind, compile_or_raise
from cleaner.engine.options import BOOL, INT, REGEX, STR, option

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = "((?:19|20)[0-9]{2})"
_DAY = r"([0-9]{1,2})(?:st|nd|rd|th)?"
# Each form: (name, RE2 source). Groups are numbered; ``_found`` reads them by form. A digit
# must not touch a number on either side, so "12345 2023-05-10" or a version "1.2.2023.4" is
# not read as a date. A month name may be glued to the word before it ("By Jane DoeMar 5,
# 2025"), which scrapes of adjacent elements often do.
_FORMS = (
    ("mdy", _MONTH + " " + _DAY + r",? " + _YEAR + r"(?:[^0-9]|$)"),
    ("dmy", r"(?:^|[^0-9])" + _DAY + r" (?:of )?" + _MONTH + ",? " + _YEAR + r"(?:[^0-9]|$)"),
    ("ymd", r"(?:^|[^0-9.])" + _YEAR + r"(?:-([01]?[0-9])-([0-3]?[0-9])|/([01]?[0-9])/([0-3]?[0-9])"
     r"|\.([01]?[0-9])\.([0-3]?[0-9]))(?:[^0-9]|$)"),
    ("num", r"(?:^|[^0-9.])([0-3]?[0-9])([/.-])([0-3]?[0-9])[/.-]" + _YEAR + r"(?:[^0-9.]|$)"),
    ("cjk", _YEAR + r"\s*[年년]\s*([01]?[0-9])\s*[月월]\s*([0-3]?[0-9])\s*[日일]?"),
)  # fmt: skip
_URL_DATE = r"/" + _YEAR + r"([/-])([01][0-9])[/-]([0-3][0-9])(?:[/-]|$)"
# Where a <title> line's site name is joined to the headline.
_SEPARATORS = "|-–—:_»·•/~"
_SPLIT = re.compile("[" + re.escape(_SEPARATORS) + "]")
_QUOTES = tuple(zip("‘’‚‛′“”„‟″", "'''''\"\"\"\"\"", strict=True))


def _fold(text: str) -> str:
    """``text`` with typographic quotes straightened and case folded, to compare headlines."""
    if not text.isascii():
        # One replace per quote runs in C; str.translate with a table looks up every character.
        for curly, straight in _QUOTES:
            if curly in text:
                text = text.replace(curly, straight)
    return text.casefold()


class Found(NamedTuple):
    """A date written in the text: where, its parts, and how it was written."""

    line: int  # index into the lines
    start: int  # offset of the date in its line
    year: int
    first: int  # the month, or for a numeric date (form ``num``) the first number
    second: int  # the day, or the second number
    form: str  # how it was written; only ``num`` leaves the order open


def _settled(found: Found, order: str) -> date | None:
    """The date, when its form or ``order`` settles which number is the month."""
    y, a, b = found.year, found.first, found.second
    if found.form != "num":
        month, day = a, b
    elif a > 12 or order == "dmy":
        month, day = b, a
    elif b > 12 or a == b or order == "mdy":
        month, day = a, b
    else:
        return None
    try:
        return date(y, month, day)
    except ValueError:
        return None


def _page_order(found: list[Found]) -> str:
    """The numeric order the page's own unambiguous numeric dates show (``auto`` if none or
    both: then an ambiguous one stays unread)."""
    orders = set()
    for f in found:
        if f.form == "num":
            if f.first > 12 >= f.second:
                orders.add("dmy")
            elif f.second > 12 >= f.first:
                orders.add("mdy")
    return orders.pop() if len(orders) == 1 else "auto"


def _cjk(text: str) -> bool:
    """Whether ``text`` is written in Chinese or Japanese characters (no spaces between
    words, so a word count says nothing)."""
    return any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text[:20])


def _nonblank(lines: list[str], limit: int) -> list[int]:
    """The indexes of the first ``limit`` non-blank lines. Normalised text has at most one
    blank line between two others, so they lie within the first ``2 * limit`` lines."""
    return [i for i, line in enumerate(lines[: 2 * limit]) if line][:limit]


@dataclass(frozen=True, kw_only=True)
class TitleOptions(KindOptions):
    title_lines: int = option(
        INT,
        'The page\'s `<title>` line ("Headline - Site") is looked for among the first N '
        "non-blank lines.",
        default=3,
        minimum=1,
    )
    first_lines: int = option(
        INT,
        "The headline that confirms it is looked for among the first N non-blank lines.",
        default=400,
        minimum=1,
    )
    min_chars: int = option(
        INT, "A headline has at least this many characters.", default=8, minimum=1
    )


def find_title(lines: list[str], opts: TitleOptions) -> tuple[int, str] | None:
    """The headline line and its index: a line that a ``<title>`` line near the top repeats
    joined to the site's name by a separator. The longest such line wins (the site's name alone
    is confirmed too, but is shorter than the headline), then the first."""
    region = _nonblank(lines, opts.first_lines)
    if not region:
        return None
    # The lines come normalised (spaces collapsed): folding quotes and case is all that is
    # left, done once for the whole region.
    folded = _fold("\n".join(lines[: region[-1] + 1])).split("\n")
    best: tuple[bool, int, int] | None = None  # (a bare copy, -length, index)
    for t in region[: opts.title_lines]:
        whole = folded[t]
        for i in region:
            head = folded[i]
            if i == t or not opts.min_chars <= len(head) <= len(whole) or head[:8] not in whole:
                continue
            copy = head == whole
            if copy:
                # A <title> that is the headline alone, repeated: weaker, and a menu entry or
                # the site's name repeats too, so it needs a few words.
                if len(head.split()) < 3 and not _cjk(head):
                    continue
            else:
                at = whole.find(head)
                if at < 0:
                    continue
                before, after = whole[:at].rstrip(), whole[at + len(head) :].lstrip()
                if (before and before[-1] not in _SEPARATORS) or (
                    after and after[0] not in _SEPARATORS
                ):
                    continue
                # The rest is the site's name and section, each part shorter than a headline.
                rest = _SPLIT.split(before + " " + after)
                if max(map(len, rest)) >= len(head):
                    continue
            key = (copy, -len(head), i)
            if best is None or key < best:
                best = key
    if best is None:
        return None
    i = best[2]
    return i, " ".join(lines[i].split())


_WORD = re.compile(r"[^\W_]+")


def find_anchor(lines: list[str], opts: TitleOptions) -> int | None:
    """Where the headline is, for placing dates: the confirmed title line, else the line that
    shares most of its words with the ``<title>`` line (a headline the site words a little
    differently there)."""
    found = find_title(lines, opts)
    if found is not None:
        return found[0]
    region = _nonblank(lines, opts.first_lines)
    best: tuple[float, int] | None = None

    @cache
    def words_in(i: int) -> set[str]:  # each line's words, split once for every title line
        return set(_WORD.findall(lines[i].casefold()))

    for t in region[: opts.title_lines]:
        title_words = words_in(t)
        if len(title_words) < 3:
            continue
        limit = 2 * len(lines[t])
        for i in region:
            if i == t or not 10 <= len(lines[i]) <= limit:
                continue
            words = words_in(i)
            shared = len(words & title_words)
            if shared < 3:
                continue
            share = shared / len(words)
            if share >= 0.6 and (best is None or (-share, i) < best):
                best = (-share, i)
    return None if best is None else best[1]


class TextTitle(RuleKind):
    name = "text_title"
    summary = (
        "Take the title from plain text: the headline line that the page's `<title>` line "
        '("Headline - Site", "Headline | Site") repeats, the site\'s name left out.'
    )
    phase = EXTRACT
    Options = TitleOptions
    options: TitleOptions
    example_key = ("fields", "the expected values")
    field = "title"

    def extract(self, lines: list[str], context: Mapping[str, str] | None = None) -> str | None:
        found = find_title(lines, self.options)
        return found[1] if found else None


@dataclass(frozen=True, kw_only=True)
class TextDateOptions(KindOptions):
    field: str = option(STR, "The date field to fill.", required=True, choices=DATE_FIELDS)
    labels: str = option(
        REGEX,
        'RE2 regex for the labels that give a date to this field ("Published", a byline '
        '"By X |"), searched case-insensitively in the text before the date on its line, or '
        "in the short line just above a date line.",
        required=True,
    )
    other_labels: str | None = option(
        REGEX,
        'RE2 regex for labels that give a date to another field ("Updated" for '
        "`date_published`): a date they label is not this field's.",
    )
    unlabelled: bool = option(
        BOOL,
        "Also take a date no label names: first right by the headline, then a short date line "
        "around it, then a date among the first `bare_lines` lines, then the URL's date path "
        "(when the URL is known). Unlabelled date lines of one rank that disagree (a list of "
        "stories) give no date.",
        default=False,
    )
    first_lines: int = option(
        INT, "Dates are looked for among the first N non-blank lines.", default=400, minimum=1
    )
    bare_lines: int = option(
        INT,
        "With `unlabelled`: a date line with no label counts among the first N non-blank lines.",
        default=12,
        minimum=1,
    )
    near_title: int = option(
        INT,
        "With `unlabelled`: a date within N non-blank lines after the headline (or just before "
        "it) counts as the headline's.",
        default=4,
        minimum=1,
    )
    date_line_words: int = option(
        INT,
        "With `unlabelled`: a line of at most N words holding a date is a date line (a date, "
        "its time, a byline); the first after the headline, else the first, counts.",
        default=8,
        minimum=1,
    )
    date_line_window: int = option(
        INT,
        "With `unlabelled`: date lines count within N non-blank lines after the headline.",
        default=30,
        minimum=1,
    )
    date_line_above: int = option(
        INT,
        "With `unlabelled`: date lines count within N non-blank lines above the headline too.",
        default=10,
        minimum=0,
    )
    max_words: int = option(
        INT,
        "Only lines of at most N words: a date inside a sentence is an event, not the page's.",
        default=20,
        minimum=1,
    )
    label_gap: int = option(
        INT,
        "A label names a date at most N characters after it.",
        default=60,
        minimum=0,
    )
    order: str = option(
        STR,
        "How a numeric date such as 03/04/2023 is read: `mdy`, `dmy`, or `auto` (only when "
        "the page's other numeric dates settle it; else no date).",
        default="auto",
        choices=("auto", "mdy", "dmy"),
    )


# Evidence, strongest first.
LABEL, NEAR_TITLE, DATE_LINE, BARE, URL = 5, 4, 3, 2, 1


class TextDate(RuleKind):
    name = "text_date"
    summary = (
        "Take a date field from plain text by its evidence: a label, then the headline's "
        "neighbourhood, then a bare date line near the top, then the URL's date path; never a "
        "guessed year or an unsettled numeric order."
    )
    phase = EXTRACT
    Options = TextDateOptions
    options: TextDateOptions
    example_key = ("fields", "the expected values")

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        opts = self.options
        self.forms = tuple(
            (name, compile_or_raise(src, ignore_case=True, option="form")) for name, src in _FORMS
        )
        self.labels = compile_or_raise(opts.labels, ignore_case=True, option="labels")
        self.other = (
            compile_or_raise(opts.other_labels, ignore_case=True, option="other_labels")
            if opts.other_labels
            else None
        )
        self.url_date = compile_or_raise(_URL_DATE, ignore_case=False, option="url")
        self.title_options = TitleOptions(first_lines=opts.first_lines)

    @property
    def field(self) -> str:
        return self.options.field

    def found(self, lines: list[str]) -> list[Found]:
        """Every date written in the first lines, in text order."""
        region = _nonblank(lines, self.options.first_lines)
        if not region:
            return []
        # One scan of the region per form (a scan per line costs more in calls than in text).
        text = "\n".join(lines[: region[-1] + 1])
        words = self.options.max_words
        long_lines: dict[int, bool] = {}
        out: list[Found] = []
        for form, regex in self.forms:
            for m in regex.finditer(text):
                at = m.start(1)
                i = text.count("\n", 0, at)
                if i not in long_lines:
                    long_lines[i] = len(lines[i].split()) > words
                if not long_lines[i]:
                    out.append(_found(form, m, i, text.rfind("\n", 0, at) + 1))
        out.sort(key=lambda f: (f.line, f.start))
        return out

    def _label(self, lines: list[str], f: Found, alone: bool) -> int:
        """1: this field's label names the date; -1: another field's; 0: none. A label after
        the date ("16 January 2015 Last updated at 12:29") counts when the date is ``alone``
        on its line."""
        line = lines[f.line]
        before = line[: f.start]
        if not before.strip(" :|-–—,/·•([") and f.line > 0:
            # A date line under a short label line ("Published:" / the date).
            above = next((lines[j] for j in range(f.line - 1, -1, -1) if lines[j]), "")
            if len(above.split()) <= 3:
                before = above + " "
        own = _last_end(self.labels, before)
        other = _last_end(self.other, before) if self.other is not None else -1
        if max(own, other) >= 0 and len(before) - max(own, other) <= self.options.label_gap:
            return 1 if own > other else -1
        if alone:
            words = line[f.start :].split()
            tail = " ".join(words[3:])[:30]
            own_after = self.labels.search(tail) is not None
            other_after = self.other is not None and self.other.search(tail) is not None
            if own_after != other_after:
                return 1 if own_after else -1
        return 0

    def candidates(
        self, lines: list[str], context: Mapping[str, str] | None = None
    ) -> list[tuple[int, int, date]]:
        """(evidence, line, date) for each date this field may take, best first."""
        opts = self.options
        found = self.found(lines)
        order = opts.order if opts.order != "auto" else _page_order(found)
        crawled = _crawl_date(context)
        # The headline places unlabelled dates only: with no date in the text, it is not needed.
        anchor = find_anchor(lines, self.title_options) if opts.unlabelled and found else None
        top = set(_nonblank(lines, opts.bare_lines))
        near: set[int] = set()
        after_window: set[int] = set()
        if anchor is not None:
            after = [i for i in _nonblank(lines, opts.first_lines) if i > anchor]
            near = set(after[: opts.near_title])
            after_window = set(after[: opts.date_line_window])
            near.update(i for i in range(max(0, anchor - 2), anchor) if lines[i])
            # A template may put the date line above the headline (a kicker, the byline).
            head = [i for i in _nonblank(lines, opts.first_lines) if i < anchor]
            after_window.update(head[-opts.date_line_above :] if opts.date_line_above else ())
        out: list[tuple[int, int, date]] = []
        per_line = Counter(f.line for f in found)
        for f in found:
            when = _settled(f, order)
            if when is None or (crawled is not None and when > crawled):
                continue
            label = self._label(lines, f, per_line[f.line] == 1)
            if label < 0:
                continue
            if label > 0:
                out.append((LABEL, f.line, when))
            elif not opts.unlabelled:
                continue
            elif f.line in near:
                out.append((NEAR_TITLE, f.line, when))
            elif f.line in after_window and len(lines[f.line].split()) <= opts.date_line_words:
                # A line that is little but the date, in the article's head below the headline.
                out.append((DATE_LINE, f.line, when))
            elif f.line in top:
                out.append((BARE, f.line, when))
        url = (context or {}).get("url")
        if opts.unlabelled and url:
            m = self.url_date.search(url)
            if m is not None:
                try:
                    when = date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
                except ValueError:
                    pass
                else:
                    if crawled is None or when <= crawled:
                        out.append((URL, 0, when))
        # Date lines with no label that disagree are a list (related stories, comments): none
        # of them is the page's.
        for weak in (DATE_LINE, BARE):
            if len({c[2] for c in out if c[0] == weak}) > 1:
                out = [c for c in out if c[0] != weak]
        out.sort(key=lambda c: (-c[0], c[1]))
        return out

    def extract(self, lines: list[str], context: Mapping[str, str] | None = None) -> str | None:
        best = self.candidates(lines, context)
        return best[0][2].isoformat() if best else None


def _found(form: str, m: Any, line: int, line_start: int) -> Found:
    g = m.group
    at = m.start(1) - line_start
    if form == "mdy":
        return Found(line, at, int(g(3)), _MONTHS[g(1).lower()], int(g(2)), form)
    if form == "dmy":
        return Found(line, at, int(g(3)), _MONTHS[g(2).lower()], int(g(1)), form)
    if form == "ymd":
        month = g(2) or g(4) or g(6)
        day = g(3) or g(5) or g(7)
        return Found(line, at, int(g(1)), int(month), int(day), form)
    if form == "num":
        # A dotted date (10.05.2023) is day first wherever it is written.
        settled = "dmy" if g(2) == "." else form
        first, second = int(g(1)), int(g(3))
        if settled == "dmy":
            return Found(line, at, int(g(4)), second, first, "ymd")
        return Found(line, at, int(g(4)), first, second, form)
    return Found(line, at, int(g(1)), int(g(2)), int(g(3)), form)


def _last_end(regex: Any, text: str) -> int:
    """Where the last match of ``regex`` in ``text`` ends, or -1."""
    end = -1
    for m in regex.finditer(text):
        end = m.end()
    return end


def _crawl_date(context: Mapping[str, str] | None) -> date | None:
    """The crawl (fetch) date the caller knows, from an ISO date or date-time."""
    raw = (context or {}).get("crawl_date")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None
