"""What every reader shares: the JSONL field names, the size limits, and the item a reader yields.

The format readers (``readers``, ``warc``) import these from here, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.limits import (
    DEFAULT_MAX_ARTICLE_BYTES,
    DEFAULT_MAX_PAGE_BYTES,
    page_too_large_message,
    too_large_message,
)
from cleaner.record import RawArticle, Reason, Reject


@dataclass(frozen=True)
class JsonlKeys:
    """Which JSONL fields hold what. Every other field passes through under ``meta``."""

    text: str = "text"
    id: str = "id"
    url: str = "url"
    site: str = "site"
    html: str | None = None  # field holding an HTML page instead of text (--html-key)

    @property
    def content(self) -> str:
        """The field the article comes from: the HTML field when set, else the text field."""
        return self.html or self.text


@dataclass(frozen=True)
class Limits:
    """The most bytes read for one article: text (a file or a JSONL line), and an HTML page."""

    article: int = DEFAULT_MAX_ARTICLE_BYTES
    page: int = DEFAULT_MAX_PAGE_BYTES

    def line(self, keys: JsonlKeys) -> int:
        """A JSONL line holds a page when ``--html-key`` is given. JSON escapes a page's quotes,
        backslashes and line breaks and the line carries other fields, so a page within
        ``page`` bytes may take more on the line: the line gets a quarter more room, and the
        page itself is held to ``page`` exactly once decoded (``page_too_large``)."""
        return max(self.article, self.page + self.page // 4) if keys.html else self.article


Item = RawArticle | Reject


def too_large(html: bool, limit: int, size: int | None = None) -> Reason:
    """Why an article over its limit is rejected (``size`` None: unknown, e.g. still inflating)."""
    if html:
        shown = f"{size:,}" if size is not None else f"more than {limit:,}"
        return Reason("page_too_large", page_too_large_message(shown, limit))
    return Reason("too_large", too_large_message(size if size is not None else limit + 1, limit))
