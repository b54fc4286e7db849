"""Block kinds: a run of lines that starts at a marker and ends before an end line (a box of
links or highlights inside the article)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cleaner.engine.kinds.base import (
    KindError,
    KindOptions,
    MatchGuardOptions,
    MatchingChromeKind,
    compile_or_raise,
    without,
)
from cleaner.engine.options import BOOL, INT, REGEX, option
from cleaner.engine.regex import LineMatches


@dataclass(frozen=True, kw_only=True)
class DropBlockOptions(MatchGuardOptions):
    until: str | None = option(
        REGEX,
        "RE2 pattern for the line after the block: the block ends before the first later line "
        "it matches, and that line stays.",
    )
    until_longer_than: int | None = option(
        INT,
        "Or the block ends before the first later line of more than N words: boxes of links "
        "and highlights are short lines, a paragraph is not.",
        minimum=1,
    )
    keep_marker: bool = option(BOOL, "Keep the marker line that starts the block.", default=False)
    max_lines: int = option(
        INT,
        "A block is at most N non-blank lines, its start included; a start with no end "
        "within them drops nothing.",
        default=40,
        minimum=1,
    )


class DropBlock(MatchingChromeKind):
    name = "drop_block"
    summary = (
        "Drop a block of lines that starts at a marker line and ends before an end line or "
        "before the next paragraph (a box of links or highlights inside the article)."
    )
    Options = DropBlockOptions
    options: DropBlockOptions
    renamed: ClassVar[dict[str, str]] = {"keep_start": "keep_marker"}

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        until = self.options.until
        if until is None and self.options.until_longer_than is None:
            raise KindError(
                "give until or until_longer_than: where the block ends",
                valid=("until", "until_longer_than"),
            )
        self.until = (
            None if until is None else compile_or_raise(until, ignore_case=False, option="until")
        )

    def _ends(self, line: str) -> bool:
        longer = self.options.until_longer_than
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
            if seen > self.options.max_lines:
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
            first = start + 1 if self.options.keep_marker else start
            drop.update(i for i in range(first, end) if lines[i])
            resume = end
        if not drop:
            return None
        return without(lines, drop)
