"""Line kinds: rules that drop whole lines (a share bar, a caption, a headline printed twice)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

from cleaner.engine.kinds.base import (
    ChromeKind,
    KindOptions,
    MatchGuardOptions,
    MatchingChromeKind,
    compile_or_raise,
    without,
)
from cleaner.engine.options import BOOL, INT, REGEX, STR, option
from cleaner.engine.regex import LineMatches


@dataclass(frozen=True, kw_only=True)
class DropLineOptions(MatchGuardOptions):
    followed_by: str | None = option(
        REGEX,
        "RE2 pattern for the next non-blank line: a line goes only when that line matches it, "
        "and both go together (a photo caption and its counter `1 of 33`). Lines that match it "
        "themselves, or two in a row, are never part of a pair.",
        reason="A pair of lines goes together or not at all, which no single-line match or "
        "guard can say; dropping them apart would leave a counter or eat the line above.",
    )


class DropLine(MatchingChromeKind):
    name = "drop_line"
    summary = "Drop every line that matches a regex, a literal or a whole line."
    Options = DropLineOptions
    options: DropLineOptions

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        following = self.options.followed_by
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
        return without(lines, hits)


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


_WORD_KEY = re.compile(r"[\W_]+")


def _key(line: str) -> str:
    return _WORD_KEY.sub(" ", line.casefold()).strip()


@dataclass(frozen=True, kw_only=True)
class DropDuplicateLineOptions(KindOptions):
    first_lines: int = option(
        INT, "Only compare among the first N non-blank lines.", required=True, minimum=2
    )
    keep_copy: str = option(
        STR,
        "Which copy stays: the first, or the last (a page title above its own heading).",
        default="first",
        choices=("first", "last"),
    )


class DropDuplicateLine(ChromeKind):
    name = "drop_duplicate_line"
    only_drops = True
    keeps_normal = True
    summary = (
        "Drop a line that repeats an earlier line near the top, compared without case, "
        "quotes or punctuation (a headline printed twice)."
    )
    Options = DropDuplicateLineOptions
    options: DropDuplicateLineOptions
    renamed: ClassVar[dict[str, str]] = {"keep": "keep_copy"}

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        seen: dict[str, int] = {}
        drop: set[int] = set()
        rank = 0
        keep_first = self.options.keep_copy == "first"
        for i, line in enumerate(lines):
            if not line:
                continue
            if rank >= self.options.first_lines:
                break
            rank += 1
            key = _key(line)
            if not key:
                continue
            if key in seen:
                drop.add(i if keep_first else seen[key])
            seen[key] = i
        if not drop:
            return None
        return without(lines, drop)


def _headline_of(key: str, title: str) -> bool:
    """Whether a line (as a key) is the headline inside a page title (as " key "): the title is
    the headline with the site's name or sections on one side, or it is most of the title."""
    padded = f" {key} "
    if padded not in title:
        return False
    return title.startswith(padded) or title.endswith(padded) or 2 * len(padded) >= len(title)


@dataclass(frozen=True, kw_only=True)
class DropBeforeHeadingOptions(KindOptions):
    first_lines: int = option(
        INT,
        "The heading must come within the first N non-blank lines.",
        required=True,
        minimum=2,
    )
    min_words: int = option(
        INT,
        "A repeat counts only with at least N words (short lines repeat by chance).",
        default=3,
        minimum=1,
    )
    until_longer_than: int = option(
        INT,
        "Look for the heading only above the first line of more than N words: menus and links "
        "are short, paragraphs are not, so article text is never dropped.",
        default=15,
        minimum=1,
    )
    keep_pattern: str | None = option(
        REGEX, "RE2 pattern; lines in between that match it stay (a date line above the heading)."
    )
    keep_kicker: bool = option(
        BOOL,
        "Keep the line just above the heading when it has at least `min_words` words and is "
        "not all capitals: a kicker, or the first half of a headline split over two lines "
        "(the menu entries a heading follows are shorter or in capitals).",
        default=False,
        reason="Whether a line is a kicker depends on where the heading is, which a "
        "`keep_pattern` cannot see.",
    )


class DropBeforeHeading(ChromeKind):
    name = "drop_before_heading"
    only_drops = True
    keeps_normal = True
    summary = (
        "Drop the lines between the first line (a scrape's page title) and the heading that "
        "repeats its headline: the menus a page prints above its heading. A headline split "
        "over two adjacent lines is one heading."
    )
    Options = DropBeforeHeadingOptions
    options: DropBeforeHeadingOptions
    renamed: ClassVar[dict[str, str]] = {
        "keep": "keep_pattern",
        "max_words": "until_longer_than",
    }

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        keep = self.options.keep_pattern
        self.keep = (
            None
            if keep is None
            else compile_or_raise(keep, ignore_case=False, option="keep_pattern")
        )

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        # The heading is the last repeat before the first paragraph: a page may print the
        # headline in a menu first. The title stays, so the result is a fixpoint.
        opts = self.options
        nonblank = [i for i, line in enumerate(lines) if line][: opts.first_lines]
        if len(nonblank) < 3:
            return None
        top = nonblank[0]
        title = f" {_key(lines[top])} "
        heading = last = None  # last: the last repeat; heading: where its headline begins
        for n, i in enumerate(nonblank[1:], 1):
            key = _key(lines[i])
            if len(key.split()) >= opts.min_words and _headline_of(key, title):
                above = nonblank[n - 1]
                # A headline split over two adjacent lines is one heading.
                split = last == above and _headline_of(f"{_key(lines[above])} {key}", title)
                heading = heading if split else i
                last = i
            elif len(key.split()) > opts.until_longer_than:
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
            self.options.keep_kicker
            and len(_key(line).split()) >= self.options.min_words
            and any(c.islower() for c in line)
        )
