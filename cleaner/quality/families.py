"""The quality filter families, each declared once: its options (thresholds and the settings
the signals depend on), which option checks which signal, and how the signals are computed.

Docs, validation and error messages all read these declarations (``cleaner.engine.options``),
as they do for rule kinds. A threshold of null turns its check off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cleaner.engine.options import BOOL, INT, LIST, NUMBER, option
from cleaner.quality import signals as sig
from cleaner.quality.signals import Split

MIN, MAX, FLAG = "min", "max", "flag"


@dataclass(frozen=True)
class Check:
    """Option ``option`` bounds signal ``signal``: a ``min`` drops values below it, a ``max``
    values above it, a ``flag`` (a boolean option) drops a non-zero signal while it is true."""

    option: str
    signal: str
    bound: str


@dataclass(frozen=True, kw_only=True)
class GopherQualityOptions:
    min_doc_words: float | None = option(
        NUMBER, "Fewest words (punctuation not counted).", default=50
    )
    max_doc_words: float | None = option(NUMBER, "Most words.", default=100_000)
    min_avg_word_length: float | None = option(NUMBER, "Shortest mean word length.", default=3)
    max_avg_word_length: float | None = option(NUMBER, "Longest mean word length.", default=10)
    max_symbol_word_ratio: float | None = option(
        NUMBER, "Most `#`, and most `...`/`…`, per word (each on its own).", default=0.1
    )
    max_bullet_lines_ratio: float | None = option(
        NUMBER, "Largest share of lines starting with `•` or `-`.", default=0.9
    )
    max_ellipsis_lines_ratio: float | None = option(
        NUMBER, "Largest share of lines ending with `...` or `…`.", default=0.3
    )
    min_alpha_words_ratio: float | None = option(
        NUMBER,
        "Smallest share of words holding a letter (datatrove's `max_non_alpha_words_ratio`).",
        default=0.8,
    )
    min_stop_words: float | None = option(
        NUMBER, "Fewest distinct `stop_words` present.", default=2
    )
    stop_words: tuple[str, ...] = option(
        LIST,
        "The stop words `min_stop_words` counts.",
        default=("the", "be", "to", "of", "and", "that", "have", "with"),
    )


@dataclass(frozen=True, kw_only=True)
class GopherRepetitionOptions:
    dup_para_frac: float | None = option(
        NUMBER, "Largest share of repeated paragraphs.", default=0.3
    )
    dup_para_char_frac: float | None = option(
        NUMBER, "Largest share of characters in repeated paragraphs.", default=0.2
    )
    dup_line_frac: float | None = option(NUMBER, "Largest share of repeated lines.", default=0.3)
    dup_line_char_frac: float | None = option(
        NUMBER, "Largest share of characters in repeated lines.", default=0.2
    )
    top_2_gram: float | None = option(
        NUMBER, "Largest share of characters in the most frequent word 2-gram.", default=0.2
    )
    top_3_gram: float | None = option(NUMBER, "The same for 3-grams.", default=0.18)
    top_4_gram: float | None = option(NUMBER, "The same for 4-grams.", default=0.16)
    dup_5_gram: float | None = option(
        NUMBER, "Largest share of characters in repeated word 5-grams.", default=0.15
    )
    dup_6_gram: float | None = option(NUMBER, "The same for 6-grams.", default=0.14)
    dup_7_gram: float | None = option(NUMBER, "The same for 7-grams.", default=0.13)
    dup_8_gram: float | None = option(NUMBER, "The same for 8-grams.", default=0.12)
    dup_9_gram: float | None = option(NUMBER, "The same for 9-grams.", default=0.11)
    dup_10_gram: float | None = option(NUMBER, "The same for 10-grams.", default=0.10)


@dataclass(frozen=True, kw_only=True)
class C4Options:
    min_sentences: float | None = option(
        NUMBER, "Fewest sentences in the lines C4 keeps.", default=5
    )
    filter_lorem_ipsum: bool = option(
        BOOL, "Drop a document with a kept line holding `lorem ipsum`.", default=True
    )
    filter_curly_bracket: bool = option(
        BOOL, "Drop a document with a kept line holding `{`.", default=True
    )
    remove_citations: bool = option(
        BOOL, "Remove `[1]`, `[edit]`, `[citation needed]` before the line checks.", default=True
    )
    filter_no_terminal_punct: bool = option(
        BOOL, "A line not ending in `. ? ! \" '` (or ending in `...`) is not kept.", default=True
    )
    min_words_per_line: int = option(
        INT, "A line with fewer words is not kept.", default=3, minimum=0
    )
    max_word_length: int = option(
        INT,
        "A line with a longer word is not kept (0: no limit).",
        default=1000,
        minimum=0,
    )
    filter_javascript: bool = option(
        BOOL, "A line mentioning javascript is not kept.", default=True
    )
    filter_policy: bool = option(
        BOOL, "A line with cookie or terms-of-use phrases is not kept.", default=True
    )


@dataclass(frozen=True, kw_only=True)
class FineWebOptions:
    line_punct_thr: float | None = option(
        NUMBER, "Smallest share of lines ending in terminal punctuation.", default=0.12
    )
    line_punct_exclude_zero: bool = option(
        BOOL, "Keep a document where no line ends in punctuation.", default=False
    )
    short_line_thr: float | None = option(
        NUMBER, "Largest share of lines of at most `short_line_length` characters.", default=0.67
    )
    short_line_length: int = option(INT, "What a short line is, in characters.", default=30)
    char_duplicates_ratio: float | None = option(
        NUMBER, "Largest share of characters in repeated lines.", default=0.01
    )
    new_line_ratio: float | None = option(NUMBER, "Most line breaks per word.", default=0.3)


@dataclass(frozen=True)
class Family:
    """One kind of quality filter."""

    name: str
    summary: str
    Options: type
    checks: tuple[Check, ...]
    measure: Callable[[Split, Any], dict[str, float]]
    # The datatrove filter the definitions follow (tests/test_quality_parity.py compares them).
    datatrove: str


def _gq(s: Split, o: GopherQualityOptions) -> dict[str, float]:
    return sig.gopher_quality(s, frozenset(o.stop_words))


def _gr(s: Split, o: GopherRepetitionOptions) -> dict[str, float]:
    return sig.gopher_repetition(s)


def _c4(s: Split, o: C4Options) -> dict[str, float]:
    return sig.c4(
        s,
        remove_citations=o.remove_citations,
        filter_no_terminal_punct=o.filter_no_terminal_punct,
        min_words_per_line=o.min_words_per_line,
        max_word_length=o.max_word_length or -1,
        filter_javascript=o.filter_javascript,
        filter_policy=o.filter_policy,
    )


def _fw(s: Split, o: FineWebOptions) -> dict[str, float]:
    return sig.fineweb(s, stop_chars=sig.TERMINAL_TUPLE, short_line_length=o.short_line_length)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "gopher_quality",
            "Gopher's quality rules: word count and length, symbols, bullets, letters, stop words.",
            GopherQualityOptions,
            (
                Check("min_doc_words", "n_words", MIN),
                Check("max_doc_words", "n_words", MAX),
                Check("min_avg_word_length", "avg_word_length", MIN),
                Check("max_avg_word_length", "avg_word_length", MAX),
                Check("max_symbol_word_ratio", "hash_ratio", MAX),
                Check("max_symbol_word_ratio", "ellipsis_ratio", MAX),
                Check("max_bullet_lines_ratio", "bullet_lines_ratio", MAX),
                Check("max_ellipsis_lines_ratio", "ellipsis_lines_ratio", MAX),
                Check("min_alpha_words_ratio", "alpha_words_ratio", MIN),
                Check("min_stop_words", "stop_words", MIN),
            ),
            _gq,
            "GopherQualityFilter",
        ),
        Family(
            "gopher_repetition",
            "Gopher's repetition rules: repeated lines, paragraphs and word n-grams.",
            GopherRepetitionOptions,
            tuple(
                Check(name, name, MAX)
                for name in (
                    "dup_para_frac",
                    "dup_para_char_frac",
                    "dup_line_frac",
                    "dup_line_char_frac",
                    *(f"top_{n}_gram" for n in sig.TOP_NGRAMS),
                    *(f"dup_{n}_gram" for n in sig.REPEATED_NGRAMS),
                )
            ),
            _gr,
            "GopherRepetitionFilter",
        ),
        Family(
            "c4",
            "C4's rules: enough sentences in the lines it keeps, no lorem ipsum, no code braces.",
            C4Options,
            (
                Check("min_sentences", "sentences", MIN),
                Check("filter_lorem_ipsum", "lorem_ipsum", FLAG),
                Check("filter_curly_bracket", "curly_bracket", FLAG),
            ),
            _c4,
            "C4QualityFilter",
        ),
        Family(
            "fineweb",
            "FineWeb's rules: lines ending in punctuation, short lines, repeated lines, lists.",
            FineWebOptions,
            (
                Check("line_punct_thr", "line_punct_ratio", MIN),
                Check("short_line_thr", "short_line_ratio", MAX),
                Check("char_duplicates_ratio", "char_dup_ratio", MAX),
                Check("new_line_ratio", "list_ratio", MAX),
            ),
            _fw,
            "FineWebQualityFilter",
        ),
    )
}


def failures(family: Family, options: Any, values: dict[str, float]) -> dict[str, dict[str, Any]]:
    """The signals that fail their thresholds: ``{signal: {"value": v, "min"|"max": t}}``."""
    out: dict[str, dict[str, Any]] = {}
    for check in family.checks:
        limit = getattr(options, check.option)
        value = values[check.signal]
        if check.bound == FLAG:
            if limit and value:
                out[check.signal] = {"value": value, "max": 0}
        elif limit is None or (
            family.name == "fineweb" and _punct_zero_kept(check, options, value)
        ):
            continue
        elif (value < limit) if check.bound == MIN else (value > limit):
            out[check.signal] = {"value": value, check.bound: limit}
    return out


def _punct_zero_kept(check: Check, options: Any, value: float) -> bool:
    """FineWeb's ``line_punct_exclude_zero``: no punctuated line at all is not a reason."""
    return check.signal == "line_punct_ratio" and options.line_punct_exclude_zero and value == 0
