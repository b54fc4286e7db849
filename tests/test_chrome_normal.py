"""Shortcuts that rest on the shape of normalised text, checked on lines made of every kind of
space, break, separator and invisible character normalising deals with:

- a chrome kind that declares ``keeps_normal`` leaves normalised lines normalised, so the
  normalise step may skip what it returns (``cleaner.steps.document.Chrome``);
- ``count_spaced_words`` counts a normalised text's words as ``str.split()`` does.
"""

from __future__ import annotations

import random

import pytest

from cleaner.engine.kinds import CHROME
from cleaner.engine.kinds.base import ChromeKind
from cleaner.engine.kinds.spans import StripSpan
from cleaner.steps.normalize import (
    collapse_blank_lines,
    count_spaced_words,
    join_lines,
    normalize_lines,
)

# What a line can hold: words, ASCII and Unicode spaces, separators str.split() takes for
# spaces, invisible characters and line breaks of every kind.
PIECES = [
    "a", "b", "ab", "Share", "x", " ", "  ", "\t", "\u00a0", "\u3000", "\u2009", "\u200b",
    "\ufeff", "\u00ad", "\x1c", "\x1f", "\r", "\u2028", "\x85", "\n", "\n\n", ".", "é",
]  # fmt: skip
PATTERNS = ["a", "b+", "^a", "a$", "Share", r"\s", "x.", "[ab]", r"\x{1c}", "é ?"]


def _texts(n: int) -> list[str]:
    rng = random.Random(7)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(n)]


def _strip(pattern: str, **guards: int) -> StripSpan:
    kind = StripSpan.from_values(
        {"pattern": pattern, "ignore_case": False, "first_lines": None, "last_lines": None} | guards
    )
    assert isinstance(kind, StripSpan)
    return kind


@pytest.mark.parametrize("pattern", PATTERNS)
def test_strip_span_keeps_normalised_lines_normalised(pattern: str) -> None:
    kinds = [_strip(pattern), _strip(pattern, last_lines=2)]
    fired = 0
    for text in _texts(400):
        lines = normalize_lines(text)
        for kind in kinds:
            out = kind.apply(lines)
            if out is None:
                continue
            fired += 1
            new = collapse_blank_lines(out)
            assert normalize_lines(join_lines(new)) == new, (text, pattern)
    assert fired > 20, "the rule must fire"


def test_every_kind_that_keeps_normal_says_why() -> None:
    # Only kinds that drop whole lines, and strip_span (checked above), may declare it.
    kinds = [k for k in _chrome_kinds() if k.keeps_normal]
    assert StripSpan in kinds
    for kind in kinds:
        assert kind.only_drops or kind is StripSpan, kind.name


def _chrome_kinds() -> list[type[ChromeKind]]:
    from cleaner.engine.kinds import KINDS

    return [k for k in KINDS.values() if k.phase == CHROME and issubclass(k, ChromeKind)]


def test_count_words_of_normalised_text_is_what_split_gives() -> None:
    texts = _texts(3000)
    for text in texts:
        normal = join_lines(normalize_lines(text))
        assert count_spaced_words(normal, normalised=True) == len(normal.split()), repr(normal)
        assert count_spaced_words(text) == len(text.split())
    assert any("\n\n" in join_lines(normalize_lines(t)) for t in texts), "blank lines too"
