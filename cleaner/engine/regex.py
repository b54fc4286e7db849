"""Every rule pattern runs on RE2, a linear-time engine: no pattern can hang a run.

RE2 has no lookaround, backreferences, recursion, conditionals or possessive quantifiers; a
pattern that needs one is refused when the pack loads, with the feature named and a rewrite
suggested.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import re2

from cleaner.engine.widen import SET_OPTS as _SET_OPTS
from cleaner.engine.widen import widened as widened  # re-exported: prefilters come from here

_LINE_OPTS = re2.Options()
_LINE_OPTS.log_errors = False
_LINE_OPTS.never_nl = (
    True  # a match never crosses a line break, so whole-text search = per-line search
)
_TEXT_OPTS = re2.Options()
_TEXT_OPTS.log_errors = False
# Not preceded by a backslash that is itself unescaped: the construct, not a literal.
_UNESCAPED = r"(?<!\\)(?:\\\\)*"
_NO_BACKTRACK = "use a plain group: RE2 never backtracks anyway"
_SPELL_OUT = "match the text explicitly (capture it and compare in a later step if you must)"
# Perl/PCRE features RE2 refuses, found in the source (Python's re: these are the constructs
# RE2 rejects, so RE2 cannot look for them): (pattern, feature named, rewrite).
_HINTS = tuple(
    (re.compile(_UNESCAPED + pattern), feature, fix)
    for pattern, feature, fix in (
        (r"\(\?=", "lookahead '(?=...)'", "match the following text too, or anchor with $"),
        (r"\(\?!", "negative lookahead '(?!...)'", "list what may follow with a character class"),
        (
            r"\(\?<=",
            "lookbehind '(?<=...)'",
            "match the preceding text too and capture what you need",
        ),
        (
            r"\(\?<!",
            "negative lookbehind '(?<!...)'",
            "anchor the pattern or use a character class",
        ),
        (r"\(\?>", "atomic group '(?>...)'", _NO_BACKTRACK),
        (r"\(\?P=\w+\)", "a named backreference '(?P=name)'", _SPELL_OUT),
        (r"\\k(?:<\w+>|'\w+'|\{\w+\})", "a named backreference '\\k<name>'", _SPELL_OUT),
        (r"\\g(?:-?[0-9]+|\{-?\w+\})", "a backreference '\\g{...}'", _SPELL_OUT),
        (
            r"\(\?(?:R|[+-]?[0-9]+|&\w+|P>\w+)\)",
            "recursion or a subroutine call ('(?R)', '(?1)', '(?&name)')",
            "RE2 cannot match nested structure: match a fixed depth, or split the rule",
        ),
        (r"\(\?\(", "a conditional '(?(1)...|...)'", "write the alternatives out with '|'"),
        (r"\(\?\|", "a branch reset '(?|...)'", "use one group per alternative"),
        (r"\(\?#", "an inline comment '(?#...)'", "put the comment in YAML, after '#'"),
        (
            r"(?:[*+?}])\+",
            "a possessive quantifier ('a++', 'a*+', 'a{2}+')",
            "drop the extra '+': RE2 never backtracks, so the plain quantifier matches the same",
        ),
        (r"\\G", "the '\\G' anchor", "anchor with '^': rules match line by line"),
        (r"\\K", "'\\K' (reset match start)", "capture the part to keep instead"),
        (r"\\Z", "the '\\Z' anchor", "use '$' (end of line) or '\\z' (end of text)"),
        (
            r"\\[XRhH]",
            "a PCRE class escape ('\\X', '\\R', '\\h')",
            "write the characters as a class",
        ),
        (
            r"\(\?[imsU-]*[A-TV-Za-hj-lnoprt-z][a-zA-Z-]*[:)]",
            "an inline flag other than i, m, s, U ('(?x)', '(?u)' ...)",
            "drop it: RE2 has no verbose mode, and its classes are Unicode-aware as they are",
        ),
    )
)


class PatternError(ValueError):
    """A pattern RE2 cannot compile, with the reason in words."""


def _explain(source: str, raw: str) -> str:
    for found, feature, fix in _HINTS:
        if found.search(source) is not None:
            return (
                f"uses {feature}, which RE2 does not support (linear-time engine); rewrite: {fix}"
            )
    if re.search(_UNESCAPED + r"\\[1-9]", source) is not None:
        return (
            "uses a backreference (\\1 ...), which RE2 does not support; match the text explicitly"
        )
    return f"does not compile on RE2: {raw}"


class Compiled:
    """Something compiled on RE2 that its pool may drop, to compile again when next used.

    It belongs to the pool of the rule set that runs it (``adopt``); without one it stays
    compiled once used."""

    __slots__ = ("_compiled", "_used", "pool")
    _compiled: Any
    _used: bool
    pool: CompiledPool | None

    def release(self) -> None:
        self._compiled = None

    def adopt(self, pool: CompiledPool) -> None:
        """From now on ``pool`` bounds how long this stays compiled."""
        self.pool = pool
        if self._compiled is not None:
            pool.add(self)


class CompiledPool:
    """At most ``capacity`` compiled objects alive at a time.

    RE2 grows a DFA cache per compiled pattern as it meets text, so with thousands of site
    rules a worker's memory would follow the number of rules it has ever run. The pool bounds
    it: a pattern of a site not seen for a while is compiled again when its site comes back.
    Eviction is a clock: the oldest item goes unless it was used since its last turn, so the
    generic patterns, used on every document, stay compiled. A rule set owns one pool (a memory
    budget: ``limits.compiled_patterns`` in config.yaml sets its capacity)."""

    def __init__(self, capacity: int = 0) -> None:
        self.capacity = capacity or DEFAULT_COMPILED_PATTERNS
        self._order: deque[Compiled] = deque()

    def resize(self, capacity: int) -> None:
        """Hold at most ``capacity`` from now on (dropping the oldest now if over)."""
        self.capacity = capacity
        self._evict()

    def add(self, item: Compiled) -> None:
        item._used = False
        self._order.append(item)
        self._evict()

    def _evict(self) -> None:
        order = self._order
        while len(order) > self.capacity:
            oldest = order.popleft()
            if oldest._used:
                oldest._used = False
                order.append(oldest)
            else:
                oldest.release()

    def live(self) -> int:
        """How many compiled objects the pool holds."""
        return len(self._order)


# With a thousand generated site packs a worker's peak memory is about half of what it is when
# every pattern stays compiled (bench/results/scale.txt).
DEFAULT_COMPILED_PATTERNS = 4000


# google-re2's Python wrapper puts a generator and a match object around each search of its
# compiled pattern (``_regexp``). Where the installed version has that pattern and its anchor
# type, ``Regex.start_in`` asks it directly (the same offsets: tests/test_line_scans.py);
# elsewhere, and with CLEANER_PURE=1, it goes through the wrapper.
_UNANCHORED = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
_DIRECT = (
    _UNANCHORED is not None
    and "_regexp" in getattr(getattr(re2, "_Regexp", None), "__slots__", ())
    and os.environ.get("CLEANER_PURE", "0") in ("", "0")
)


def _options(per_line: bool) -> Any:
    return _LINE_OPTS if per_line else _TEXT_OPTS


# Whether a pattern matches a line depends on that line alone (``never_nl``: no match crosses a
# line break), unless the pattern asks for the start or end of the whole text (\A, \z), for any
# byte (\C crosses line breaks) or turns multi-line mode off. This errs towards "not alone".
_NOT_LINE_LOCAL = re2.compile(r"\\[ACz]|\(\?[a-zA-Z]*-")


def line_local(source: str) -> bool:
    """Whether ``source`` (in multi-line mode) matches a line whatever the lines around it."""
    return _NOT_LINE_LOCAL.search(source) is None


class Regex(Compiled):
    """One rule pattern on RE2: compiled when the pack loads (which checks it). Loading hands
    that compiled form to the rule set's pool, which keeps the most recently loaded within its
    budget (so loading many site packs holds at most the budget compiled), or drops it when
    there is no pool; a dropped pattern is compiled again when next used."""

    __slots__ = ("groupindex", "groups", "line_local", "per_line", "source")

    def __init__(self, source: str, per_line: bool) -> None:
        self.source = source
        self.per_line = per_line
        self.line_local = per_line and line_local(source)
        compiled = re2.compile(source, _options(per_line))
        self.groupindex: dict[str, int] = dict(compiled.groupindex)
        self.groups: int = compiled.groups
        self._compiled = compiled
        self._used = False
        self.pool = None

    def __reduce__(self) -> tuple[Any, ...]:
        return _unpickled, (self.source, self.per_line)

    def _compile(self) -> Any:
        compiled = self._compiled = re2.compile(self.source, _options(self.per_line))
        if self.pool is not None:
            self.pool.add(self)
        return compiled

    def finditer(self, text: str | bytes) -> Iterator[Any]:
        self._used = True
        return (self._compiled or self._compile()).finditer(text)  # type: ignore[no-any-return]

    def search(self, text: str | bytes, pos: int = 0) -> Any:
        self._used = True
        return (self._compiled or self._compile()).search(text, pos)

    def sub(self, repl: str, text: str) -> str:
        self._used = True
        return (self._compiled or self._compile()).sub(repl, text)  # type: ignore[no-any-return]

    def start_in(self, data: bytes, pos: int) -> int:
        """Where the first match in ``data`` at or after ``pos`` starts, or -1: ``search``'s
        answer without its match object. The line scans ask only this, many times a document,
        so it calls RE2's own match (``_DIRECT``) and skips the wrapper's generator and match
        object, where the installed ``re2`` has it."""
        self._used = True
        compiled = self._compiled or self._compile()
        if _DIRECT:
            at: int = compiled._regexp.Match(_UNANCHORED, data, pos, len(data))[0][0]
            return at
        m = compiled.search(data, pos)
        return -1 if m is None else int(m.start())


def _unpickled(source: str, per_line: bool) -> Regex:
    """A pattern sent to a worker: compiled there when first used (its pool stayed behind)."""
    regex = Regex(source, per_line)
    regex.release()
    return regex


def compile_pattern(source: str, *, ignore_case: bool = False, per_line: bool = True) -> Regex:
    """Compile for multi-line search: ``^``/``$`` match at line ends; ``per_line`` keeps matches
    inside one line."""
    flags = "(?mi)" if ignore_case else "(?m)"
    try:
        return Regex(flags + source, per_line)
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
# many of them share one set: in one big set RE2's cache keeps flushing, so they go in sets of
# HEAVY_PER_SET (sized with the budget of SET_OPTS). Plain patterns (literals, anchored
# alternations) stay together: one set scans them faster than several. (One set of all the
# generic heavy ones is faster on documents it has seen, slower on new ones: section 14 of
# bench/results/restructuring-speed.txt.) A short exact count (\d{4}) is a fixed run of
# steps, like a literal: it stays with the plain ones.
_HEAVY = re2.compile(r"\{[0-9]*,[0-9]*\}|\{[0-9]{2,}\}|\.[*+]|\\[sSwWdD][*+]|\[\^")
HEAVY_PER_SET = 25


class PatternSet(Compiled):
    """Many patterns in a few RE2 sets: one pass per set tells which patterns can match.

    The sets are compiled when first scanned; with a ``pool`` the pool may drop them (a site
    pack's set), else they stay (the generic group's, the fingerprints')."""

    __slots__ = ("_chunks", "_sources", "line_local", "size")

    def __init__(self, sources: list[str], *, pool: CompiledPool | None = None) -> None:
        self.size = len(sources)
        self._sources = sources
        self.line_local = all(map(line_local, sources))
        self.pool = pool
        self._used = False
        light = [i for i, src in enumerate(sources) if not _HEAVY.search(src)]
        heavy = [i for i, src in enumerate(sources) if _HEAVY.search(src)]
        chunks = [light] if light else []
        chunks += [heavy[k : k + HEAVY_PER_SET] for k in range(0, len(heavy), HEAVY_PER_SET)]
        self._chunks = chunks
        self._compiled: list[tuple[Any, list[int]]] | None = None

    def _compile(self) -> list[tuple[Any, list[int]]]:
        sets: list[tuple[Any, list[int]]] = []
        for chunk in self._chunks:
            compiled = re2.Set.SearchSet(_SET_OPTS)
            for i in chunk:
                if compiled.Add(self._sources[i]) < 0:  # pragma: no cover - each compiled alone
                    raise PatternError(f"pattern set refused {self._sources[i]!r}")
            compiled.Compile()
            sets.append((compiled, chunk))
        self._compiled = sets
        if self.pool is not None:
            self.pool.add(self)
        return sets

    def hits(self, text: str | bytes) -> set[int]:
        """Indexes (into the sources given) of the patterns that match somewhere in ``text``."""
        self._used = True
        found: set[int] = set()
        for compiled, chunk in self._compiled or self._compile():
            found.update(chunk[j] for j in compiled.Match(text) or ())
        return found


class LineIndex:
    """Maps match offsets in ``"\\n".join(lines)`` back to line numbers."""

    __slots__ = ("lines", "text")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.text = "\n".join(lines)

    def line_of(self, offset: int) -> int:
        """The line holding character ``offset`` of ``text``."""
        # Counting line breaks runs in C; matches are few, so no table of line starts is built.
        return self.text.count("\n", 0, offset)


def _encoded(lines: list[str]) -> bytes:
    # RE2 scans bytes without converting offsets back to characters (much faster than str).
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _scan(regex: Regex, lines: list[str], data: bytes | None = None) -> Iterator[int]:
    """The numbers of the lines ``regex`` matches, scanning ``"\\n".join(lines)`` (``data``,
    encoded, when the caller has it) once: a line's first match ends the search in that line."""
    if not lines:  # b"" would still match a pattern that matches the empty string
        return
    if data is None:
        data = _encoded(lines)
    line = start = 0  # the line number and offset where the search resumes
    while (at := regex.start_in(data, start)) >= 0:
        line += data.count(b"\n", start, at)
        yield line
        start = data.find(b"\n", at) + 1
        if not start:
            return
        line += 1


def matched_lines(regex: Regex, lines: list[str], data: bytes | None = None) -> set[str]:
    """The non-blank lines (contents) that ``regex`` matches; ``data`` is ``lines`` encoded
    when the caller has it. What ``_scan`` finds, taken from the bytes around each match: a
    content needs no line number, so no line breaks are counted from the start."""
    if not lines:  # b"" would still match a pattern that matches the empty string
        return set()
    if data is None:
        data = _encoded(lines)
    found: set[str] = set()
    start = 0
    while (at := regex.start_in(data, start)) >= 0:
        end = data.find(b"\n", at)
        line = data[data.rfind(b"\n", 0, at) + 1 : end if end >= 0 else len(data)]
        found.add(line.decode("utf-8", "surrogatepass"))
        if end < 0:
            break
        start = end + 1
    found.discard("")
    return found


def positions(lines: list[str], wanted: set[str]) -> list[int]:
    """The line numbers whose content is in ``wanted``, in order."""
    if not wanted:
        return []
    if len(wanted) > 4:
        return [i for i, line in enumerate(lines) if line in wanted]
    found: list[int] = []
    for content in wanted:  # list.index runs in C: few wanted lines, many lines
        i = -1
        try:
            while True:
                i = lines.index(content, i + 1)
                found.append(i)
        except ValueError:
            pass
    if len(wanted) > 1:
        found.sort()
    return found


class LineMatches:
    """Which lines each pattern matches, remembered by content through one document's chrome
    phase.

    A line-local pattern's answer for a line depends on that line alone, so it scans the
    document once: lines that rules drop leave the answers for the others standing, and the
    lines a rule rewrites are new contents that a pattern scans when it next asks. What is kept
    grows with the document (a set of lines per pattern asked), not with the corpus."""

    __slots__ = ("_base", "_data", "_memo", "_new", "_some")

    def __init__(self, lines: list[str], data: bytes | None = None) -> None:
        self._base = lines
        self._data = data  # ``lines`` joined and encoded, when the caller has it
        self._new: list[str] = []  # contents that rewrites brought in, in order
        self._memo: dict[Compiled, tuple[set[Any], int]] = {}
        # A positional rule's pattern: the contents it was asked about, and those it matched.
        self._some: dict[Regex, tuple[set[str], set[str]]] = {}

    def rewritten(self, contents: Iterable[str]) -> None:
        """A rule rewrote lines into ``contents``, which no pattern has seen yet."""
        self._new.extend(contents)

    def _base_data(self) -> bytes:
        if self._data is None:
            self._data = _encoded(self._base)
        return self._data

    def lines_matching(self, regex: Regex, lines: list[str]) -> list[int]:
        """The non-blank lines of ``lines`` (this document, as rules left it) that ``regex``
        matches."""
        if not regex.line_local:
            return [i for i in _scan(regex, lines) if lines[i]]
        memo = self._memo.get(regex)
        if memo is None:
            found, seen = matched_lines(regex, self._base, self._base_data()), 0
        else:
            found, seen = memo
        if seen < len(self._new):
            found |= matched_lines(regex, self._new[seen:])
        self._memo[regex] = (found, len(self._new))
        return positions(lines, found)

    def some_matching(self, regex: Regex, contents: list[str]) -> set[str]:
        """The contents the line-local ``regex`` matched among those asked about so far, which
        include ``contents`` (non-blank lines of this document): each content is scanned once
        a document. A positional rule asks about the few lines at the ends in every round, and
        they are mostly the same lines."""
        memo = self._some.get(regex)
        if memo is None:
            memo = self._some[regex] = (set(), set())
        asked, found = memo
        new = [line for line in contents if line not in asked]
        if new:
            found |= matched_lines(regex, new)
            asked.update(new)
        return found

    def set_hits(self, patterns: PatternSet, lines: list[str]) -> set[int]:
        """A superset of ``patterns.hits`` on ``lines``: the patterns that matched any content
        these lines have had."""
        if not patterns.line_local:
            return patterns.hits(_encoded(lines)) if lines else set()
        memo = self._memo.get(patterns)
        if memo is None:
            hits, seen = patterns.hits(self._base_data()), 0
        else:
            hits, seen = memo
        if seen < len(self._new):
            hits |= patterns.hits(_encoded(self._new[seen:]))
        self._memo[patterns] = (hits, len(self._new))
        return hits


def compile_search(source: str) -> Any:
    """A pattern as JSON Schema's ``pattern`` runs it (a search, not anchored, ``$`` at the end
    of the string only), on RE2; a user's ``--schema`` gets the linear-time promise too."""
    try:
        return re2.compile(source, _TEXT_OPTS)
    except re2.error as exc:
        raw = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        raise PatternError(_explain(source, raw)) from None
