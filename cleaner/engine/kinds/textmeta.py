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
from itertools import compress
from operator import itemgetter
from typing import Any

from cleaner.engine.kinds.base import DATE_FIELDS, EXTRACT, KindOptions, RuleKind, compile_or_raise
from cleaner.engine.kinds.textdates import FORMS, URL_DATE, Found, page_order, scan, settled
from cleaner.engine.options import BOOL, INT, REGEX, STR, option
from cleaner.words import word_estimate

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


def _cjk(text: str) -> bool:
    """Whether ``text`` is written in Chinese or Japanese characters (no spaces between
    words, so a word count says nothing)."""
    return any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text[:20])


def _nonblank(lines: list[str], limit: int) -> list[int]:
    """The indexes of the first ``limit`` non-blank lines. Normalised text has at most one
    blank line between two others, so they lie within the first ``2 * limit`` lines."""
    # compress keeps the non-blank lines' indexes in C, with no Python step per line.
    return list(compress(range(2 * limit), lines[: 2 * limit]))[:limit]


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


_HEAD = itemgetter(slice(8))


class _Last:
    """The last headline found, with the lines and options it was found for."""

    entry: tuple[list[str], TitleOptions, tuple[int, str] | None] | None = None


def find_title(lines: list[str], opts: TitleOptions) -> tuple[int, str] | None:
    """The headline line and its index (see ``_find_title``). The title rule and the date
    rules' headline read the same lines in a round: the last answer is kept, and reused for
    lines equal to the last ones (a list compare runs in C, and the rules share the strings)."""
    entry = _Last.entry
    if entry is not None and entry[1] == opts and entry[0] == lines:
        return entry[2]
    found = _find_title(lines, opts)
    _Last.entry = (lines.copy(), opts, found)
    return found


def _find_title(lines: list[str], opts: TitleOptions) -> tuple[int, str] | None:
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
    heads = list(map(_HEAD, map(folded.__getitem__, region)))
    for t in region[: opts.title_lines]:
        whole = folded[t]
        # Only a line whose first characters the title line holds can be its headline: map
        # and compress pick those in C, so the loop below runs for a few lines, not hundreds.
        for i in compress(region, map(whole.__contains__, heads)):
            head = folded[i]
            if i == t or not opts.min_chars <= len(head) <= len(whole):
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
            (name, compile_or_raise(src, ignore_case=True, option="form")) for name, src in FORMS
        )
        self.labels = compile_or_raise(opts.labels, ignore_case=True, option="labels")
        self.other = (
            compile_or_raise(opts.other_labels, ignore_case=True, option="other_labels")
            if opts.other_labels
            else None
        )
        self.url_date = compile_or_raise(URL_DATE, ignore_case=False, option="url")
        self.title_options = TitleOptions(first_lines=opts.first_lines)

    @property
    def field(self) -> str:
        return self.options.field

    def found(self, lines: list[str], region: list[int] | None = None) -> list[Found]:
        """Every date written in the first lines (``region``, when the caller has them), in
        text order."""
        if region is None:
            region = _nonblank(lines, self.options.first_lines)
        if not region:
            return []
        return scan(self.forms, lines, region[-1] + 1, self.options.max_words)

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
        region = _nonblank(lines, opts.first_lines)
        found = self.found(lines, region)
        order = opts.order if opts.order != "auto" else page_order(found)
        crawled = _crawl_date(context)
        # The headline places unlabelled dates only: with no date in the text, it is not needed.
        anchor = find_anchor(lines, self.title_options) if opts.unlabelled and found else None
        top = set(_nonblank(lines, opts.bare_lines))
        near: set[int] = set()
        after_window: set[int] = set()
        if anchor is not None:
            after = [i for i in region if i > anchor]
            near = set(after[: opts.near_title])
            after_window = set(after[: opts.date_line_window])
            near.update(i for i in range(max(0, anchor - 2), anchor) if lines[i])
            # A template may put the date line above the headline (a kicker, the byline).
            head = [i for i in region if i < anchor]
            after_window.update(head[-opts.date_line_above :] if opts.date_line_above else ())
        out: list[tuple[int, int, date]] = []
        per_line = Counter(f.line for f in found)
        for f in found:
            when = settled(f, order)
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
            elif f.line in after_window and word_estimate(lines[f.line]) <= opts.date_line_words:
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
