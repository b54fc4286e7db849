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
_NORM = re.compile(r"[\W_]+")
_TITLE_LINES = 300  # a headline is written near the top


def segments(title: str) -> list[str]:
    """The parts of a title between its separators ("Section - Headline | Site")."""
    return [p.strip() for p in _SEPARATORS.split(" ".join(title.split())) if p.strip()]


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
    title = " ".join(title.split())
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


def best_title(
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
    parted = [(src, segments(value)) for src, value in cands]
    if any(len(parts) > 1 for _, parts in parted):
        seen = {line.casefold() for line in lines()[:_TITLE_LINES]}
        for src, parts in parted:
            shown = [p for p in parts if len(parts) > 1 and p.casefold() in seen]
            if shown:
                return src + "+text", max(shown, key=len)
    return cands[0]
