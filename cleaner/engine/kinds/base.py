"""What every rule kind shares: its declaration (name, phase, typed options), the option groups
several kinds use, position guards and pattern compilation.

A document reaches the text rules as a list of normalised lines (trimmed, spaces collapsed, at
most one blank line between paragraphs). Position guards count non-blank lines only, so that
blank line formatting never changes what a rule does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cleaner.engine.options import (
    BOOL,
    INT,
    LIST,
    REGEX,
    STR,
    Option,
    build_options,
    declared,
    option,
)
from cleaner.engine.regex import (
    Compiled,
    LineMatches,
    PatternError,
    compile_pattern,
    literal_source,
    matched_lines,
    widened,
)

FIELDS = ("title", "author", "date_published", "date_updated")
DATE_FIELDS = ("date_published", "date_updated")

# The phases in the order a document meets them. Each kind declares one; a rule group keeps its
# rules by phase, so no code asks what class a kind is.
HTML_FIELD = "html_field"  # fields from the page's elements, before anything is removed
HTML_REMOVE = "html_remove"  # elements removed from the page
HTML_BODY = "html_body"  # the article text taken from the page
EXTRACT = "extract"  # fields from the text, before chrome is removed
CHROME = "chrome"  # lines and spans removed from the text, round after round
FILTER = "filter"  # the document kept or rejected
PHASES = (HTML_FIELD, HTML_REMOVE, HTML_BODY, EXTRACT, CHROME, FILTER)
HTML_PHASES = (HTML_FIELD, HTML_REMOVE, HTML_BODY)


class KindError(ValueError):
    """A problem with a rule's options that only the kind can see (bad regex, bad format)."""

    def __init__(
        self, message: str, option: str | None = None, valid: tuple[str, ...] | None = None
    ):
        super().__init__(message)
        self.option = option
        self.valid = valid


# --- option groups several kinds share: one name, one meaning ---------------------------------


@dataclass(frozen=True, kw_only=True)
class KindOptions:
    """The options of a kind; each kind subclasses this with its own fields."""


@dataclass(frozen=True, kw_only=True)
class MatchOptions(KindOptions):
    pattern: str | None = option(
        REGEX,
        "RE2 regular expression searched within one line. Anchor it with `^...$` to match "
        "whole lines.",
    )
    literal: str | None = option(STR, "Plain text searched within one line.")
    line: str | None = option(STR, "Plain text the whole (trimmed) line must equal.")
    lines: tuple[str, ...] | None = option(
        LIST, "Plain texts; a line matches when it equals any of them (a menu, a share bar)."
    )
    ignore_case: bool = option(BOOL, "Match without regard to case.", default=False)


MATCHERS = ("pattern", "literal", "line", "lines")


@dataclass(frozen=True, kw_only=True)
class PositionOptions(KindOptions):
    first_lines: int | None = option(INT, "Only act among the first N non-blank lines.", minimum=1)
    last_lines: int | None = option(
        INT,
        "Only act among the last N non-blank lines. With `first_lines` too, a line in either "
        "region qualifies.",
        minimum=1,
    )


@dataclass(frozen=True, kw_only=True)
class GuardOptions(PositionOptions):
    max_words: int | None = option(INT, "Only act on lines of at most N words.", minimum=1)


@dataclass(frozen=True, kw_only=True)
class MatchGuardOptions(GuardOptions, MatchOptions):
    """A line found by pattern / literal / line / lines, where the guards allow it."""


@dataclass(frozen=True)
class Guards:
    first_lines: int | None
    last_lines: int | None
    max_words: int | None

    @classmethod
    def of(cls, options: PositionOptions) -> Guards:
        return cls(options.first_lines, options.last_lines, getattr(options, "max_words", None))

    @property
    def positional(self) -> bool:
        return self.first_lines is not None or self.last_lines is not None

    def allows_at(self, lines: list[str], i: int) -> bool:
        """Whether line ``i`` qualifies. Ranks among non-blank lines are counted only here, for
        lines a pattern matched, with list methods that run in C."""
        line = lines[i]
        if not line:
            return False
        if self.max_words is not None and len(line.split()) > self.max_words:
            return False
        if not self.positional:
            return True
        rank = i - lines[:i].count("")
        if self.first_lines is not None and rank < self.first_lines:
            return True
        if self.last_lines is None:
            return False
        return rank >= len(lines) - lines.count("") - self.last_lines

    def region(self, lines: list[str]) -> list[int]:
        """The non-blank lines that position guards allow (first and last N), in order."""
        head: list[int] = []
        if self.first_lines is not None:
            for i, line in enumerate(lines):
                if len(head) == self.first_lines:
                    break
                if line:
                    head.append(i)
        tail: list[int] = []
        if self.last_lines is not None:
            stop = head[-1] if head else -1
            for i in range(len(lines) - 1, stop, -1):
                if len(tail) == self.last_lines:
                    break
                if lines[i]:
                    tail.append(i)
        return head + tail[::-1]

    def hit_lines(self, regex: Any, lines: list[str], matches: LineMatches | None) -> list[int]:
        """The lines ``regex`` matches that the guards allow, in order. Position guards let it
        scan only the lines they allow; otherwise ``matches`` remembers what it found."""
        if self.positional and regex.line_local:
            among = self.region(lines)
            region = [lines[i] for i in among]
            found = (
                matched_lines(regex, region)
                if matches is None
                else matches.some_matching(regex, region)
            )
            hits = [i for i in among if lines[i] in found]
        else:
            hits = (matches or LineMatches(lines)).lines_matching(regex, lines)
        return [i for i in hits if self.allows_at(lines, i)]


def matcher_source(options: MatchOptions) -> tuple[str, str]:
    """The RE2 source for whichever of pattern / literal / line / lines was given, and which."""
    if options.pattern is not None:
        return options.pattern, "pattern"
    if options.literal is not None:
        return literal_source(options.literal), "literal"
    if options.lines is not None:
        return "^(?:" + "|".join(literal_source(x) for x in options.lines) + ")$", "lines"
    assert options.line is not None  # one_of guarantees one matcher
    return "^" + literal_source(options.line) + "$", "line"


def prefilter_source(source: str, *, ignore_case: bool) -> str:
    """The per-line prefilter of a rule matching ``source``: a superset of it (``widened``)."""
    return widened(("(?i)" if ignore_case else "") + "(?m)" + source)


def compile_or_raise(source: str, *, ignore_case: bool, option: str, per_line: bool = True) -> Any:
    try:
        return compile_pattern(source, ignore_case=ignore_case, per_line=per_line)
    except PatternError as exc:
        raise KindError(f"{option} {exc}", option) from None


def value_group(regex: Any) -> int | str:
    """The group holding a pattern's value: `value`, else group 1, else the whole match."""
    return "value" if "value" in regex.groupindex else (1 if regex.groups else 0)


# --- the kind ----------------------------------------------------------------------------------


class RuleKind:
    """A kind of rule. Subclasses declare ``name``, ``summary``, ``phase`` and ``Options`` (a
    frozen dataclass of ``option`` fields); ``renamed`` maps old spellings of options, which
    still load with a warning, to today's."""

    name: ClassVar[str]
    summary: ClassVar[str]
    phase: ClassVar[str]
    Options: ClassVar[type[KindOptions]]
    one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()
    renamed: ClassVar[Mapping[str, str]] = {}
    # What an example must give to be checked, and how the message names it.
    example_key: ClassVar[tuple[str, str]] = ("output", "the expected text")
    # True when a chrome rule only ever drops lines (its result is a subsequence of its input):
    # the engine then knows no line is new without comparing them.
    only_drops: ClassVar[bool] = False
    # True when a chrome rule's result is normalised whenever its input is (it drops lines, or
    # rewrites a line into single spaces, trimmed): the normalise step then need not look.
    keeps_normal: ClassVar[bool] = False

    options: KindOptions
    _declared: ClassVar[tuple[Option, ...]] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "Options" in vars(cls):
            cls._declared = declared(cls.Options)

    def __init__(self, options: KindOptions) -> None:
        self.options = options

    @classmethod
    def declared(cls) -> tuple[Option, ...]:
        """The kind's options as declared: what the loader checks and the docs list."""
        return cls._declared

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> RuleKind:
        """The kind from option values ``check_options`` accepted (defaults filled in)."""
        return cls(build_options(cls.Options, values))

    @property
    def prefilter(self) -> str | None:
        """A per-line RE2 source that must match somewhere for the rule to do anything."""
        return None

    def example_problems(self, example: Mapping[str, Any]) -> list[str]:
        """What an example lacks for this kind (e.g. an extract example without ``fields``)."""
        key, what = self.example_key
        return [] if key in example else [f"needs '{key}' ({what})"]

    def compiled(self) -> Iterator[Compiled]:
        """The compiled patterns this rule holds, for the pool of the rule set that runs it."""
        for value in vars(self).values():
            items = value if isinstance(value, tuple) else (value,)
            yield from (v for v in items if isinstance(v, Compiled))


class ChromeKind(RuleKind):
    """A rule over the text's lines, applied round after round until nothing changes."""

    phase = CHROME

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        """Return the new lines, or None when the rule changes nothing. ``matches``, when
        given, remembers pattern matches for the document these lines are a state of."""
        raise NotImplementedError


class MatchingChromeKind(ChromeKind):
    """A chrome kind that finds lines with pattern / literal / line / lines and guards."""

    Options: ClassVar[type[KindOptions]] = MatchGuardOptions
    options: MatchGuardOptions
    one_of = (MATCHERS,)
    only_drops = True
    keeps_normal = True

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        self.source, which = matcher_source(self.options)
        self.regex = compile_or_raise(
            self.source, ignore_case=self.options.ignore_case, option=which
        )
        self.guards = Guards.of(self.options)

    @property
    def prefilter(self) -> str | None:
        return prefilter_source(self.source, ignore_case=self.options.ignore_case)

    def hit_lines(self, lines: list[str], matches: LineMatches | None = None) -> list[int]:
        return self.guards.hit_lines(self.regex, lines, matches)


def without(lines: list[str], drop: set[int]) -> list[str]:
    """``lines`` less the lines numbered in ``drop``: deleting from a copy runs in C, a
    comprehension over every line does not."""
    out = lines.copy()
    for i in sorted(drop, reverse=True):
        del out[i]
    return out
