"""Cut kinds: everything before or after a marker line goes (a page's header or footer)."""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.engine.kinds.base import MatchGuardOptions, MatchingChromeKind
from cleaner.engine.options import BOOL, INT, STR, option
from cleaner.engine.regex import LineMatches


@dataclass(frozen=True, kw_only=True)
class CutOptions(MatchGuardOptions):
    keep_marker: bool = option(BOOL, "Keep the marker line itself.", default=False)
    occurrence: str = option(
        STR,
        "Which marker line to cut at when several match.",
        default="first",
        choices=("first", "last"),
    )


@dataclass(frozen=True, kw_only=True)
class CutBeforeOptions(CutOptions):
    keep_first_lines: int = option(
        INT,
        "Keep the first N non-blank lines and cut only between them and the marker: a scrape "
        "starts with the page title, often the only copy of the headline.",
        default=0,
        minimum=0,
    )


class _Cut(MatchingChromeKind):
    options: CutOptions

    def marker(
        self, lines: list[str], start: int = 0, matches: LineMatches | None = None
    ) -> int | None:
        hits = [i for i in self.hit_lines(lines, matches) if i >= start]
        if not hits:
            return None
        return hits[0] if self.options.occurrence == "first" else hits[-1]


class CutAfter(_Cut):
    name = "cut_after"
    summary = "Drop everything after a marker line (a footer), with the marker kept or dropped."
    Options = CutOptions

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        at = self.marker(lines, matches=matches)
        if at is None:
            return None
        end = at + 1 if self.options.keep_marker else at
        return lines[:end] if any(lines[end:]) else None


class CutBefore(_Cut):
    name = "cut_before"
    summary = "Drop everything before a marker line (a header), with the marker kept or dropped."
    Options = CutBeforeOptions
    options: CutBeforeOptions

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        top = _after_nonblank(lines, self.options.keep_first_lines)
        at = self.marker(lines, top, matches)
        if at is None:
            return None
        start = at if self.options.keep_marker else at + 1
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
