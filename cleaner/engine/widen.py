"""Prefilters that scan faster: a rule's pattern with its counted repetitions made stars.

A set's DFA multiplies its states by every counted repetition (``.{0,120}``) of every pattern
in it; a star costs no states, and matches wherever the count does (and more: a prefilter only
has to be a superset of its rule).
"""

from __future__ import annotations

import re2

# The options of the prefilter sets (cleaner.engine.regex.PatternSet), which a widened pattern
# must compile with. A set's DFA holds the states of all its patterns at once. With RE2's
# default budget (8 MB) a set of 25 patterns with open repetition keeps flushing its cache; with
# 32 MB it does not, and the generic prefilters scan in a third as many sets (figures:
# bench/results/). The budget is a ceiling: sets that need less take less.
SET_OPTS = re2.Options()
SET_OPTS.log_errors = False
SET_OPTS.never_nl = True
SET_OPTS.max_mem = 32 << 20


_COUNT = re2.compile(r"\{[0-9]+(?:,[0-9]*)?\}")


def _counts_to_stars(source: str) -> str:
    """``source`` with each counted repetition (``{m}``, ``{m,}``, ``{m,n}``) made a star.
    Skips escapes (``\\x{41}``, ``\\p{Greek}``, ``\\Q..\\E``) and character classes, where
    braces are literal."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            if source.startswith("Q", i + 1):
                end = source.find("\\E", i + 2)
                j = n if end < 0 else end + 2
            elif i + 2 < n and source[i + 1] in "xpP" and source[i + 2] == "{":
                j = source.find("}", i + 2) + 1 or n
            else:
                j = i + 2
        elif ch == "[":
            j = i + 1
            if source.startswith("^", j):
                j += 1
            if source.startswith("]", j):  # a leading ] is a member
                j += 1
            while j < n and source[j] != "]":
                if source[j] == "\\":
                    j += 2
                elif source.startswith("[:", j) and (close := source.find(":]", j + 2)) > 0:
                    j = close + 2
                else:
                    j += 1
            j += 1
        elif ch == "{" and (m := _COUNT.match(source, i)) is not None:
            out.append("*")
            i = m.end()
            continue
        else:
            j = i + 1
        out.append(source[i:j])
        i = j
    return "".join(out)


def widened(source: str) -> str:
    """A pattern that matches wherever ``source`` matches and maybe more, for a prefilter set:
    a counted repetition such as ``.{0,120}`` multiplies the states of a set's DFA, a star
    does not, so the sets scan faster and stay smaller in the CPU caches. Unchanged when the
    result would not compile."""
    wide = _counts_to_stars(source)
    if wide == source:
        return source
    try:
        re2.compile(wide, SET_OPTS)
    except re2.error:  # pragma: no cover - a star is valid wherever a count is
        return source
    return wide
