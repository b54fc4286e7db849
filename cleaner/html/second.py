"""A second extractor beside trafilatura, and how the two vote.

Resiliparse's main-content extraction (C++, a few milliseconds a page) reads the page another
way than trafilatura: where both keep a line, the line is content with more certainty than
either alone gives; where only one keeps it, the page type decides whose word counts
(``cleaner.html.profiles``). Optional: without resiliparse installed the vote is skipped and
trafilatura's text stands. Pure: no file or network I/O.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+")


def resiliparse_text(html: str) -> str | None:
    """Resiliparse's main content of the page (None when it is not installed or finds none)."""
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree
    except ImportError:
        return None
    try:
        text = extract_plain_text(
            HTMLTree.parse(html),
            main_content=True,
            list_bullets=False,
            alt_texts=False,
        )
    except Exception:  # a second opinion is optional: its failure leaves trafilatura's text
        return None
    return text if text and text.strip() else None


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _lines(text: str) -> list[str]:
    return [line for line in (x.strip() for x in text.split("\n")) if line]


def covered(line: str, vocabulary: set[str]) -> float:
    """The share of the line's words found in the other extractor's words."""
    words = _tokens(line)
    if not words:
        return 1.0
    return sum(1 for w in words if w in vocabulary) / len(words)


# A line counts as seen by the other extractor when this share of its words is in that
# extractor's text (the two split lines differently, so whole-line equality is too strict).
SEEN = 0.5


def both(first: str | None, second: str | None) -> str | None:
    """The first extractor's lines that the second also kept: the vote for precision. When the
    second finds nothing, or keeps too little of the first's text for the vote to be about the
    same content, the first's text stands."""
    if not first or not second:
        return first or None
    vocabulary = set(_tokens(second))
    kept = [line for line in _lines(first) if covered(line, vocabulary) >= SEEN]
    return "\n".join(kept) if kept else first


def either(first: str | None, second: str | None, min_words: int = 0) -> str | None:
    """The first extractor's text, and after it the lines only the second kept (of at least
    ``min_words`` words): the vote for recall (forum replies, listing items one drops)."""
    if not first or not second:
        return first or second or None
    vocabulary = set(_tokens(first))
    extra = [
        line
        for line in _lines(second)
        if covered(line, vocabulary) < SEEN and len(_tokens(line)) >= min_words
    ]
    return "\n".join([first, *extra]) if extra else first
