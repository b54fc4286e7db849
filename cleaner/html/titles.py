"""A page's title from the names its markup gives it, with the site's name taken off.

A page names its headline in up to five places (``og:title``, ``twitter:title``, JSON-LD
``headline``, ``<title>``, the first ``<h1>``); each is stripped of the site's name ("Headline -
Site", "Site | Headline") and the one another source confirms is taken: two independent places
that agree are rarely both a section name, a site name or a teaser.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SEPARATORS = re.compile(r"\s+(?:[|\u2013\u2014\-:\u00b7\u2022\u00bb/]|::)\s+|:\s+")
# The parts of a title a page may write as lines of their own: a colon joins a headline's
# parts ("Review: 'Jarhead' ..."), so it separates only a site's name ("Demo Times: ...").
_PARTS = re.compile(r"\s+(?:[|\u2013\u2014\-\u00b7\u2022\u00bb/]|::)\s+")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A date after the headline ("Headline - Jul 1, 2005", "- Monday August 14, 2000 11:34 PM").
_DATE_TAIL = re.compile(
    r"(?i)\s*[-|\u2013\u2014,]\s*(?:[a-z]+day,?\s+)?"
    r"(?:" + _MONTH + r"\s+[0-9]{1,2},?|[0-9]{1,2}\s+" + _MONTH + r",?)\s+(?:19|20)[0-9]{2}"
    r"(?:,?\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s*[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?)?\s*$"
)
_NORM = re.compile(r"[\W_]+")
_TITLE_LINES = 300  # a headline is written near the top


def segments(title: str) -> list[str]:
    """The parts of a title between its separators ("Section - Headline | Site")."""
    return [p.strip() for p in _PARTS.split(" ".join(title.split())) if p.strip()]


def _pieces(title: str) -> list[str]:
    """The title's parts, and the parts of those split at a colon ("Site: Section: Headline"):
    the longest a page writes as a line of its own wins, so "Review: 'Jarhead' ..." shown
    whole beats "Review" shown as a menu item."""
    parts = segments(title)
    out = list(parts)
    for part in parts:
        pieces = [p.strip() for p in re.split(r":\s+", part) if p.strip()]
        if len(pieces) > 1:
            out.extend(pieces)
    return out


def without_date(title: str) -> str:
    """The title without a date written after it; unchanged if the date is all there is."""
    bare = _DATE_TAIL.sub("", title)
    return bare if bare.strip() else title


def norm_name(text: str) -> str:
    return _NORM.sub("", text.casefold())


def _is_site(segment: str, sites: list[str]) -> bool:
    seg = norm_name(segment)
    if not seg:
        return True
    return any(seg == s or (len(seg) >= 3 and (seg in s or s in seg)) for s in sites)


def strip_site_name(title: str, sites: list[str], heading: str | None) -> str:
    """``Headline | Section | Site`` -> ``Headline``: drop end segments that name the site.

    A segment that equals the page's <h1> is the headline, whatever the others name.
    """
    title = without_date(" ".join(title.split()))
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    seps = _SEPARATORS.findall(title)
    start, end = 0, len(parts)
    while end - start > 1 and _is_site(parts[end - 1], sites):
        end -= 1
    while end - start > 1 and _is_site(parts[start], sites):
        start += 1
    if heading:  # a segment that is the page's <h1> is the headline, whatever else is there
        h = norm_name(heading)
        for part in parts[start:end]:
            if norm_name(part) == h:
                return part.strip()
    if (start, end) != (0, len(parts)):
        out = parts[start]
        for i in range(start + 1, end):
            out += seps[i - 1] + parts[i]
        return out.strip()
    return title


_WORD = re.compile(r"\w+")
_HEADING_WORDS = 3  # a shorter <h1> may be a section's or the site's name
_HEADING_SHARE = 0.4  # of the shorter one's words: the <h1> retells the markup's title


def best_title(
    candidates: list[tuple[str, str]], lines: Callable[[], list[str]]
) -> tuple[str, str] | None:
    """The page's visible headline (``h1``) when it retells a title the markup gives (sharing
    words with it: the markup's titles are often written for search engines and shares, the
    <h1> for the reader); else ``_confirmed``."""
    chosen = _confirmed(candidates, lines)
    heading = next((" ".join(v.split()) for src, v in candidates if src == "h1"), "")
    words = set(_WORD.findall(heading.casefold()))
    if chosen is None or len(words) < _HEADING_WORDS or norm_name(heading) == norm_name(chosen[1]):
        return chosen
    for src, value in candidates:
        other = set(_WORD.findall(value.casefold()))
        shared = len(words & other)
        if src != "h1" and other and shared >= _HEADING_SHARE * min(len(words), len(other)):
            return "h1", heading
    return chosen


def _confirmed(
    candidates: list[tuple[str, str]], lines: Callable[[], list[str]]
) -> tuple[str, str] | None:
    """The (source, title) another source confirms, first in the given order of trust; else a
    part of a title ("Section | Headline") that the page's visible text (``lines``, rendered
    only when needed) writes as a line of its own; else the first."""
    cands = [(src, " ".join(value.split())) for src, value in candidates]
    cands = [(src, value) for src, value in cands if value]
    if not cands:
        return None
    keys = [norm_name(value) for _, value in cands]
    for i, key in enumerate(keys):
        if key and any(
            key == other
            for j, other in enumerate(keys)
            if j != i and cands[j][0].split(":")[0] != cands[i][0].split(":")[0]
        ):
            return cands[i]
    parted = [(src, _pieces(value)) for src, value in cands]
    if any(len(parts) > 1 for _, parts in parted):
        seen = {line.casefold() for line in lines()[:_TITLE_LINES]}
        for src, parts in parted:
            shown = [p for p in parts if len(parts) > 1 and p.casefold() in seen]
            if shown:
                return src + "+text", max(shown, key=len)
    return cands[0]
