"""Every rule pattern runs on RE2, a linear-time engine: no pattern can hang a run.

RE2 has no lookaround and no backreferences; a pattern that needs them is refused when the pack
loads, with the feature named and a rewrite suggested.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

import re2

_LINE_OPTS = re2.Options()
_LINE_OPTS.log_errors = False
_LINE_OPTS.never_nl = (
    True  # a match never crosses a line break, so whole-text search = per-line search
)
_TEXT_OPTS = re2.Options()
_TEXT_OPTS.log_errors = False

_HINTS = (
    ("(?=", "lookahead '(?=...)'", "match the following text too, or anchor with $"),
    ("(?!", "negative lookahead '(?!...)'", "list what may follow with a character class"),
    ("(?<=", "lookbehind '(?<=...)'", "match the preceding text too and capture what you need"),
    ("(?<!", "negative lookbehind '(?<!...)'", "anchor the pattern or use a character class"),
    ("(?>", "atomic group '(?>...)'", "use a plain group: RE2 never backtracks anyway"),
)


class PatternError(ValueError):
    """A pattern RE2 cannot compile, with the reason in words."""


def _explain(source: str, raw: str) -> str:
    for token, feature, fix in _HINTS:
        if token in source:
            return (
                f"uses {feature}, which RE2 does not support (linear-time engine); rewrite: {fix}"
            )
    if any(f"\\{d}" in source for d in "123456789"):
        return (
            "uses a backreference (\\1 ...), which RE2 does not support; match the text explicitly"
        )
    return f"does not compile on RE2: {raw}"


def compile_pattern(source: str, *, ignore_case: bool = False, per_line: bool = True) -> Any:
    """Compile for multi-line search: ``^``/``$`` match at line ends; ``per_line`` keeps matches
    inside one line."""
    flags = "(?mi)" if ignore_case else "(?m)"
    try:
        return re2.compile(flags + source, _LINE_OPTS if per_line else _TEXT_OPTS)
    except re2.error as exc:
        raw = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        raise PatternError(_explain(source, raw)) from None


def literal_source(text: str) -> str:
    return str(re2.escape(text))


class PatternSet:
    """Many patterns in one RE2 set: one pass over a text tells which of them can match."""

    def __init__(self, sources: list[str]) -> None:
        self._set = re2.Set.SearchSet(_LINE_OPTS)
        for source in sources:
            if self._set.Add(source) < 0:  # pragma: no cover - each source compiled alone already
                raise PatternError(f"pattern set refused {source!r}")
        self._set.Compile()
        self.size = len(sources)

    def hits(self, text: str) -> set[int]:
        if not self.size:
            return set()
        return set(self._set.Match(text) or ())


class LineIndex:
    """Maps character offsets of ``"\\n".join(lines)`` back to line numbers."""

    __slots__ = ("lines", "starts", "text")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.text = "\n".join(lines)
        starts = [0]
        pos = 0
        for line in lines[:-1]:
            pos += len(line) + 1
            starts.append(pos)
        self.starts = starts

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def matching_lines(self, regex: Any) -> Iterator[tuple[int, Any]]:
        """Yield (line number, first match in that line) for each line the regex matches."""
        if not self.lines:  # "" would still match a pattern that matches the empty string
            return
        last = -1
        for m in regex.finditer(self.text):
            i = self.line_of(m.start())
            if i != last:
                last = i
                yield i, m
