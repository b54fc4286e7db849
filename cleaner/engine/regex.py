"""Every rule pattern runs on RE2, a linear-time engine: no pattern can hang a run.

RE2 has no lookaround and no backreferences; a pattern that needs them is refused when the pack
loads, with the feature named and a rewrite suggested.
"""

from __future__ import annotations

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


# Patterns with open-ended or counted repetition, or negated classes, multiply DFA states when
# many of them share one set: measured on the generic packs, one set of 50 such patterns scanned
# a 5 KB article in 1.7 ms, the same patterns in sets of 6 in 0.16 ms. Plain patterns (literals,
# anchored alternations) stay together: 20 of them scan in 10 us as one set, 46 us as four.
_HEAVY = re2.compile(r"\{[0-9]*,?[0-9]*\}|\.[*+]|\\[sSwWdD][*+]|\[\^")
HEAVY_PER_SET = 6


class PatternSet:
    """Many patterns in a few RE2 sets: one pass per set tells which patterns can match."""

    def __init__(self, sources: list[str]) -> None:
        self.size = len(sources)
        light = [i for i, src in enumerate(sources) if not _HEAVY.search(src)]
        heavy = [i for i, src in enumerate(sources) if _HEAVY.search(src)]
        chunks = [light] if light else []
        chunks += [heavy[k : k + HEAVY_PER_SET] for k in range(0, len(heavy), HEAVY_PER_SET)]
        self._sets: list[tuple[Any, list[int]]] = []
        for chunk in chunks:
            compiled = re2.Set.SearchSet(_LINE_OPTS)
            for i in chunk:
                if compiled.Add(sources[i]) < 0:  # pragma: no cover - each compiled alone already
                    raise PatternError(f"pattern set refused {sources[i]!r}")
            compiled.Compile()
            self._sets.append((compiled, chunk))

    def hits(self, text: str | bytes) -> set[int]:
        """Indexes (into the sources given) of the patterns that match somewhere in ``text``."""
        found: set[int] = set()
        for compiled, chunk in self._sets:
            found.update(chunk[j] for j in compiled.Match(text) or ())
        return found


class LineIndex:
    """Maps match offsets in ``"\\n".join(lines)`` back to line numbers."""

    __slots__ = ("_data", "lines", "text")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.text = "\n".join(lines)
        self._data: bytes | None = None

    @classmethod
    def of(cls, lines: list[str], index: LineIndex | None) -> LineIndex:
        """``index`` when it was built for these very lines, else a new one."""
        return index if index is not None and index.lines is lines else cls(lines)

    @property
    def data(self) -> bytes:
        """``text`` as UTF-8, made once: RE2 scans bytes without converting offsets."""
        if self._data is None:
            self._data = self.text.encode("utf-8", "surrogatepass")
        return self._data

    def line_of(self, offset: int) -> int:
        """The line holding character ``offset`` of ``text``."""
        # Counting line breaks runs in C; matches are few, so no table of line starts is built.
        return self.text.count("\n", 0, offset)

    def matching_lines(self, regex: Any) -> Iterator[tuple[int, Any]]:
        """Yield (line number, first match in that line) for each line the regex matches.

        The search runs on the UTF-8 bytes: RE2's wrapper then has no character offsets to
        convert, which makes scanning a text several times faster."""
        if not self.lines:  # b"" would still match a pattern that matches the empty string
            return
        data = self.data
        last = -1
        for m in regex.finditer(data):
            i = data.count(b"\n", 0, m.start())
            if i != last:
                last = i
                yield i, m
