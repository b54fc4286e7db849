"""The one record type a run writes, and the reject that stands in for an article that failed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any


def printable(text: str | os.PathLike[str]) -> str:
    """``text`` as valid UTF-8: undecodable file-name bytes (surrogate escapes) appear as
    ``\\xNN``, any other lone surrogate as ``\\udNNN``; everything else is kept as is."""
    text = os.fspath(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


_BYTE_ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}")


def printable_name(name: str | os.PathLike[str]) -> str:
    """A file name or path as ``printable`` shows it, but never ambiguous: a name with
    undecodable bytes (``\\xNN``) has its own backslashes doubled, and so does a valid name that
    holds ``\\x`` and two hex digits, so no two names are shown alike. Any other name is shown
    as it is."""
    name = os.fspath(name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return printable(name.replace("\\", "\\\\"))
    return name.replace("\\", "\\\\") if _BYTE_ESCAPE.search(name) else name


@dataclass(frozen=True)
class RawArticle:
    """An article as read, before any step: bytes or already-decoded text, plus what came with it."""

    id: str
    source: str
    data: bytes | str
    url: str | None = None
    site: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    html: bool = False  # data is an HTML page, not article text


@dataclass(frozen=True)
class Record:
    """A clean article. Field order here is the key order of every JSONL line."""

    id: str
    source: str
    url: str | None
    canonical_url: str | None
    site: str | None
    title: str | None
    author: str | None
    date_published: str | None
    date_updated: str | None
    lang: str | None
    lang_score: float | None
    encoding: str
    extractor: str | None
    n_chars: int
    n_words: int
    sha256: str
    repairs: tuple[str, ...]
    rules: tuple[dict[str, Any], ...]
    steps: tuple[dict[str, Any], ...]  # each step that changed the text, and by how much
    fields_from: dict[str, str]
    meta: dict[str, Any]
    # The quality filters' signals, {filter id: {signal: value}}; None (and no key in the
    # output) when the run has no quality filters.
    quality: dict[str, dict[str, float]] | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        # A dataclass sets its fields in declaration order, so its __dict__ is in key order.
        d = dict(self.__dict__)
        if d["quality"] is None:
            del d["quality"]
        d["repairs"] = list(self.repairs)
        d["rules"] = [dict(r) for r in self.rules]
        d["steps"] = [dict(s) for s in self.steps]
        return d


@dataclass(frozen=True)
class Edit:
    """What one rule did to one document (a record's ``rules`` entry). Both the HTML phase and
    the rule engine make them, so it lives with the records rather than in either."""

    rule: str
    pack: str
    removed_chars: int
    edits: int


@dataclass(frozen=True)
class Reason:
    """Why an article was rejected: a machine-readable code and words for people."""

    code: str
    message: str
    field: str | None = None
    rule: str | None = None
    # What failed, for machines: a quality filter's {signal: {"value": v, "min"|"max": t}}.
    values: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            d["field"] = self.field
        if self.rule is not None:
            d["rule"] = self.rule
        d["message"] = self.message
        if self.values is not None:
            d["values"] = self.values
        return d


@dataclass(frozen=True)
class Reject:
    id: str
    source: str
    reasons: tuple[Reason, ...]
    record: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "reasons": [r.to_dict() for r in self.reasons],
        }
        if self.record is not None:
            d["record"] = self.record
        return d
