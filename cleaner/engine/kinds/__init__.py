"""Rule kinds, one module per phase: each kind is a class with its typed options beside its code.

``base`` holds what they share; ``html`` the page kinds; ``extract`` field extraction and
``textmeta`` dates and titles from plain text with no site pack; ``lines``, ``blocks``,
``cuts``, ``spans`` and ``boilerplate`` the chrome kinds over the text; ``filters`` the
document filters. ``KINDS`` maps each kind's YAML name to its class.
"""

from __future__ import annotations

from cleaner.engine.kinds.base import (
    CHROME,
    DATE_FIELDS,
    EXTRACT,
    FIELDS,
    FILTER,
    HTML_BODY,
    HTML_FIELD,
    HTML_PHASES,
    HTML_REMOVE,
    PHASES,
    ChromeKind,
    Guards,
    KindError,
    KindOptions,
    MatchingChromeKind,
    RuleKind,
)
from cleaner.engine.kinds.blocks import DropBlock
from cleaner.engine.kinds.boilerplate import Boilerplate
from cleaner.engine.kinds.cuts import CutAfter, CutBefore
from cleaner.engine.kinds.extract import Extract, parse_date
from cleaner.engine.kinds.filters import (
    AllowedLanguages,
    FilterKind,
    FilterResult,
    MinWords,
    RequiredFields,
)
from cleaner.engine.kinds.html import HtmlBody, HtmlField, HtmlKind, HtmlRemove
from cleaner.engine.kinds.lines import DropBeforeHeading, DropDuplicateLine, DropLine
from cleaner.engine.kinds.spans import StripSpan
from cleaner.engine.kinds.textmeta import TextDate, TextTitle

KINDS: dict[str, type[RuleKind]] = {
    k.name: k
    for k in (
        DropLine,
        DropBlock,
        CutBefore,
        CutAfter,
        StripSpan,
        DropDuplicateLine,
        DropBeforeHeading,
        Boilerplate,
        Extract,
        TextDate,
        TextTitle,
        HtmlRemove,
        HtmlBody,
        HtmlField,
        MinWords,
        AllowedLanguages,
        RequiredFields,
    )
}

__all__ = [
    "CHROME",
    "DATE_FIELDS",
    "EXTRACT",
    "FIELDS",
    "FILTER",
    "HTML_BODY",
    "HTML_FIELD",
    "HTML_PHASES",
    "HTML_REMOVE",
    "KINDS",
    "PHASES",
    "AllowedLanguages",
    "Boilerplate",
    "ChromeKind",
    "CutAfter",
    "CutBefore",
    "DropBeforeHeading",
    "DropBlock",
    "DropDuplicateLine",
    "DropLine",
    "Extract",
    "FilterKind",
    "FilterResult",
    "Guards",
    "HtmlBody",
    "HtmlField",
    "HtmlKind",
    "HtmlRemove",
    "KindError",
    "KindOptions",
    "MatchingChromeKind",
    "MinWords",
    "RequiredFields",
    "RuleKind",
    "StripSpan",
    "TextDate",
    "TextTitle",
    "parse_date",
]
