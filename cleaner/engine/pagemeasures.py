"""The boilerplate model's measures of a page's lines at once: ``_line``'s measures
(``cleaner.engine.linemeasures``) of every line, as a list per measure, with the counts taken over
the page's bytes and tokens and split per line, so Python runs a few steps per line instead of a
few dozen. ``measure_lines`` takes the lines without CJK characters (the scorer measures those
one by one with ``_line``).

A new measure goes in ``_line`` and in ``measure_lines``, a new own feature in ``_own`` and in
``own_columns``: ``tests/test_boilerplate_speed.py`` checks that each gives what ``_line`` gives.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import cache
from itertools import accumulate, compress, repeat
from operator import add, contains, is_not, itemgetter, or_, sub, truediv
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.engine.linemeasures import (
    _ASCII,
    _BODY_WORDS,
    _BYLINE,
    _CLOSERS,
    _DATE_ASCII,
    _DIGIT,
    _ENDS,
    _FIRST,
    _NOT_DIGIT,
    _NOT_DIGIT_WIDE,
    _NOT_LETTER,
    _NOT_LETTER_WIDE,
    _NOT_LETTERS,
    _NOT_UPPER,
    _NOT_UPPER_WIDE,
    _PUNCT,
    _SEPARATOR,
    _SHORT_WORDS,
    _dated,
    _Line,
)

Columns = dict[str, list[Any]]  # a list per field of ``_Line``

_LAST = itemgetter(slice(-1, None))
# The byte tables keeping the newline, to count a page of lines at once and split the counts.
_NOT_LETTER_NL, _NOT_UPPER_NL, _NOT_DIGIT_NL, _NOT_LETTER_WIDE_NL, _NOT_UPPER_WIDE_NL = (
    table.replace(b"\n", b"")
    for table in (_NOT_LETTER, _NOT_UPPER, _NOT_DIGIT, _NOT_LETTER_WIDE, _NOT_UPPER_WIDE)
)
_NOT_DIGIT_WIDE_NL = _NOT_DIGIT_WIDE.replace(b"\n", b"")
_ASCII_NL = _ASCII.replace(b"\n", b"")
# Each ASCII character as its shape: a space (str.split's whitespace), U (upper case) or x.
_SHAPES = bytes.maketrans(
    bytes(range(128)),
    bytes(
        10 if b == 10 else 32 if chr(b).isspace() else 85 if chr(b).isupper() else 120
        for b in range(128)
    ),
)


@cache
def _codes(stops: frozenset[str], chrome: frozenset[str]) -> dict[str, str]:
    """A stripped token's code letter: s a stop word, c a chrome word, b both, - punctuation
    alone (no word); any other word is w."""
    codes = dict.fromkeys(stops, "s")
    for word in chrome:
        codes[word] = "b" if word in stops else "c"
    codes[""] = "-"
    return codes


def _per_line(values: Any, lengths: list[int]) -> list[Any]:
    """The sums of ``values`` (one per token) over each line's ``lengths`` tokens."""
    sums = list(accumulate(values, initial=0))
    ends = list(accumulate(lengths))
    return list(map(sub, map(sums.__getitem__, ends), map(sums.__getitem__, [0, *ends[:-1]])))


def measure_lines(lines: list[str], stops: frozenset[str], chrome: frozenset[str]) -> Columns:
    """``_line``'s measures of lines without a newline or a CJK character."""
    if not lines:
        return {field: [] for field in _Line._fields}
    text = "\n".join(lines)
    plain = text.isascii()
    if plain:
        data = text.encode("ascii")
        folded_lines = text.lower().split("\n")  # casefold, on ASCII
        # Each line led by a space: its tokens are its spaces before U or x, its title-case
        # tokens those before U.
        shapes = (b" " + data.translate(_SHAPES)).replace(b"\n", b"\n ").split(b"\n")
        titled = list(map(bytes.count, shapes, repeat(b" U")))
        lengths = list(map(add, titled, map(bytes.count, shapes, repeat(b" x"))))
        folded_lengths = lengths
        letters = list(map(len, data.translate(None, _NOT_LETTER_NL).split(b"\n")))
        upper = list(map(len, data.translate(None, _NOT_UPPER_NL).split(b"\n")))
        digits = list(map(len, data.translate(None, _NOT_DIGIT_NL).split(b"\n")))
        separators = list(map(contains, lines, repeat("|")))
        dated = _ascii_dated(lines, digits)
    else:
        # ASCII characters counted on bytes, the others (all their bytes over 127) by pattern.
        data = text.encode("utf-8", "surrogatepass")
        wide = data.translate(None, _ASCII_NL).decode("utf-8", "surrogatepass").split("\n")
        folded_lines = list(map(str.casefold, lines))
        lengths = list(map(len, map(str.split, lines)))
        folded_lengths = list(map(len, map(str.split, folded_lines)))
        titled = _per_line(map(str.isupper, map(_FIRST, text.split())), lengths)
        letters = list(
            map(
                add,
                map(len, data.translate(None, _NOT_LETTER_WIDE_NL).split(b"\n")),
                map(len, map(_NOT_LETTERS.sub, repeat(""), wide)),
            )
        )
        upper = list(
            map(
                add,
                map(len, data.translate(None, _NOT_UPPER_WIDE_NL).split(b"\n")),
                map(sum, map(map, repeat(str.isupper), wide)),
            )
        )
        digits = list(
            map(
                add,
                map(len, data.translate(None, _NOT_DIGIT_WIDE_NL).split(b"\n")),
                map(len, map(_DIGIT.findall, wide)),
            )
        )
        separators = [
            "|" in line or _SEPARATOR.search(w) is not None
            for line, w in zip(lines, wide, strict=True)
        ]
        # Without CJK characters (年月日 among them), every date has a digit.
        dated = [n > 0 and _dated(f) for n, f in zip(digits, folded_lines, strict=True)]
    tokens = "\n".join(folded_lines).split()
    # One code letter per token, a line's letters sliced out of the page's.
    coded = "".join(
        map(_codes(stops, chrome).get, map(str.strip, tokens, repeat(_PUNCT)), repeat("w"))
    )
    ends = list(accumulate(folded_lengths))
    codes = list(map(coded.__getitem__, map(slice, [0, *ends[:-1]], ends)))
    both = list(map(str.count, codes, repeat("b")))
    latin = list(map(sub, folded_lengths, map(str.count, codes, repeat("-"))))
    stop_hits = list(map(add, both, map(str.count, codes, repeat("s"))))
    chrome_hits = list(map(add, both, map(str.count, codes, repeat("c"))))
    last = list(map(_LAST, map(str.rstrip, lines, repeat(_CLOSERS))))
    chars = list(map(len, lines))
    words = list(map(float, latin))
    copyright = map(
        or_,
        map(contains, folded_lines, repeat("copyright")),
        map(contains, folded_lines, repeat("all rights reserved")),
    )
    commas = list(map(str.count, lines, repeat(",")))
    if not plain:
        copyright = map(or_, map(contains, lines, repeat("©")), copyright)
        commas = [
            n + line.count("，") + line.count("、") for n, line in zip(commas, lines, strict=True)
        ]
    return {
        "chars": chars,
        "words": words,
        "stop": [h / w if w else 0.0 for h, w in zip(stop_hits, words, strict=True)],
        "ends": list(map(_ENDS.__contains__, last)),
        "colon": list(map(":".__eq__, last)),
        "no_letters": [not n for n in letters],
        "upper": [u / (n or 1) for u, n in zip(upper, letters, strict=True)],
        "titled": [t / n if n else 0.0 for t, n in zip(titled, lengths, strict=True)],
        "digits": list(map(truediv, digits, chars)),
        "separators": separators,
        "chrome": [h / n if n else 0.0 for h, n in zip(chrome_hits, latin, strict=True)],
        "copyright": list(copyright),
        "commas": commas,
        "cjk": [0.0] * len(lines),
        "dated": dated,
        "byline": list(map(is_not, map(_BYLINE.match, folded_lines), repeat(None))),
    }


def _ascii_dated(lines: list[str], digits: list[int]) -> list[bool]:
    """Whether each ASCII line has a date. Every ASCII date has a digit, and no date pattern
    reaches across a newline: the lines with digits are searched as one text, each match
    dating its line."""
    numbered = list(compress(range(len(lines)), digits))
    dated = [False] * len(lines)
    if numbered:
        some = [lines[i] for i in numbered]
        starts = list(accumulate(map(len, some), lambda a, n: a + n + 1, initial=0))
        for match in _DATE_ASCII.finditer("\n".join(some).lower().encode("ascii")):
            dated[numbered[bisect_right(starts, match.start()) - 1]] = True
    return dated


def own_columns(m: Columns) -> list[list[Any]]:
    """``_own`` of each line, a column per feature (booleans stay booleans: a weight times
    True is the weight)."""
    log1p = math.log1p
    words = m["words"]
    return [
        list(map(log1p, m["chars"])),
        list(map(log1p, words)),
        m["stop"],
        m["ends"],
        m["colon"],
        m["no_letters"],
        m["upper"],
        m["titled"],
        m["digits"],
        m["separators"],
        m["chrome"],
        m["copyright"],
        list(map(log1p, m["commas"])),
        m["cjk"],
        m["dated"],
        m["byline"],
        [w <= 2 for w in words],
        [2 < w <= 5 for w in words],
        [5 < w <= 10 for w in words],
        [w <= _SHORT_WORDS and not e for w, e in zip(words, m["ends"], strict=True)],
    ]


def body_column(m: Columns) -> list[bool]:
    """``_is_body`` of each line."""
    return [
        w >= _BODY_WORDS and (s >= 0.15 or c >= 0.5) and not cr
        for w, s, c, cr in zip(m["words"], m["stop"], m["cjk"], m["copyright"], strict=True)
    ]


class Weighed:
    """``weight * log1p(k * step)`` for k = 0, 1, 2, ...: the terms of features that take few
    values, looked up (``math.log1p``'s floats)."""

    def __init__(self, weight: float, step: float = 1.0) -> None:
        self.weight = weight
        self.step = step
        self.terms: npt.NDArray[np.float64] = np.zeros(0)

    def upto(self, n: int) -> npt.NDArray[np.float64]:
        terms = self.terms
        if len(terms) <= n:
            # A longer array in place of the old one, never the old one grown: a thread reading
            # it meanwhile keeps a whole array.
            w, step, log1p = self.weight, self.step, math.log1p
            terms = self.terms = np.array([w * log1p(k * step) for k in range(2 * n + 1)])
        return terms


def body_distances(body: npt.NDArray[np.bool_], n: int) -> npt.NDArray[np.intp]:
    """``body_distance``: each line's distance to the nearer prose line (n without prose)."""
    prose = np.flatnonzero(body)
    if not len(prose):
        return np.full(n, n, dtype=np.intp)
    at = np.arange(n)
    after = np.searchsorted(prose, at)  # the first prose line at or after each line
    below = prose[np.minimum(after, len(prose) - 1)] - at
    above = at - prose[np.maximum(after - 1, 0)]
    below[after == len(prose)] = n
    above[after == 0] = n
    out: npt.NDArray[np.intp] = np.minimum(below, above)
    return out
