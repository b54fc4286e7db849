"""How deep a YAML text nests, read from the text itself, before any YAML parser sees it.

A parser's own limit differs between versions and builds (libyaml stops at its own depth with
its own words, and looks ahead on a line before it yields a single event), so the refusal of a
deeply nested rule file is checked here: the same message, file and line whatever the parser.

The count is an upper bound for the block structure (every deeper indentation is a level, so
a continued plain scalar may count one level too many) and exact for flow collections
outside quoted scalars, comments and block scalars. Rule packs need about seven levels.
"""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
)
_FLOW_OPEN = "[{"
_FLOW_CLOSE = "]}"


def as_text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def too_deep(data: str | bytes, limit: int) -> int | None:
    """The 1-based line where nesting first goes deeper than ``limit``, or None."""
    scan = _Scan()
    for number, line in enumerate(as_text(data).splitlines(), 1):
        if scan.line(line) > limit:
            return number
    return None


class _Scan:
    """Carries what spans lines: open block indents, flow depth, a quoted or block scalar."""

    def __init__(self) -> None:
        self.indents: list[int] = []
        self.flow = 0
        self.quote = ""
        self.block_scalar_indent: int | None = None

    def line(self, line: str) -> int:
        """The deepest nesting reached on this line."""
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if self.block_scalar_indent is not None:
            if not stripped or indent > self.block_scalar_indent:
                return 0  # the scalar's own text
            self.block_scalar_indent = None
        if self.quote or self.flow:
            return self._rest(line, 0, indent)
        if not stripped or stripped.startswith("#"):
            return 0
        # A sequence may sit at its parent key's indent ("key:" then "- a" below it): count a
        # "- " line half a column deeper, so that it nests inside the key's mapping.
        level = 2 * indent + (stripped[:2] in ("- ", "-"))
        while self.indents and self.indents[-1] >= level:
            self.indents.pop()
        self.indents.append(level)
        return self._rest(line, indent, indent)

    def _rest(self, line: str, i: int, indent: int) -> int:
        n = len(line)
        deepest, at_start = len(self.indents) + self.flow, not self.quote
        # Where a node that began after an indicator on this line starts: if it turns out to
        # be a collection ("- - x", "- key: v"), it opens a level at that column, which the
        # next lines, indented deeper, sit inside.
        pending: int | None = None
        while i < n:
            c = line[i]
            if self.quote == '"':
                if c == "\\":
                    i += 1
                elif c == '"':
                    self.quote, at_start = "", False
            elif self.quote == "'":
                if c == "'":
                    if line[i + 1 : i + 2] == "'":
                        i += 1
                    else:
                        self.quote, at_start = "", False
            elif c in " \t":
                pass
            elif c == "#" and (i == 0 or line[i - 1] in " \t"):
                break  # a comment
            elif at_start and c in "\"'":
                self.quote = c
            elif at_start and c in _FLOW_OPEN:
                self.flow += 1
                deepest = max(deepest, len(self.indents) + self.flow)
            elif self.flow and c in _FLOW_CLOSE:
                self.flow -= 1
                at_start = False
            elif self.flow and c == ",":
                at_start = True
            elif c == ":" and (
                i + 1 == n or line[i + 1] in " \t" or (self.flow and line[i + 1] in ",]}")
            ):
                if not self.flow:
                    deepest = max(deepest, self._open(None if pending is None else 2 * pending))
                    pending = _next_token(line, i + 1)
                at_start = True
            elif at_start and c in "-?" and (i + 1 == n or line[i + 1] in " \t"):
                if not self.flow:
                    deepest = max(deepest, self._open(None if pending is None else 2 * i + 1))
                    pending = _next_token(line, i + 1)
            elif at_start and c in "|>" and not self.flow:
                self.block_scalar_indent = indent
                break
            else:
                at_start = False
            i += 1
        return deepest

    def _open(self, column: int | None) -> int:
        if column is not None and (not self.indents or self.indents[-1] < column):
            self.indents.append(column)
        return len(self.indents)


def _next_token(line: str, i: int) -> int:
    while i < len(line) and line[i] in " \t":
        i += 1
    return i
