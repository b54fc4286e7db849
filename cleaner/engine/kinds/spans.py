"""Span kinds: part of a line goes (a prefix, a suffix, a regex match), the rest stays."""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.engine.kinds.base import (
    ChromeKind,
    Guards,
    KindOptions,
    PositionOptions,
    compile_or_raise,
    prefilter_source,
)
from cleaner.engine.options import BOOL, REGEX, STR, option
from cleaner.engine.regex import LineMatches, literal_source


@dataclass(frozen=True, kw_only=True)
class StripSpanOptions(PositionOptions):
    prefix: str | None = option(STR, "Plain text removed from the start of a line.")
    suffix: str | None = option(
        STR,
        "Plain text removed from the end of a line.",
        reason="The end-of-line counterpart of `prefix`: plain text, so an author writes the "
        "site's words as they read, with no regex escaping.",
    )
    pattern: str | None = option(
        REGEX, "RE2 regular expression; every match in the line is removed."
    )
    ignore_case: bool = option(BOOL, "Match without regard to case.", default=False)


class StripSpan(ChromeKind):
    name = "strip_span"
    summary = "Remove a prefix, a suffix or every regex match inside a line; keep the rest."
    Options = StripSpanOptions
    options: StripSpanOptions
    one_of = (("prefix", "suffix", "pattern"),)
    # A rewritten line is the rest of a normalised line with its spaces joined by one space: a
    # deletion brings in no line break, tab, odd space or invisible character.
    keeps_normal = True

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        opts = self.options
        if opts.prefix is not None:
            self.source, which = "^" + literal_source(opts.prefix), "prefix"
        elif opts.suffix is not None:
            self.source, which = literal_source(opts.suffix) + "$", "suffix"
        else:
            assert opts.pattern is not None  # one_of guarantees one
            self.source, which = opts.pattern, "pattern"
        self.regex = compile_or_raise(self.source, ignore_case=opts.ignore_case, option=which)
        self.guards = Guards.of(opts)

    @property
    def prefilter(self) -> str | None:
        return prefilter_source(self.source, ignore_case=self.options.ignore_case)

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        targets = self.guards.hit_lines(self.regex, lines, matches)
        if not targets:
            return None
        out = list(lines)
        changed = False
        for i in targets:
            new = " ".join(self.regex.sub("", lines[i]).split())
            if new != lines[i]:
                out[i] = new
                changed = True
        if not changed:
            return None
        # A line that was all span is gone; mark it for removal rather than leave a blank.
        return [line for i, line in enumerate(out) if line or not lines[i]]
