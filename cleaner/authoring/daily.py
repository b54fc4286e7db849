"""Lines a site's pages share only for a day: that day's trending searches and top stories, or
a line whose number changes ("Updated 3 hours ago", a score, a temperature). They recur, yet
are the day's content, not the site's chrome, so `suggest` makes no rule of them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

Days = Sequence[str | None] | None
_NUMBER = re.compile(r"[0-9]+")


class Daily:
    """``days`` is the day each page was fetched, or None where it is not known."""

    def __init__(
        self, pages: Sequence[list[str]], df: Counter[str], threshold: int, days: Days
    ) -> None:
        # For each recurring line, the fetch days of the pages it is on (pages with a day).
        self.line_days: dict[str, Counter[str]] = {}
        if days is not None and len({d for d in days if d}) > 1:
            for lines, day in zip(pages, days, strict=True):
                for line in set(lines) if day else ():
                    if day and df[line] >= threshold:
                        self.line_days.setdefault(line, Counter())[day] += 1
        # Lines that differ only in their numbers: each recurring one varies.
        shapes: dict[str, set[str]] = {}
        for line in df:
            if _NUMBER.search(line):
                shapes.setdefault(_NUMBER.sub("0", line), set()).add(line)
        self.varying = {
            line
            for variants in shapes.values()
            if len(variants) > 1
            for line in variants
            if df[line] >= threshold
        }

    def only_today(self, line: str) -> bool:
        """The line recurs on pages fetched on one day only, though the pages span several, or
        other pages show it with other numbers."""
        if line in self.varying:
            return True
        days = self.line_days.get(line)
        return days is not None and days.total() >= 2 and len(days) == 1
