"""What the boilerplate model measures on one line: length, words, stop words in the page's
language, end punctuation, case, digits, link-like words, dates and bylines. Chinese and Japanese
are measured in characters (two to a word) with CJK stop characters and 。！？ as sentence ends."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import cache
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import re2

DATA = Path(__file__).resolve().parent.parent / "data"
# Stop words per language ("cjk": characters) and the link-like words of navigation, sharing
# and account chrome ("chrome"): a line made of those is a link, not prose.
WORDS = DATA / "boilerplate-words.json"

# Sentence ends, Latin and CJK, and the closing quotes or brackets that may follow them.
_ENDS = frozenset(".!?…。！？")
_CLOSERS = "\"'”’»)]）」』"
_BODY_WORDS = 12  # a body line: this many words and some stop words (or CJK prose)
_SHORT_WORDS = 6


# Chinese and Japanese characters (kana and ideographs), measured per character.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# What is not a letter ([^\W\d_] is one): deleting its runs and counting what is left is
# quicker than listing the letters.
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_DIGIT = re.compile(r"\d")
_SEPARATOR = re.compile("[|•›»·«‹]")
# A date or time: a dateline is content, though short and without a full stop.
_DATE = re.compile(
    r"\b(?:1[89]|20)\d\d\b|\b\d{1,2}:\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|"
    r"\d \b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|[年月日]"
)
_CJK_DATE = frozenset("年月日")
# The same on ASCII bytes (RE2's \b and \d are ASCII's, as Python's are on ASCII text): Python's
# re tries every alternative at every position, RE2 scans once.
_DATE_ASCII = re2.compile(_DATE.pattern.encode())
_BYLINE = re.compile(r"(?:by|von|par|por|di|door|av|przez|от|文|作者|記者|记者)[\s:：/]")
_PUNCT = ".,;:!?\"'()[]“”‘’«»"
# ASCII lines (most lines) are counted by deleting bytes: the same counts as the regexes
# (``[^\W\d_]`` and ``\d`` are [A-Za-z] and [0-9] on ASCII) at C speed.
_ASCII = bytes(range(128))
_NOT_LETTER = bytes(b for b in _ASCII if not chr(b).isalpha())
_NOT_UPPER = bytes(b for b in _ASCII if not chr(b).isupper())
_NOT_DIGIT = bytes(b for b in _ASCII if not chr(b).isdigit())
_FIRST = itemgetter(0)


@cache
def _words() -> dict[str, Any]:
    words: dict[str, Any] = json.loads(WORDS.read_text(encoding="utf-8"))
    return words


@cache
def stopwords() -> dict[str, frozenset[str]]:
    """Stop words per language (``cjk``: characters), shipped as data."""
    return {lang: frozenset(words) for lang, words in _words()["stop"].items()}


@cache
def chrome_words() -> frozenset[str]:
    """Words of menus, share bars and account links."""
    return frozenset(_words()["chrome"])


class _Line(NamedTuple):
    # A named tuple: built for every new line, and a frozen dataclass costs more to build.
    chars: int
    words: float  # Latin tokens plus CJK characters / 2
    stop: float  # share of words that are stop words
    ends: bool
    colon: bool
    no_letters: bool
    upper: float
    titled: float
    digits: float
    separators: bool
    chrome: float
    copyright: bool
    commas: int
    cjk: float  # share of characters that are CJK
    dated: bool
    byline: bool


def language_counts(lines: list[str]) -> dict[str, int]:
    """How many of the lines' words are stop words, per language but CJK (they add up: the
    counts of two lists of lines are the counts of both)."""
    tokens = Counter(" ".join(lines).casefold().split())
    return {
        lang: sum(tokens[w] for w in words if w in tokens)
        for lang, words in stopwords().items()
        if lang != "cjk"
    }


def pick_language(counts: dict[str, int]) -> str:
    """The language whose stop words are most of the words (the first by name on a tie)."""
    return max(sorted(counts), key=counts.__getitem__)


def _language(lines: list[str]) -> str:
    """The page's language: the stop-word list most of its words fall in (CJK characters are
    counted against their own list, line by line)."""
    return pick_language(language_counts(lines))


def _line(
    line: str, stops: frozenset[str], cjk_stops: frozenset[str], chrome: frozenset[str]
) -> _Line:
    # Regexes, byte deletion and C-level string methods: this runs on every line of every
    # document.
    folded = line.casefold()
    tokens = folded.split()
    if line.isascii():
        cjk: list[str] = []
        data = line.encode("ascii")
        letters = len(data.translate(None, _NOT_LETTER))
        upper = len(data.translate(None, _NOT_UPPER))
        n_digits = len(data.translate(None, _NOT_DIGIT))
        separators = "|" in line
        # Every date pattern but the CJK one has a digit.
        dated = n_digits > 0 and _DATE_ASCII.search(data.lower()) is not None
    else:
        if _CJK.search(line):
            cjk = _CJK.findall(line)
            tokens = [t for t in tokens if not _CJK.search(t)]
        else:
            cjk = []
        letters = len(_NOT_LETTERS.sub("", line))
        upper = sum(map(str.isupper, line))
        n_digits = len(_DIGIT.findall(line))
        separators = _SEPARATOR.search(line) is not None
        # Casefolding keeps digits and 年月日, and every date pattern has one of them.
        dated = (n_digits > 0 or not _CJK_DATE.isdisjoint(line)) and (
            _DATE.search(folded) is not None
        )
    latin = list(filter(None, map(str.strip, tokens, repeat(_PUNCT))))
    words = len(latin) + len(cjk) / 2
    stop_hits: float = sum(map(stops.__contains__, latin))
    if cjk:
        stop_hits += sum(map(cjk_stops.__contains__, cjk)) / 2
    bare = line.rstrip(_CLOSERS)
    end = bare[-1:]
    raw = line.split()
    return _Line(
        chars=len(line),
        words=words,
        stop=stop_hits / words if words else 0.0,
        ends=end in _ENDS,
        colon=end == ":",
        no_letters=not letters,
        upper=upper / (letters or 1),
        titled=sum(map(str.isupper, map(_FIRST, raw))) / len(raw) if raw else 0.0,
        digits=n_digits / len(line),
        separators=separators,
        chrome=sum(map(chrome.__contains__, latin)) / len(latin) if latin else 0.0,
        copyright="©" in line or "copyright" in folded or "all rights reserved" in folded,
        commas=line.count(",") + line.count("，") + line.count("、"),
        cjk=len(cjk) / len(line),
        dated=dated,
        byline=_BYLINE.match(folded) is not None,
    )


def _is_body(f: _Line) -> bool:
    return f.words >= _BODY_WORDS and (f.stop >= 0.15 or f.cjk >= 0.5) and not f.copyright


# The features that depend on the line alone (the rest depend on where it is in the page).
OWN_FEATURES = (
    "log_chars",
    "log_words",
    "stopword_density",
    "end_punctuation",
    "ends_with_colon",
    "no_letters",
    "upper_share",
    "titlecase_share",
    "digit_share",
    "separators",
    "chrome_word_share",
    "copyright",
    "log_commas",
    "cjk_share",
    "date_or_time",
    "byline",
    "up_to_2_words",
    "3_to_5_words",
    "6_to_10_words",
    "short_without_end",
)


def _own(f: _Line) -> tuple[float, ...]:
    return (
        math.log1p(f.chars),
        math.log1p(f.words),
        f.stop,
        float(f.ends),
        float(f.colon),
        float(f.no_letters),
        f.upper,
        f.titled,
        f.digits,
        float(f.separators),
        f.chrome,
        float(f.copyright),
        math.log1p(f.commas),
        f.cjk,
        float(f.dated),
        float(f.byline),
        float(f.words <= 2),
        float(2 < f.words <= 5),
        float(5 < f.words <= 10),
        float(f.words <= _SHORT_WORDS and not f.ends),
    )
