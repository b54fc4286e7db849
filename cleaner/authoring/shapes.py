"""Mine recurring line *shapes*: lines that differ from page to page only in their numbers
("143 Comments", "3 captures", "Page 1 / 2", "12 seconds ago"). No one of them recurs, so
:func:`cleaner.authoring.mining.choose_lines` cannot take them (it even holds such lines back as
the day's, :class:`cleaner.authoring.daily.Daily`); their shape, the line with each run of
digits read as ``\\d+``, recurs on many pages.

Part of the miner behind ``cleaner suggest`` (:mod:`cleaner.authoring.mining`): pure functions
over a :class:`~cleaner.authoring.mining.Corpus` and the lines its cuts and groups leave. A
shape whose lines are dates, bylines or credits (:func:`~cleaner.authoring.mining.is_metadata`)
or a headline is never taken: such lines belong to the article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from cleaner.authoring.mining import Corpus, is_metadata, zone

_DIGITS = re.compile(r"\d+")
_META = re.compile(r"([\\.^$|?*+()\[\]{}])")
MAX_WORDS = 12  # a shape is a short line (a counter, a label with a number), not a sentence
MIN_VARIANTS = 2  # a shape seen with one number only is a whole line (choose_lines' business)


@dataclass
class Shape:
    """Lines of one shape: the RE2 pattern that matches them all, and the evidence."""

    pattern: str
    pages: set[int] = field(default_factory=set)
    hits: int = 0
    outside: int = 0  # hits outside the estimated article text
    variants: Counter[str] = field(default_factory=Counter)
    instances: list[tuple[int, int]] = field(default_factory=list)  # (page, line index)


def shape_of(line: str) -> str:
    """The line as an anchored RE2 pattern, each run of digits matching any run of digits."""
    parts = _DIGITS.split(line)
    return "^" + r"\d+".join(_META.sub(r"\\\1", p) for p in parts) + "$"


def choose_shapes(corpus: Corpus, kept: Sequence[Sequence[int]]) -> list[Shape]:
    """Shapes of the lines left (``kept``: indices per page) that recur on as many pages as a
    recurring line must, in several variants; most pages first."""
    found: dict[str, Shape] = {}
    for p, idx in enumerate(kept):
        layout = corpus.layouts[p]
        for i in idx:
            line = corpus.pages[p][i]
            if not _DIGITS.search(line) or len(line.split()) > MAX_WORDS:
                continue
            key = shape_of(line)
            shape = found.get(key)
            if shape is None:
                shape = found[key] = Shape(key)
            shape.pages.add(p)
            shape.hits += 1
            shape.outside += zone(layout, i) == "outside"
            shape.variants[line] += 1
            shape.instances.append((p, i))
    chosen = [
        s
        for s in found.values()
        if len(s.pages) >= corpus.threshold
        and len(s.variants) >= MIN_VARIANTS
        and not any(is_metadata(v) or corpus.is_headline(v) for v in s.variants)
    ]
    chosen.sort(key=lambda s: (-len(s.pages), s.pattern))
    return chosen
