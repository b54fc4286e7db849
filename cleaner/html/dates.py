"""A page's dates from what a reader sees, and the archive a page was captured by.

The markup's own dates (JSON-LD, ``<meta>``, microdata, ``<time>``) come first (meta.py); this
module adds the weaker evidence, strongest first: a date line the page writes beside its
headline or under a publication label (read by the text date kinds' parser, the same forms
as plain text; a line a script writes with ``document.write`` counts), then a date in the URL
path. An updated label's date is never the publication date. The date line also overrules the
markup's date when it is earlier or the URL agrees with it (meta.py).

A Wayback Machine capture is recognised by its URL (``web.archive.org/web/<14 digits>/``) or
by the toolbar and the closing comment the archive adds: its capture time is the page's crawl
date (no date after it is the page's), its original URL is the page's URL for a date path, and
the toolbar's own text and timestamps are never read as the page's.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import lxml.etree
import lxml.html

from cleaner.html.titles import segments

_WAYBACK_URL = re.compile(
    r"^https?://(?:web\.|wayback\.)?archive\.org/web/([0-9]{14})[a-z_]*/(.+)$"
)
_ARCHIVED_ON = re.compile(r"FILE ARCHIVED ON [0-9:]+ ([A-Z][a-z]{2}) ([0-9]{1,2}), ([0-9]{4})")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Elements whose text is not the page's: the archive's toolbar (ids "wm-ipp", "wm-ipp-base"...).
_SKIP = frozenset(
    (
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
        "head", "title", "meta", "link", "select", "option", "textarea", "button",
    )
)  # fmt: skip
# Elements whose own text the page-type features leave out (their tail is read).
_HIDDEN = frozenset(("script", "style", "noscript", "template"))
_BLOCKS = frozenset(
    (
        "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
        "div", "dl", "dt", "figcaption", "figure", "footer", "form", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
        "h1", "h2", "h3", "h4", "h5", "h6",
    )
)  # fmt: skip
# Labels that make a date the publication's, or another field's (searched just before it).
_PUBLISHED = re.compile(
    r"(?i)(?:^\s*by\s|\bpublished\b|\bposted\b|\bposted on\b|\breleased\b|\bdate\b|"
    r"\bveröffentlicht\b|\bpublié\b|\bpublicado\b|\bpubblicato\b|发布|發布|發佈|公開日|投稿日)"
)
_UPDATED = re.compile(
    r"(?i)(?:\bupdated?\b|\bmodified\b|\brevised\b|\baktualisiert\b|\bmis à jour\b|更新|修改)"
)
# Labels of a date that is a person's, not the page's (a forum poster's "Joined Nov 4, 2011").
_PERSON = re.compile(r"(?i)(?:\bjoined\b|\bmember since\b|\bregistered\b|\bborn\b)")
# A page that writes its date line from a script: the literal text of each document.write call.
_WRITE = re.compile(
    r"document\.write(?:ln)?\s*\(\s*(?:'((?:[^'\\\n]|\\.){1,300})'|\"((?:[^\"\\\n]|\\.){1,300})\")\s*\)"
)
_TAG = re.compile(r"<[^>]*>")
_LABEL_GAP = 60
_MAX_LINES = 3000  # lines rendered: a page's head is near its top
_MAX_WORDS = 20  # a longer line is a sentence, whose dates are events
_NEAR_AFTER, _NEAR_BEFORE = 6, 3  # lines after / before the headline that are its date lines
_FAR_LABEL = 12  # lines from the headline beyond which a labelled date yields to its date line
_LIST_SPAN = 4  # a date line with two others this close is an item of a list
_SHARE_WORDS = 12  # or, before it, lines of a few words in all: a bar of share buttons
# Evidence of a visible date, strongest first.
LABEL, NEAR_TITLE = 2, 1


@dataclass(frozen=True)
class Capture:
    """An archive capture: when, and the page's original URL (when the archive names it)."""

    day: date
    url: str | None


def _stamp(digits: str) -> date | None:
    try:
        return datetime.strptime(digits[:8], "%Y%m%d").date()
    except ValueError:
        return None


def wayback_capture(
    root: lxml.html.HtmlElement | None, url: str | None, source: str = ""
) -> Capture | None:
    """The Wayback Machine capture a page is, from its URL, toolbar or closing comment
    (``source``: the page's HTML)."""
    m = _WAYBACK_URL.match(url or "")
    if m is not None:
        day = _stamp(m.group(1))
        if day is not None:
            return Capture(day, m.group(2))
    if root is None:
        return None
    for form in root.iter("form"):
        if form.get("id") != "wmtb" and "form-submit" not in (form.get("action") or ""):
            continue
        values = {i.get("name"): (i.get("value") or "").strip() for i in form.iter("input")}
        day = _stamp(values.get("date") or "") if (values.get("date") or "").isdigit() else None
        if day is not None:
            return Capture(day, values.get("url") or None)
    # The closing comment (the parser drops comments, so it is read from the source).
    at = source.rfind("FILE ARCHIVED ON") if source else -1
    m = _ARCHIVED_ON.match(source, at) if at >= 0 else None
    if m is not None and m.group(1).lower() in _MONTHS:
        try:
            return Capture(
                date(int(m.group(3)), _MONTHS.index(m.group(1).lower()) + 1, int(m.group(2))), None
            )
        except ValueError:
            return None
    return None


class Rendered(NamedTuple):
    """A page's text for its two readers, from one walk over the tree."""

    lines: list[str]  # as a reader sees it, a line per block: the dates and titles read it
    shown: str | None  # the page-type features' text (``shown_text``); None: not gathered


def visible_lines(root: lxml.html.HtmlElement) -> list[str]:
    """The page's visible text as a reader sees it, a line per block (archive toolbar left out)."""
    return render_text(root).lines


def shown_text(root: lxml.html.HtmlElement) -> str:
    """The body's text as the page-type model was trained on it: each element's text (none for
    a hidden one's), then its tail, in element order (not reading order), white space runs
    made one space."""
    body = root.find("body")
    if body is None:
        return ""
    parts: list[str] = []
    for el in body.iter():
        _shown(el, parts)
    return " ".join(" ".join(parts).split())


def _shown(el: Any, parts: list[str]) -> None:
    if isinstance(el.tag, str) and el.tag not in _HIDDEN and el.text:
        parts.append(el.text)
    if el.tail:  # the tail is outside the element
        parts.append(el.tail)


def render_text(root: lxml.html.HtmlElement) -> Rendered:
    """``visible_lines`` and ``shown_text`` on one walk (the second only when the walk reads
    the whole body: it stops after ``_MAX_LINES`` lines)."""
    body = root.find("body")
    has_body = body is not None
    shown: list[str] | None = [] if has_body else None
    if body is None:
        body = root
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        if parts:
            line = " ".join("".join(parts).split())
            parts.clear()
            if line:
                lines.append(line)

    # lxml walks the tree (no recursion: a page may nest elements thousands deep); a comment's
    # or processing instruction's tail is text, the element itself is not. The shown text
    # takes each element's text and tail at its start, as ``shown_text``'s walk does.
    walker = lxml.etree.iterwalk(body, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if len(lines) >= _MAX_LINES:
            shown = None
            break
        if event == "start":
            text = el.text
            if shown is not None:
                if text and el.tag not in _HIDDEN:
                    shown.append(text)
                if el.tail:
                    shown.append(el.tail)
            tag = el.tag.lower() if isinstance(el.tag, str) else None
            if tag in _SKIP or (el.get("id") or "").startswith("wm-"):
                if tag == "script" and text and "document.write" in text:
                    flush()
                    lines.extend(_written(text))
                if shown is not None:  # the shown text reads inside what the lines skip
                    for inner in el.iterdescendants():
                        _shown(inner, shown)
                walker.skip_subtree()  # its end event still comes, for its tail
                continue
            if tag in _BLOCKS:
                flush()
            if text:
                parts.append(text)
            continue
        if event != "end":  # a comment or processing instruction: its tail only
            if shown is not None and el.tail:
                shown.append(el.tail)
        elif isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            flush()
        if el.tail and el is not body:
            parts.append(el.tail)
    flush()
    if not has_body:  # shown_text reads only a body
        return Rendered(lines, "")
    return Rendered(lines, None if shown is None else " ".join(" ".join(shown).split()))


def _written(script: str) -> list[str]:
    """The text the last literal ``document.write('...')`` call of a script writes: a script
    that writes a date line in several versions ("if the edition is Asia ... else ...") has
    the default, the version most readers see, last."""
    out = []
    for m in _WRITE.finditer(script):
        raw = m.group(1) if m.group(1) is not None else m.group(2)
        text = " ".join(_TAG.sub(" ", html.unescape(re.sub(r"\\(.)", r"\1", raw))).split())
        if text:
            out = [text]
    return out


def _compiled_forms() -> tuple[tuple[str, Any], ...]:
    # The plain-text date forms, compiled as the text_date kind compiles them (imported here:
    # the rule engine builds on cleaner.html, so this module may not load it at import time).
    from cleaner.engine.kinds.base import compile_or_raise
    from cleaner.engine.kinds.textdates import FORMS

    global _FORMS
    if _FORMS is None:
        _FORMS = tuple(
            (name, compile_or_raise(src, ignore_case=True, option="form")) for name, src in FORMS
        )
    return _FORMS


_FORMS: tuple[tuple[str, Any], ...] | None = None


def _anchors(lines: list[str], headings: list[str]) -> list[int]:
    """The lines of the headline: every line that is the first heading given (the chosen
    title), else the next heading, else a part of a title of three words or more ("Site -
    Section - Headline"). A page's first <h1> may be its logo, and a list of top stories may
    name the headline above the story itself."""
    index: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        index.setdefault(line.casefold(), []).append(i)
    for heading in headings:
        at = index.get(" ".join(heading.split()).casefold()) if heading else None
        if at:
            return at
    for heading in headings:
        for part in segments(heading):
            at = index.get(part.casefold()) if len(part.split()) >= 3 else None
            if at:
                return at
    return []


def _label(before: str, regex: re.Pattern[str]) -> bool:
    end = -1
    for m in regex.finditer(before):
        end = m.end()
    return end >= 0 and len(before) - end <= _LABEL_GAP


def _in_list(dated: list[int], line: int, anchors: list[int]) -> bool:
    """Whether other lines within ``_LIST_SPAN`` of ``line`` hold dates: two or more; for
    a line below the headline, those above the headline do not count (a list of posts just
    above the headline, then the story's own date line)."""
    return (
        len(
            {
                d
                for d in dated
                if d != line
                and abs(d - line) <= _LIST_SPAN
                and not any(d < a < line for a in anchors)
            }
        )
        >= 2
    )


class Visible(NamedTuple):
    """The dates a page's visible text writes, and how strong the published one's evidence is
    (``LABEL``, ``NEAR_TITLE``, 0 for none)."""

    published: date | None
    strength: int
    updated: date | None


def visible_dates(lines: list[str], headings: list[str], crawled: date | None) -> Visible:
    """The published and updated dates the visible text writes: a labelled date, else the date
    line beside the headline. None where the evidence is missing; nothing after ``crawled``."""
    from cleaner.engine.kinds.textdates import page_order, scan, settled

    found = scan(_compiled_forms(), lines, len(lines), _MAX_WORDS)
    if not found:
        return Visible(None, 0, None)
    order = page_order(found)
    anchors = _anchors(lines, headings)
    near: set[int] = set()
    for anchor in anchors:
        first, between = anchor, 0  # words between the line above ``first`` and the headline
        while first > 0 and (anchor - first < _NEAR_BEFORE or between <= _SHARE_WORDS):
            first -= 1
            between += len(lines[first].split())
        near.update(range(max(0, first), anchor + _NEAR_AFTER + 1))
    published: list[tuple[int, int, date]] = []
    updated: list[date] = []
    # Lines holding dates: a date line among others (a list of posts, each with its date) is
    # not the headline's, even beside a line that repeats it.
    dated = [f.line for f in found]
    for f in found:
        when = settled(f, order)
        if when is None or (crawled is not None and when > crawled):
            continue
        line = lines[f.line]
        before = line[: f.start]
        if not before.strip(" :|-–—,/·•([") and f.line > 0 and len(lines[f.line - 1].split()) <= 3:
            before = lines[f.line - 1] + " "  # "Published:" above its date
        if _label(before, _PERSON):
            continue
        if _label(before, _UPDATED) and not _label(before.split("|")[-1], _PUBLISHED):
            updated.append(when)
            continue
        distance = min((abs(f.line - a) for a in anchors), default=f.line)
        if _label(before, _PUBLISHED) and (not anchors or f.line >= anchors[0] - _NEAR_BEFORE):
            published.append((LABEL, distance, when))
        elif f.line in near and not _in_list(dated, f.line, anchors):
            published.append((NEAR_TITLE, distance, when))
    first_updated = updated[0] if updated else None
    if not published:
        return Visible(None, 0, first_updated)
    # A label far below the headline ("Date:" of an event in the body) yields to the
    # headline's own date line.
    if any(p[0] == NEAR_TITLE for p in published) and anchors:
        published = [p for p in published if p[0] == NEAR_TITLE or p[1] <= _FAR_LABEL]
    top = max(p[0] for p in published)
    best = min((p for p in published if p[0] == top), key=lambda p: p[1])
    return Visible(best[2], top, first_updated)
