"""Extraction kinds: a field (title, author, a date) taken from a regex capture in the text,
before chrome is removed. Dates are parsed here for the HTML field kind too."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cleaner.engine.kinds.base import (
    DATE_FIELDS,
    EXTRACT,
    FIELDS,
    Guards,
    KindError,
    KindOptions,
    PositionOptions,
    RuleKind,
    compile_or_raise,
    prefilter_source,
    value_group,
)
from cleaner.engine.options import BOOL, REGEX, STR, STR_OR_LIST, option
from cleaner.engine.regex import LineIndex

_DIRECTIVE = re.compile(r"%(.)")
_YEAR = {"Y", "y", "G"}
_TIME = {"H", "I", "M", "S", "f", "z", "p"}

DATE_FORMAT_DOC = (
    "For date fields: strptime format(s) tried in order, or `iso`. Each must contain a year: "
    "a year is never guessed."
)


def _check_date_format(fmt: str) -> None:
    if fmt == "iso":
        return
    directives = set(_DIRECTIVE.findall(fmt))
    if not directives & _YEAR:
        raise KindError(
            f"date_format '{fmt}' has no year (%Y or %y): a year is never guessed",
            "date_format",
        )


def date_formats(field: str, given: str | tuple[str, ...] | None) -> list[str]:
    """The rule's date formats, checked: date fields need one with a year, others none."""
    formats: list[str] = [given] if isinstance(given, str) else list(given or [])
    if field in DATE_FIELDS:
        if not formats:
            raise KindError(f"field '{field}' needs a date_format", "date_format")
        for f in formats:
            _check_date_format(f)
    elif formats:
        raise KindError(f"date_format only applies to {', '.join(DATE_FIELDS)}", "date_format")
    return formats


def parse_date(value: str, formats: list[str]) -> str | None:
    """Parse with the first format that fits; return ISO 8601 (date, or date-time if timed)."""
    text = " ".join(value.split())
    for fmt in formats:
        try:
            if fmt == "iso":
                parsed = datetime.fromisoformat(text)
                has_time = "T" in text or " " in text
            else:
                parsed = datetime.strptime(text, fmt)
                has_time = bool(set(_DIRECTIVE.findall(fmt)) & _TIME)
        except ValueError:
            continue
        if has_time:
            return parsed.isoformat()
        return parsed.date().isoformat()
    return None


def field_value(field: str, raw: str, formats: list[str]) -> str | None:
    """A field's value from the raw text found for it: a date parsed, other text tidied."""
    if field in DATE_FIELDS:
        return parse_date(raw, formats)
    value = " ".join(raw.split())
    return value or None


@dataclass(frozen=True, kw_only=True)
class ExtractOptions(PositionOptions):
    field: str = option(STR, "The field to fill.", required=True, choices=FIELDS)
    pattern: str = option(
        REGEX,
        "RE2 regex. The value is the group named `value`, else group 1, else the whole match.",
        required=True,
    )
    scope: str = option(
        STR,
        "`line`: the pattern sees one line at a time. `text`: it sees the whole text, so it "
        "can use the lines around the value.",
        default="line",
        choices=("line", "text"),
    )
    date_format: str | tuple[str, ...] | None = option(STR_OR_LIST, DATE_FORMAT_DOC)
    occurrence: str = option(
        STR, "Use the first or the last match.", default="first", choices=("first", "last")
    )
    ignore_case: bool = option(BOOL, "Match without regard to case.", default=False)


class Extract(RuleKind):
    name = "extract"
    summary = (
        "Take a field (title, author or a date) from a regex capture, before chrome is removed."
    )
    phase = EXTRACT
    Options = ExtractOptions
    options: ExtractOptions
    example_key = ("fields", "the expected values")

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        opts = self.options
        self.source = opts.pattern
        self.regex = compile_or_raise(
            self.source,
            ignore_case=opts.ignore_case,
            option="pattern",
            per_line=opts.scope == "line",
        )
        self.group = value_group(self.regex)
        self.formats = date_formats(opts.field, opts.date_format)
        self.guards = Guards.of(opts)

    @property
    def field(self) -> str:
        return self.options.field

    @property
    def prefilter(self) -> str | None:
        # A text-scope pattern may span lines, which a per-line set cannot test: always run it.
        if self.options.scope != "line":
            return None
        return prefilter_source(self.source, ignore_case=self.options.ignore_case)

    def extract(self, lines: list[str], context: Mapping[str, str] | None = None) -> str | None:
        """The field's value in ``lines``; ``context`` (URL, crawl date) is not used here."""
        if not lines:
            return None
        index = LineIndex(lines)
        found: str | None = None
        first = self.options.occurrence == "first"
        for m in self.regex.finditer(index.text):
            raw = m.group(self.group)
            if raw is None:
                continue
            i = index.line_of(m.start(self.group))
            if not self.guards.allows_at(lines, i):
                continue
            value = field_value(self.field, raw, self.formats)
            if value is None:
                continue
            found = value
            if first:
                break
        return found
