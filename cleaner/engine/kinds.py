"""Rule kinds: each one is its option declarations, its docs and a pure function over lines.

A document reaches the rules as a list of normalised lines (trimmed, spaces collapsed, at most
one blank line between paragraphs). Position guards count non-blank lines only, so that blank
line formatting never changes what a rule does.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, ClassVar

from bs4.element import PageElement, Tag

from cleaner.engine.options import (
    BOOL,
    INT,
    LIST,
    REGEX,
    SELECTOR,
    SELECTORS,
    STR,
    STR_OR_LIST,
    Option,
)
from cleaner.engine.regex import (
    LineIndex,
    LineMatches,
    PatternError,
    compile_pattern,
    literal_source,
    matched_lines,
    widened,
)
from cleaner.html.dom import (
    SelectorError,
    between_comments,
    compile_selector,
    outermost,
    render,
    render_run,
    text_size,
)

FIELDS = ("title", "author", "date_published", "date_updated")
DATE_FIELDS = ("date_published", "date_updated")


class KindError(ValueError):
    """A problem with a rule's options that only the kind can see (bad regex, bad format)."""

    def __init__(
        self, message: str, option: str | None = None, valid: tuple[str, ...] | None = None
    ):
        super().__init__(message)
        self.option = option
        self.valid = valid


# --- shared option groups -------------------------------------------------------------------

MATCH_OPTIONS = (
    Option(
        "pattern",
        REGEX,
        "RE2 regular expression searched within one line. Anchor it with "
        "`^...$` to match whole lines.",
    ),
    Option("literal", STR, "Plain text searched within one line."),
    Option("line", STR, "Plain text the whole (trimmed) line must equal."),
    Option(
        "lines",
        LIST,
        "Plain texts; a line matches when it equals any of them (a menu, a share bar).",
    ),
    Option("ignore_case", BOOL, "Match without regard to case.", default=False),
)
MATCHERS = ("pattern", "literal", "line", "lines")
GUARD_OPTIONS = (
    Option("first_lines", INT, "Only act among the first N non-blank lines.", minimum=1),
    Option(
        "last_lines",
        INT,
        "Only act among the last N non-blank lines. With `first_lines` "
        "too, a line in either region qualifies.",
        minimum=1,
    ),
    Option("max_words", INT, "Only act on lines of at most N words.", minimum=1),
)


@dataclass(frozen=True)
class Guards:
    first_lines: int | None
    last_lines: int | None
    max_words: int | None

    @classmethod
    def from_values(cls, v: Mapping[str, Any]) -> Guards:
        return cls(v.get("first_lines"), v.get("last_lines"), v.get("max_words"))

    @property
    def positional(self) -> bool:
        return self.first_lines is not None or self.last_lines is not None

    def allows_at(self, lines: list[str], i: int) -> bool:
        """Whether line ``i`` qualifies. Ranks among non-blank lines are counted only here, for
        lines a pattern matched, with list methods that run in C."""
        line = lines[i]
        if not line:
            return False
        if self.max_words is not None and len(line.split()) > self.max_words:
            return False
        if not self.positional:
            return True
        rank = i - lines[:i].count("")
        if self.first_lines is not None and rank < self.first_lines:
            return True
        if self.last_lines is None:
            return False
        return rank >= len(lines) - lines.count("") - self.last_lines

    def region(self, lines: list[str]) -> list[int]:
        """The non-blank lines that position guards allow (first and last N), in order."""
        head: list[int] = []
        if self.first_lines is not None:
            for i, line in enumerate(lines):
                if len(head) == self.first_lines:
                    break
                if line:
                    head.append(i)
        tail: list[int] = []
        if self.last_lines is not None:
            stop = head[-1] if head else -1
            for i in range(len(lines) - 1, stop, -1):
                if len(tail) == self.last_lines:
                    break
                if lines[i]:
                    tail.append(i)
        return head + tail[::-1]

    def hit_lines(self, regex: Any, lines: list[str], matches: LineMatches | None) -> list[int]:
        """The lines ``regex`` matches that the guards allow, in order. Position guards let it
        scan only the lines they allow; otherwise ``matches`` remembers what it found."""
        if self.positional and regex.line_local:
            among = self.region(lines)
            found = matched_lines(regex, [lines[i] for i in among])
            hits = [i for i in among if lines[i] in found]
        else:
            hits = (matches or LineMatches(lines)).lines_matching(regex, lines)
        return [i for i in hits if self.allows_at(lines, i)]


def matcher_source(values: Mapping[str, Any]) -> str:
    """The RE2 source for whichever of pattern / literal / line / lines was given."""
    if values.get("pattern") is not None:
        return str(values["pattern"])
    if values.get("literal") is not None:
        return literal_source(values["literal"])
    if values.get("lines") is not None:
        return "^(?:" + "|".join(literal_source(x) for x in values["lines"]) + ")$"
    return "^" + literal_source(values["line"]) + "$"


def prefilter_source(source: str, *, ignore_case: bool) -> str:
    """The per-line prefilter of a rule matching ``source``: a superset of it (``widened``)."""
    return widened(("(?i)" if ignore_case else "") + "(?m)" + source)


def compile_or_raise(source: str, *, ignore_case: bool, option: str, per_line: bool = True) -> Any:
    try:
        return compile_pattern(source, ignore_case=ignore_case, per_line=per_line)
    except PatternError as exc:
        raise KindError(f"{option} {exc}", option) from None


# --- base classes ---------------------------------------------------------------------------


class RuleKind(ABC):
    """A kind of rule. Subclasses declare ``name``, ``summary``, ``options`` and ``phase``."""

    name: ClassVar[str]
    summary: ClassVar[str]
    phase: ClassVar[str]  # "html", "extract", "chrome" or "filter"
    options: ClassVar[tuple[Option, ...]]
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    @property
    def prefilter(self) -> str | None:
        """A per-line RE2 source that must match somewhere for the rule to do anything."""
        return None

    def example_problems(self, example: Mapping[str, Any]) -> list[str]:
        """What an example lacks for this kind (e.g. an extract example without ``fields``)."""
        return []


class ChromeKind(RuleKind):
    phase = "chrome"
    # True when ``apply`` only ever drops lines (its result is a subsequence of its input): the
    # engine then knows no line is new without comparing them.
    only_drops: ClassVar[bool] = False

    @abstractmethod
    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        """Return the new lines, or None when the rule changes nothing. ``matches``, when
        given, remembers pattern matches for the document these lines are a state of."""

    def example_problems(self, example: Mapping[str, Any]) -> list[str]:
        return [] if "output" in example else ["needs 'output' (the expected text)"]


class MatchingChromeKind(ChromeKind):
    """A chrome kind that finds lines with pattern / literal / line / lines and guards."""

    one_of = (MATCHERS,)
    only_drops = True

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.source = matcher_source(values)
        option = next(k for k in MATCHERS if values.get(k) is not None)
        self.regex = compile_or_raise(self.source, ignore_case=values["ignore_case"], option=option)
        self.guards = Guards.from_values(values)

    @property
    def prefilter(self) -> str | None:
        return prefilter_source(self.source, ignore_case=self.values["ignore_case"])

    def hit_lines(self, lines: list[str], matches: LineMatches | None = None) -> list[int]:
        return self.guards.hit_lines(self.regex, lines, matches)


# --- chrome kinds ---------------------------------------------------------------------------


class DropLine(MatchingChromeKind):
    name = "drop_line"
    summary = "Drop every line that matches a regex, a literal or a whole line."
    options = (
        *MATCH_OPTIONS,
        *GUARD_OPTIONS,
        Option(
            "followed_by",
            REGEX,
            "RE2 pattern for the next non-blank line: a line goes only when that line matches "
            "it, and both go together (a photo caption and its counter `1 of 33`). Lines that "
            "match it themselves, or two in a row, are never part of a pair.",
        ),
    )

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        following = values.get("followed_by")
        self.followed_by = (
            None
            if following is None
            else compile_or_raise(following, ignore_case=False, option="followed_by")
        )

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        hits = set(self.hit_lines(lines, matches))
        if self.followed_by is not None:
            hits = _pairs(self.followed_by, lines, hits)
        if not hits:
            return None
        return _without(lines, hits)


def _without(lines: list[str], drop: set[int]) -> list[str]:
    """``lines`` less the lines numbered in ``drop``: deleting from a copy runs in C, a
    comprehension over every line does not."""
    out = lines.copy()
    for i in sorted(drop, reverse=True):
        del out[i]
    return out


def _pairs(regex: Any, lines: list[str], hits: set[int]) -> set[int]:
    """The hit lines whose next non-blank line matches ``regex``, with those next lines.

    Dropping both at once keeps the rule a fixpoint: the line above a dropped pair is not
    followed by a match now, so it never becomes the next "caption". Matches in a row are a
    list, not a caption's counter, and pair with nothing (else they would eat the lines above
    them one by one)."""
    nonblank = [k for k, line in enumerate(lines) if line]
    after = dict(pairwise(nonblank))
    pairs: set[int] = set()
    for i in sorted(hits):
        j = after.get(i)
        if j is None or regex.search(lines[i]) or not regex.search(lines[j]):
            continue
        k = after.get(j)
        if k is None or not regex.search(lines[k]):
            pairs.update((i, j))
    return pairs


class DropBlock(MatchingChromeKind):
    name = "drop_block"
    summary = (
        "Drop a block of lines that starts at a marker line and ends before an end line or "
        "before the next paragraph (a box of links or highlights inside the article)."
    )
    options = (
        *MATCH_OPTIONS,
        *GUARD_OPTIONS,
        Option(
            "until",
            REGEX,
            "RE2 pattern for the line after the block: the block ends before the first later "
            "line it matches, and that line stays.",
        ),
        Option(
            "until_longer_than",
            INT,
            "Or the block ends before the first later line of more than N words: boxes of "
            "links and highlights are short lines, a paragraph is not.",
            minimum=1,
        ),
        Option("keep_start", BOOL, "Keep the marker line that starts the block.", default=False),
        Option(
            "max_lines",
            INT,
            "A block is at most N non-blank lines, its start included; a start with no end "
            "within them drops nothing.",
            default=40,
            minimum=1,
        ),
    )

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        until = values.get("until")
        if until is None and values.get("until_longer_than") is None:
            raise KindError(
                "give until or until_longer_than: where the block ends",
                valid=("until", "until_longer_than"),
            )
        self.until = (
            None if until is None else compile_or_raise(until, ignore_case=False, option="until")
        )

    def _ends(self, line: str) -> bool:
        longer = self.values["until_longer_than"]
        if longer is not None and len(line.split()) > longer:
            return True
        return self.until is not None and self.until.search(line) is not None

    def _end_of(self, lines: list[str], start: int) -> int | None:
        """The index of the line that ends the block starting at ``start``, if in reach."""
        seen = 1
        for j in range(start + 1, len(lines)):
            if not lines[j]:
                continue
            if self._ends(lines[j]):
                return j
            seen += 1
            if seen > self.values["max_lines"]:
                return None
        return None

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        drop: set[int] = set()
        resume = 0
        for start in self.hit_lines(lines, matches):
            if start < resume:
                continue  # inside a block already dropped
            end = self._end_of(lines, start)
            if end is None:
                continue
            first = start + 1 if self.values["keep_start"] else start
            drop.update(i for i in range(first, end) if lines[i])
            resume = end
        if not drop:
            return None
        return _without(lines, drop)


class _Cut(MatchingChromeKind):
    options: ClassVar[tuple[Option, ...]] = (
        *MATCH_OPTIONS,
        *GUARD_OPTIONS,
        Option("keep_marker", BOOL, "Keep the marker line itself.", default=False),
        Option(
            "occurrence",
            STR,
            "Which marker line to cut at when several match.",
            default="first",
            choices=("first", "last"),
        ),
    )

    def marker(
        self, lines: list[str], start: int = 0, matches: LineMatches | None = None
    ) -> int | None:
        hits = [i for i in self.hit_lines(lines, matches) if i >= start]
        if not hits:
            return None
        return hits[0] if self.values["occurrence"] == "first" else hits[-1]


class CutAfter(_Cut):
    name = "cut_after"
    summary = "Drop everything after a marker line (a footer), with the marker kept or dropped."

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        at = self.marker(lines, matches=matches)
        if at is None:
            return None
        end = at + 1 if self.values["keep_marker"] else at
        return lines[:end] if any(lines[end:]) else None


class CutBefore(_Cut):
    name = "cut_before"
    summary = "Drop everything before a marker line (a header), with the marker kept or dropped."
    options = (
        *_Cut.options,
        Option(
            "keep_first_lines",
            INT,
            "Keep the first N non-blank lines and cut only between them and the marker: a "
            "scrape starts with the page title, often the only copy of the headline.",
            default=0,
            minimum=0,
        ),
    )

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        top = _after_nonblank(lines, self.values["keep_first_lines"])
        at = self.marker(lines, top, matches)
        if at is None:
            return None
        start = at if self.values["keep_marker"] else at + 1
        return lines[:top] + lines[start:] if any(lines[top:start]) else None


def _after_nonblank(lines: list[str], n: int) -> int:
    """The index just past the first ``n`` non-blank lines."""
    if n <= 0:
        return 0
    seen = 0
    for i, line in enumerate(lines):
        if line:
            seen += 1
            if seen == n:
                return i + 1
    return len(lines)


class StripSpan(ChromeKind):
    name = "strip_span"
    summary = "Remove a prefix, a suffix or every regex match inside a line; keep the rest."
    options = (
        Option("prefix", STR, "Plain text removed from the start of a line."),
        Option("suffix", STR, "Plain text removed from the end of a line."),
        Option("pattern", REGEX, "RE2 regular expression; every match in the line is removed."),
        Option("ignore_case", BOOL, "Match without regard to case.", default=False),
        GUARD_OPTIONS[0],
        GUARD_OPTIONS[1],
    )
    one_of = (("prefix", "suffix", "pattern"),)

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        if values.get("prefix") is not None:
            self.source, option = "^" + literal_source(values["prefix"]), "prefix"
        elif values.get("suffix") is not None:
            self.source, option = literal_source(values["suffix"]) + "$", "suffix"
        else:
            self.source, option = str(values["pattern"]), "pattern"
        self.regex = compile_or_raise(self.source, ignore_case=values["ignore_case"], option=option)
        self.guards = Guards.from_values(values)

    @property
    def prefilter(self) -> str | None:
        return prefilter_source(self.source, ignore_case=self.values["ignore_case"])

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        targets = self.guards.hit_lines(self.regex, lines, matches)
        if not targets:
            return None
        out = list(lines)
        changed = False
        for i in targets:
            new = " ".join(self.regex.sub("", lines[i]).split())
            if new != lines[i]:
                out[i] = new
                changed = True
        if not changed:
            return None
        # A line that was all span is gone; mark it for removal rather than leave a blank.
        return [line for i, line in enumerate(out) if line or not lines[i]]


_WORD_KEY = re.compile(r"[\W_]+")


class DropDuplicateLine(ChromeKind):
    name = "drop_duplicate_line"
    only_drops = True
    summary = (
        "Drop a line that repeats an earlier line near the top, compared without case, "
        "quotes or punctuation (a headline printed twice)."
    )
    options = (
        Option(
            "first_lines",
            INT,
            "Only compare among the first N non-blank lines.",
            required=True,
            minimum=2,
        ),
        Option(
            "keep",
            STR,
            "Which copy stays: the first, or the last (a page title above its own heading).",
            default="first",
            choices=("first", "last"),
        ),
    )

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        seen: dict[str, int] = {}
        drop: set[int] = set()
        rank = 0
        for i, line in enumerate(lines):
            if not line:
                continue
            if rank >= self.values["first_lines"]:
                break
            rank += 1
            key = _key(line)
            if not key:
                continue
            if key in seen:
                drop.add(i if self.values["keep"] == "first" else seen[key])
            seen[key] = i
        if not drop:
            return None
        return _without(lines, drop)


def _key(line: str) -> str:
    return _WORD_KEY.sub(" ", line.casefold()).strip()


def _headline_of(key: str, title: str) -> bool:
    """Whether a line (as a key) is the headline inside a page title (as " key "): the title is
    the headline with the site's name or sections on one side, or it is most of the title."""
    padded = f" {key} "
    if padded not in title:
        return False
    return title.startswith(padded) or title.endswith(padded) or 2 * len(padded) >= len(title)


class DropBeforeHeading(ChromeKind):
    name = "drop_before_heading"
    only_drops = True
    summary = (
        "Drop the lines between the first line (a scrape's page title) and the heading that "
        "repeats its headline: the menus a page prints above its heading. A headline split "
        "over two adjacent lines is one heading."
    )
    options = (
        Option(
            "first_lines",
            INT,
            "The heading must come within the first N non-blank lines.",
            required=True,
            minimum=2,
        ),
        Option(
            "min_words",
            INT,
            "A repeat counts only with at least N words (short lines repeat by chance).",
            default=3,
            minimum=1,
        ),
        Option(
            "max_words",
            INT,
            "The heading is the last repeat before the first line of more than N words: menus "
            "and links are short, paragraphs are not, so article text is never dropped.",
            default=15,
            minimum=1,
        ),
        Option(
            "keep",
            REGEX,
            "RE2 pattern; lines in between that match it stay (a date line above the heading).",
        ),
        Option(
            "keep_kicker",
            BOOL,
            "Keep the line just above the heading when it has at least `min_words` words and is "
            "not all capitals: a kicker, or the first half of a headline split over two lines "
            "(the menu entries a heading follows are shorter or in capitals).",
            default=False,
        ),
    )

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        keep = values.get("keep")
        self.keep = (
            None if keep is None else compile_or_raise(keep, ignore_case=False, option="keep")
        )

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        # The heading is the last repeat before the first paragraph: a page may print the
        # headline in a menu first. The title stays, so the result is a fixpoint.
        nonblank = [i for i, line in enumerate(lines) if line][: self.values["first_lines"]]
        if len(nonblank) < 3:
            return None
        top = nonblank[0]
        title = f" {_key(lines[top])} "
        heading = last = None  # last: the last repeat; heading: where its headline begins
        for n, i in enumerate(nonblank[1:], 1):
            key = _key(lines[i])
            if len(key.split()) >= self.values["min_words"] and _headline_of(key, title):
                above = nonblank[n - 1]
                # A headline split over two adjacent lines is one heading.
                split = last == above and _headline_of(f"{_key(lines[above])} {key}", title)
                heading = heading if split else i
                last = i
            elif len(key.split()) > self.values["max_words"]:
                break
        if heading is None:
            return None
        kicker = max((i for i in nonblank if top < i < heading), default=None)
        if kicker is not None and not self._kicker(lines[kicker]):
            kicker = None
        kept = [
            line
            for i, line in enumerate(lines[top + 1 : heading], top + 1)
            if i == kicker or self._kept(line)
        ]
        if len(kept) == heading - top - 1:
            return None
        return [*lines[: top + 1], *kept, *lines[heading:]]

    def _kept(self, line: str) -> bool:
        return bool(line) and self.keep is not None and self.keep.search(line) is not None

    def _kicker(self, line: str) -> bool:
        return (
            self.values["keep_kicker"]
            and len(_key(line).split()) >= self.values["min_words"]
            and any(c.islower() for c in line)
        )


# --- extraction ---------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"%(.)")
_YEAR = {"Y", "y", "G"}
_TIME = {"H", "I", "M", "S", "f", "z", "p"}


def _check_date_format(fmt: str) -> None:
    if fmt == "iso":
        return
    directives = set(_DIRECTIVE.findall(fmt))
    if not directives & _YEAR:
        raise KindError(
            f"date_format '{fmt}' has no year (%Y or %y): a year is never guessed",
            "date_format",
        )


def _date_formats(values: Mapping[str, Any]) -> list[str]:
    """The rule's date formats, checked: date fields need one with a year, others none."""
    fmt = values.get("date_format")
    formats: list[str] = [fmt] if isinstance(fmt, str) else list(fmt or [])
    if values["field"] in DATE_FIELDS:
        if not formats:
            raise KindError(f"field '{values['field']}' needs a date_format", "date_format")
        for f in formats:
            _check_date_format(f)
    elif formats:
        raise KindError(f"date_format only applies to {', '.join(DATE_FIELDS)}", "date_format")
    return formats


def parse_date(value: str, formats: list[str]) -> str | None:
    """Parse with the first format that fits; return ISO 8601 (date, or date-time if timed)."""
    text = " ".join(value.split())
    for fmt in formats:
        try:
            if fmt == "iso":
                parsed = datetime.fromisoformat(text)
                has_time = "T" in text or " " in text
            else:
                parsed = datetime.strptime(text, fmt)
                has_time = bool(set(_DIRECTIVE.findall(fmt)) & _TIME)
        except ValueError:
            continue
        if has_time:
            return parsed.isoformat()
        return parsed.date().isoformat()
    return None


class Extract(RuleKind):
    name = "extract"
    summary = (
        "Take a field (title, author or a date) from a regex capture, before chrome is removed."
    )
    phase = "extract"
    options = (
        Option("field", STR, "The field to fill.", required=True, choices=FIELDS),
        Option(
            "pattern",
            REGEX,
            "RE2 regex. The value is the group named `value`, else group 1, else the whole match.",
            required=True,
        ),
        Option(
            "scope",
            STR,
            "`line`: the pattern sees one line at a time. `text`: it sees the "
            "whole text, so it can use the lines around the value.",
            default="line",
            choices=("line", "text"),
        ),
        Option(
            "date_format",
            STR_OR_LIST,
            "For date fields: strptime format(s) tried in order, or "
            "`iso`. Each must contain a year: a year is never guessed.",
        ),
        Option(
            "occurrence",
            STR,
            "Use the first or the last match.",
            default="first",
            choices=("first", "last"),
        ),
        Option("ignore_case", BOOL, "Match without regard to case.", default=False),
        GUARD_OPTIONS[0],
        GUARD_OPTIONS[1],
    )

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        per_line = values["scope"] == "line"
        self.source = str(values["pattern"])
        self.regex = compile_or_raise(
            self.source, ignore_case=values["ignore_case"], option="pattern", per_line=per_line
        )
        self.group: int | str = (
            "value" if "value" in self.regex.groupindex else (1 if self.regex.groups else 0)
        )
        self.formats = _date_formats(values)
        self.guards = Guards.from_values(values)

    @property
    def field(self) -> str:
        return str(self.values["field"])

    @property
    def prefilter(self) -> str | None:
        # A text-scope pattern may span lines, which a per-line set cannot test: always run it.
        if self.values["scope"] != "line":
            return None
        return prefilter_source(self.source, ignore_case=self.values["ignore_case"])

    def extract(self, lines: list[str]) -> str | None:
        if not lines:
            return None
        index = LineIndex(lines)
        found: str | None = None
        for m in self.regex.finditer(index.text):
            raw = m.group(self.group)
            if raw is None:
                continue
            i = index.line_of(m.start(self.group))
            if not self.guards.allows_at(lines, i):
                continue
            value = self.convert(raw)
            if value is None:
                continue
            found = value
            if self.values["occurrence"] == "first":
                break
        return found

    def convert(self, raw: str) -> str | None:
        if self.field in DATE_FIELDS:
            return parse_date(raw, self.formats)
        value = " ".join(raw.split())
        return value or None

    def example_problems(self, example: Mapping[str, Any]) -> list[str]:
        return [] if "fields" in example else ["needs 'fields' (the expected values)"]


# --- HTML rules (site packs for pages; they run before the text rules) -----------------------


def _selectors(values: Mapping[str, Any]) -> Any:
    given = values["selector"]
    try:
        return compile_selector([given] if isinstance(given, str) else list(given))
    except SelectorError as exc:
        raise KindError(str(exc), "selector") from None


class HtmlKind(RuleKind):
    """A rule over the parsed page (beautifulsoup4 on lxml), before the text is taken."""

    phase = "html"

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.selector: Any = None if values.get("selector") is None else _selectors(values)

    def example_problems(self, example: Mapping[str, Any]) -> list[str]:
        want = "fields" if isinstance(self, HtmlField) else "output"
        return [] if want in example else [f"needs '{want}' (the expected {want})"]


class HtmlRemove(HtmlKind):
    name = "html_remove"
    summary = (
        "Remove the page elements a CSS selector matches (share bars, related links, comments) "
        "before the text is taken."
    )
    options = (
        Option(
            "selector",
            SELECTORS,
            "CSS selector(s), e.g. `.share-bar`, `aside.related`, `div#comments`. "
            "Each matching element goes with everything inside it.",
            required=True,
        ),
    )

    def apply(self, soup: Tag) -> tuple[int, int]:
        """Remove the matches; return (characters of text removed, elements removed)."""
        hits = outermost(self.selector.select(soup))
        removed = sum(text_size(h) for h in hits)
        for hit in hits:
            hit.decompose()
        return removed, len(hits)


class HtmlBody(HtmlKind):
    name = "html_body"
    summary = (
        "Take the article text from the elements a CSS selector matches, in page order, "
        "instead of the generic extractor; or from between two HTML comments."
    )
    options = (
        Option(
            "selector",
            SELECTORS,
            "CSS selector(s) for the article body. When nothing matches, the generic "
            "extractor takes the page and the record's `extractor` says so.",
        ),
        Option(
            "start_comment",
            REGEX,
            "Instead of `selector`: RE2 pattern for the HTML comment an old template puts "
            "before its story (`<!-- TextStart -->`); the body is everything after the first "
            "comment it matches, up to the next comment `end_comment` matches.",
        ),
        Option(
            "end_comment",
            REGEX,
            "With `start_comment`: RE2 pattern for the comment after the story. When either "
            "comment is missing, the rule does not match.",
        ),
        Option(
            "include",
            SELECTORS,
            "CSS selector(s) of elements taken with the body, in page order (headline, "
            "byline, dateline); only when the body matches.",
        ),
    )
    one_of = (("selector", "start_comment"),)

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.comments: tuple[Any, Any] | None = None
        start, end = values.get("start_comment"), values.get("end_comment")
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
        include = values.get("include")
        self.include: Any = None
        self.everything = self.selector  # body and included elements, one page-order select
        if include is not None:
            includes = [include] if isinstance(include, str) else list(include)
            try:
                self.include = compile_selector(includes)
                if self.selector is not None:
                    body = values["selector"]
                    self.everything = compile_selector(
                        [body, *includes] if isinstance(body, str) else [*body, *includes]
                    )
            except SelectorError as exc:
                raise KindError(str(exc), "include") from None

    def text(self, soup: Tag) -> str | None:
        """The body's text, or None when the rule does not match the page."""
        if self.comments is not None:
            run = between_comments(soup, *self.comments)
            if run is None:
                return None
            included = [] if self.include is None else list(self.include.select(soup))
            return _with_included(soup, run, included)
        if self.selector.select_one(soup) is None:
            return None
        return render(outermost(self.everything.select(soup)))


def _with_included(soup: Tag, run: list[PageElement], included: list[Tag]) -> str:
    """A comment-marked run of nodes with the included elements outside it, in page order:
    the run reads as one stream, each included element as a paragraph of its own."""
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


class HtmlField(HtmlKind):
    name = "html_field"
    summary = (
        "Take title, author or a date from the page element a CSS selector matches; "
        "it overrides what the page's metadata says."
    )
    options = (
        Option("field", STR, "The field to fill.", required=True, choices=FIELDS),
        Option(
            "selector",
            SELECTOR,
            "CSS selector; the first matching element with a value is used.",
            required=True,
        ),
        Option(
            "attribute",
            STR,
            "Take this attribute (e.g. `datetime`, `content`) instead of the element's text.",
        ),
        Option(
            "pattern",
            REGEX,
            "RE2 regex applied to the value: the group named `value`, else group 1, "
            "else the whole match.",
        ),
        Option(
            "date_format",
            STR_OR_LIST,
            "For date fields: strptime format(s) tried in order, or `iso`. Each must "
            "contain a year: a year is never guessed.",
        ),
    )

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.regex = None
        self.group: int | str = 0
        if values.get("pattern") is not None:
            self.regex = compile_or_raise(
                str(values["pattern"]), ignore_case=False, option="pattern", per_line=False
            )
            self.group = (
                "value" if "value" in self.regex.groupindex else (1 if self.regex.groups else 0)
            )
        self.formats = _date_formats(values)

    @property
    def field(self) -> str:
        return str(self.values["field"])

    def extract(self, soup: Tag) -> str | None:
        attribute = self.values.get("attribute")
        for el in self.selector.select(soup):
            raw = el.get(attribute) if attribute else render(el)
            if isinstance(raw, list):  # multi-valued attributes such as class
                raw = " ".join(raw)
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
        if self.field in DATE_FIELDS:
            return parse_date(raw, self.formats)
        value = " ".join(raw.split())
        return value or None


# --- document filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class FilterResult:
    code: str
    message: str
    field: str | None = None


class FilterKind(RuleKind):
    phase = "filter"

    @abstractmethod
    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        """Return why the document is rejected, or None to keep it.

        ``fields`` are the record's fields so far (title, author, dates, ``lang``, and
        ``n_words`` when the pipeline has counted them); a check computes what is missing."""

    def example_problems(self, example: Mapping[str, Any]) -> list[str]:
        return [] if "rejects" in example else ["needs 'rejects' (a reason code, or null to keep)"]


class MinWords(FilterKind):
    name = "min_words"
    summary = "Reject a document left with too few words after cleaning."
    options = (
        Option("min", INT, "The fewest words a kept document has.", required=True, minimum=1),
    )

    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        n = fields.get("n_words")
        if not isinstance(n, int):  # the pipeline counts once for the record; others may not
            n = len(text.split())
        if n < self.values["min"]:
            return FilterResult(
                "too_short", f"{n} words left after cleaning; at least {self.values['min']} needed"
            )
        return None


class AllowedLanguages(FilterKind):
    name = "allowed_languages"
    summary = "Reject a document whose detected language is not in an allowlist."
    options = (Option("languages", LIST, "ISO 639-1 codes to keep, e.g. [en, de].", required=True),)

    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        lang = fields.get("lang")
        if lang not in self.values["languages"]:
            return FilterResult(
                "lang_not_allowed",
                f"language '{lang}' is not in {', '.join(self.values['languages'])}",
                "lang",
            )
        return None


class RequiredFields(FilterKind):
    name = "required_fields"
    summary = "Reject a document that lacks any of the named fields."
    options = (
        Option(
            "fields",
            LIST,
            "Fields that must be present: " + ", ".join(FIELDS) + ", lang.",
            required=True,
        ),
    )

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        allowed = (*FIELDS, "lang")
        for f in values["fields"]:
            if f not in allowed:
                raise KindError(f"unknown field '{f}'", "fields", allowed)

    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        for f in self.values["fields"]:
            if not fields.get(f):
                return FilterResult("missing_field", f"required field '{f}' is missing", f)
        return None


KINDS: dict[str, type[RuleKind]] = {
    k.name: k
    for k in (
        DropLine,
        DropBlock,
        CutBefore,
        CutAfter,
        StripSpan,
        DropDuplicateLine,
        DropBeforeHeading,
        Extract,
        HtmlRemove,
        HtmlBody,
        HtmlField,
        MinWords,
        AllowedLanguages,
        RequiredFields,
    )
}
