"""Filter kinds: a document is kept or rejected, with a reason code, after it is cleaned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cleaner.engine.kinds.base import FIELDS, FILTER, KindError, KindOptions, RuleKind
from cleaner.engine.options import INT, LANG_INTS, LIST, option
from cleaner.words import count_words


@dataclass(frozen=True)
class FilterResult:
    code: str
    message: str
    field: str | None = None


class FilterKind(RuleKind):
    phase = FILTER
    example_key = ("rejects", "a reason code, or null to keep")
    # Record fields the check reads that the text alone does not give (the example harness
    # supplies them: ``lang`` by detecting the example's language).
    reads: ClassVar[frozenset[str]] = frozenset()

    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        """Return why the document is rejected, or None to keep it.

        ``fields`` are the record's fields so far (title, author, dates, ``lang``, and
        ``n_words`` when the pipeline has counted them); a check computes what is missing."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class MinWordsOptions(KindOptions):
    min: int = option(INT, "The fewest words a kept document has.", required=True, minimum=1)
    min_by_lang: tuple[tuple[str, int], ...] | None = option(
        LANG_INTS,
        "The fewest words per detected language, e.g. `{zh: 20, ja: 20}`, instead of `min` "
        "(`zh` covers `zh-cn` and `zh-tw`). Chinese and Japanese count each character as a "
        "word, about twice what a segmenter finds.",
        minimum=1,
    )


class MinWords(FilterKind):
    name = "min_words"
    summary = "Reject a document left with too few words after cleaning."
    Options = MinWordsOptions
    options: MinWordsOptions
    reads = frozenset({"lang"})

    def least(self, lang: object) -> int:
        """The threshold for a document of language ``lang``."""
        if isinstance(lang, str):
            for code, n in self.options.min_by_lang or ():
                if lang == code or lang.startswith(code + "-"):
                    return n
        return self.options.min

    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        n = fields.get("n_words")
        if not isinstance(n, int):  # the pipeline counts once for the record; others may not
            n = count_words(text)
        least = self.least(fields.get("lang"))
        if n < least:
            return FilterResult(
                "too_short", f"{n} words left after cleaning; at least {least} needed"
            )
        return None


@dataclass(frozen=True, kw_only=True)
class AllowedLanguagesOptions(KindOptions):
    languages: tuple[str, ...] = option(
        LIST, "ISO 639-1 codes to keep, e.g. [en, de].", required=True
    )


class AllowedLanguages(FilterKind):
    name = "allowed_languages"
    summary = "Reject a document whose detected language is not in an allowlist."
    Options = AllowedLanguagesOptions
    options: AllowedLanguagesOptions
    reads = frozenset({"lang"})

    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        lang = fields.get("lang")
        if lang not in self.options.languages:
            return FilterResult(
                "lang_not_allowed",
                f"language '{lang}' is not in {', '.join(self.options.languages)}",
                "lang",
            )
        return None


REQUIRABLE = (*FIELDS, "lang")


@dataclass(frozen=True, kw_only=True)
class RequiredFieldsOptions(KindOptions):
    fields: tuple[str, ...] = option(
        LIST, "Fields that must be present: " + ", ".join(REQUIRABLE) + ".", required=True
    )


class RequiredFields(FilterKind):
    name = "required_fields"
    summary = "Reject a document that lacks any of the named fields."
    Options = RequiredFieldsOptions
    options: RequiredFieldsOptions

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        for f in self.options.fields:
            if f not in REQUIRABLE:
                raise KindError(f"unknown field '{f}'", "fields", REQUIRABLE)

    def check(self, text: str, fields: Mapping[str, Any]) -> FilterResult | None:
        for f in self.options.fields:
            if not fields.get(f):
                return FilterResult("missing_field", f"required field '{f}' is missing", f)
        return None
