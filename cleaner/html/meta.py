"""What a page says about itself: title, author, dates and canonical URL, from its markup.

Structured sources first, in the order they measured most reliable on the WCXB article pages
(see bench/html_quality.py): JSON-LD, then ``<meta>`` tags, then microdata and ``<time>``
elements, then the URL. Each value records where it came from (``fields_from``). A date is
never guessed: a value that does not parse as a full date with a year is ignored, and no date
is judged against today's clock, so the same page gives the same record whenever it is cleaned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from cleaner.html.dates import visible_dates, visible_lines, wayback_capture
from cleaner.html.titles import best_title, norm_name, strip_site_name, without_date

MIN_YEAR, MAX_YEAR = 1990, 2100

# <meta> keys (name, property or itemprop, lowercased) in order of trust.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "publish-date",
    "publishdate",
    "publish_date",
    "pubdate",
    "original-publish-date",
    "article.published",
    "published_time",
    "og:published_time",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "date",
)
UPDATED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "datemodified",
    "og:updated_time",
    "last-modified",
    "dcterms.modified",
    "dc.date.modified",
    "article.updated",
    "updated_time",
)
TITLE_META = ("og:title", "twitter:title")
AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "citation_author",
)
SITE_META = ("og:site_name", "application-name", "al:ios:app_name", "twitter:site")

# Elements carrying an itemprop, in document order: one walk finds both dates' holders.
_ITEMPROP_HOLDERS = lxml.etree.XPath("//@itemprop/..")
_ARTICLE_TYPES = re.compile(r"(?i)(article|posting|report|news|blog|review)")
# Items whose dates are a reader's, not the page's: comments (added after it, often years).
_REPLY_TYPES = re.compile(r"(?i)comment$")
_BY = re.compile(r"(?i)^\s*by\s+")
_URL_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12][0-9]|3[01])(?![0-9])"
)
# A section or two may sit between the year and the month ("/2005/TECH/internet/07/01/").
_URL_DATE_SEP = re.compile(
    r"/((?:19|20)[0-9]{2})(?:/[A-Za-z][A-Za-z_-]*){0,2}[/_-](0[1-9]|1[0-2])[/_-]"
    r"(0[1-9]|[12][0-9]|3[01])(?:[/_.-]|$)"
)
_TEXT_FORMATS = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
)


@dataclass
class PageMeta:
    fields: dict[str, str] = field(default_factory=dict)
    fields_from: dict[str, str] = field(default_factory=dict)
    canonical_url: str | None = None
    site_name: str | None = None
    crawl_date: str | None = None  # an archive capture's day: no date of the page is after it

    def put(self, name: str, value: str | None, source: str) -> None:
        if value and name not in self.fields:
            self.fields[name] = value
            self.fields_from[name] = source


def parse_page_date(value: str) -> str | None:
    """ISO 8601 for a machine-readable or common written date; None unless it has a year."""
    text = " ".join(value.split()).strip()
    if not text or len(text) > 64:
        return None
    parsed: datetime | None = None
    has_time = False
    iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
    try:
        parsed = datetime.fromisoformat(iso.replace("z", "Z"))
        has_time = "T" in iso or len(iso) > 10
    except ValueError:
        pass
    if parsed is None and re.match(r"^[A-Za-z]{3},? \d", text):
        try:
            parsed, has_time = parsedate_to_datetime(text), True
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        for fmt in _TEXT_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            has_time = "%H" in fmt
            break
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    if not has_time or len(text) == 8:  # 20230510 is a date, not midnight
        return parsed.date().isoformat()
    return parsed.replace(microsecond=0).isoformat()


def url_date(url: str | None) -> str | None:
    """A publication date written in the URL path (``/2023/05/10/``, ``-20230510-``)."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    m = _URL_DATE_SEP.search(path) or _URL_DATE.search(path)
    if not m:
        return None
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3))).date().isoformat()
    except ValueError:
        return None


def _meta_index(root: lxml.html.HtmlElement) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        content = el.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key and not (attr == "itemprop" and _REPLY_TYPES.search(_scope_type(el))):
                index.setdefault(key.strip().lower(), []).append(content.strip())
    return index


def _first_meta(index: dict[str, list[str]], keys: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for key in keys:
        for value in index.get(key, ()):
            yield key, value


def _json_ld(root: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks, flattened out of lists and @graph."""
    found: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        raw = raw.removeprefix("<![CDATA[").removesuffix("]]>").strip().rstrip(";")
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        while stack and len(found) < 200:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
                main = item.get("mainEntity")
                if isinstance(main, dict):
                    stack.append(main)
    return found


def _types(obj: dict[str, Any]) -> str:
    t = obj.get("@type")
    return " ".join(x for x in t if isinstance(x, str)) if isinstance(t, list) else str(t or "")


def _ld_value(objects: list[dict[str, Any]], key: str) -> str | None:
    """``key`` of the first article-like object that has it, else of any object."""
    articles = [o for o in objects if _ARTICLE_TYPES.search(_types(o))]
    for obj in (*articles, *objects):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _names(value: Any) -> list[str]:
    """Person names from a JSON-LD author: a string, an object with name, or a list of them."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            name = " ".join(name.split())
            if name and not name.startswith(("http://", "https://")) and name not in names:
                names.append(name)
    return names


def _ld_author(objects: list[dict[str, Any]]) -> str | None:
    articles = [o for o in objects if _ARTICLE_TYPES.search(_types(o))]
    for obj in articles or objects:
        names = _names(obj.get("author"))
        if names:
            return ", ".join(names[:5])
    return None


def site_names(
    meta: dict[str, list[str]], objects: list[dict[str, Any]], url: str | None
) -> list[str]:
    """Normalised names the site goes by: og:site_name, the publisher, the domain's labels."""
    names = [norm_name(v.lstrip("@")) for _, v in _first_meta(meta, SITE_META)]
    for obj in objects:
        names.extend(norm_name(n) for n in _names(obj.get("publisher")))
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:  # a malformed URL ("http://[::1") names no site
        host = None
    if host:
        labels = [p for p in host.lower().split(".") if p not in ("www", "m", "amp", "news")]
        names.extend(norm_name(p) for p in labels[:-1] if len(p) > 2)
        names.append(norm_name(".".join(labels)))
    return [n for n in names if len(n) >= 3]


def _text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def _heading(root: lxml.html.HtmlElement) -> str | None:
    for h1 in root.iter("h1"):
        text = _text(h1)
        if text:
            return text
    return None


def _canonical(
    root: lxml.html.HtmlElement, meta: dict[str, list[str]], url: str | None
) -> str | None:
    candidates = [
        link.get("href") or ""
        for link in root.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    candidates.extend(meta.get("og:url", ()))
    for href in candidates:
        href = href.strip()
        if not href:
            continue
        try:
            full = urljoin(url, href) if url else href
            parts = urlsplit(full)
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            return full
    return None


def _scope_type(el: Any) -> str:
    """The itemtype of the microdata item an element's property belongs to ("" for none)."""
    for up in el.iterancestors():
        if up.get("itemscope") is not None:
            return up.get("itemtype") or ""
    return ""


def _microdata_dates(holders: list[Any], prop: str) -> Iterator[str]:
    for el in holders:
        if el.get("itemprop") != prop or _REPLY_TYPES.search(_scope_type(el)):
            continue
        value = el.get("datetime") or el.get("content") or _text(el)
        if value:
            yield value


def _time_published(root: lxml.html.HtmlElement) -> Iterator[str]:
    """<time datetime> marked as the publication time (pubdate, or a class saying so)."""
    for el in root.iter("time"):
        value = el.get("datetime")
        if not value:
            continue
        marks = " ".join((el.get("class") or "", el.get("itemprop") or "")).lower()
        parent = el.getparent()
        if parent is not None:
            marks += " " + (parent.get("class") or "").lower()
        if el.get("pubdate") is not None or "publish" in marks or "posted" in marks:
            yield value


def _instant(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value and "T" in value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _local_time(root: lxml.html.HtmlElement, published: str | None) -> str | None:
    """A UTC published timestamp as a ``<time datetime>`` of the page writes the same instant
    in its own offset: the day a reader there sees (23:25 UTC is the next morning at +05:00)."""
    utc = _instant(published)
    if utc is None or utc.utcoffset():
        return None
    for el in root.iter("time"):
        value = parse_page_date(el.get("datetime") or "")
        local = _instant(value)
        if local is not None and local.utcoffset() and local == utc:
            return value
    return None


def _weak_dates(
    out: PageMeta,
    url: str | None,
    headings: list[str],
    lines: Callable[[], list[str]],
) -> None:
    """Dates the markup does not mark: the visible date lines, then the URL's date path. A
    visible date line also overrules the markup's published date when it is earlier (the
    markup's is often a republication's or a UTC timestamp of the evening before), or when
    the URL's date path agrees with it: two sources against one."""
    crawled = date.fromisoformat(out.crawl_date) if out.crawl_date else None
    found = url_date(url or out.canonical_url)
    if found is not None and out.crawl_date is not None and found > out.crawl_date:
        found = None
    visible = visible_dates(lines(), headings, crawled)
    shown = visible.published.isoformat() if visible.published else None
    marked = out.fields.get("date_published")
    if marked is None:
        out.put("date_published", shown, "text")
        out.put("date_updated", visible.updated.isoformat() if visible.updated else None, "text")
    elif shown is not None and shown != marked[:10] and (shown < marked[:10] or shown == found):
        out.fields["date_published"] = shown
        out.fields_from["date_published"] = "text+url" if shown == found else "text"
    out.put("date_published", found, "url")


def page_meta(
    root: lxml.html.HtmlElement | None,
    url: str | None,
    source: str = "",
    visible: list[str] | None = None,
) -> PageMeta:
    """Title, author, dates and canonical URL from a parsed page (read-only); ``source`` is
    the page's HTML, for what the parser drops (an archive's closing comment); ``visible`` is
    the page's ``visible_lines`` when the caller has rendered them."""
    out = PageMeta()
    if root is None:
        out.put("date_published", url_date(url), "url")
        return out
    meta = _meta_index(root)
    objects = _json_ld(root)
    out.canonical_url = _canonical(root, meta, url)
    site = next((v for _, v in _first_meta(meta, SITE_META[:2])), None)
    out.site_name = " ".join(site.split()) if site else None

    capture = wayback_capture(root, url, source)
    if capture is not None:
        out.crawl_date = capture.day.isoformat()
        url = capture.url or None  # the archived page's own URL, not the archive's
    holders = _ITEMPROP_HOLDERS(root)
    for field_name, ld_key, keys, micro in (
        ("date_published", "datePublished", PUBLISHED_META, "datePublished"),
        ("date_updated", "dateModified", UPDATED_META, "dateModified"),
    ):
        found: list[tuple[str | None, str]] = []
        ld = _ld_value(objects, ld_key)
        if ld:
            found.append((parse_page_date(ld), f"json-ld:{ld_key}"))
        found.extend((parse_page_date(v), f"meta:{k}") for k, v in _first_meta(meta, keys))
        found.extend(
            (parse_page_date(v), f"itemprop:{micro}") for v in _microdata_dates(holders, micro)
        )
        if field_name == "date_published":
            # A question (or any item) that says when it was created, not published.
            found.extend(
                (parse_page_date(v), "itemprop:dateCreated")
                for v in _microdata_dates(holders, "dateCreated")
            )
            found.extend((parse_page_date(v), "time") for v in _time_published(root))
        for value, source in found:
            if value is not None and (out.crawl_date is None or value[:10] <= out.crawl_date):
                out.put(field_name, value, source)

    local = _local_time(root, out.fields.get("date_published"))
    if local is not None:
        out.fields["date_published"] = local
        out.fields_from["date_published"] += "+time"

    heading = _heading(root)
    titles = [(f"meta:{k}", v) for k, v in _first_meta(meta, TITLE_META)]
    title_el = root.find(".//title")
    if title_el is not None and _text(title_el):
        titles.append(("title", _text(title_el)))
    headline = _ld_value(objects, "headline")
    if headline:
        titles.append(("json-ld:headline", headline))
    if heading:
        titles.append(("h1", heading))
    # A "site name" that is a whole title is the page's headline (application-name does that);
    # the <h1> is left out: it may be the site's logo.
    whole = {norm_name(without_date(v)) for src, v in titles if src != "h1"}
    sites = [s for s in site_names(meta, objects, url or out.canonical_url) if s not in whole]
    rendered: list[list[str]] = [] if visible is None else [visible]

    def lines() -> list[str]:
        if not rendered:
            rendered.append(visible_lines(root))
        return rendered[0]

    chosen = best_title([(src, strip_site_name(v, sites, heading)) for src, v in titles], lines)
    if chosen is not None:
        out.put("title", chosen[1], chosen[0])

    chosen_title = [chosen[1]] if chosen is not None else []
    headings = [*chosen_title, heading or "", *(v for _, v in titles)]
    _weak_dates(out, url, headings, lines)

    author = _ld_author(objects)
    if author:
        out.put("author", author, "json-ld:author")
    for key, value in _first_meta(meta, AUTHOR_META):
        value = _BY.sub("", " ".join(value.split()))
        if value and not value.startswith(("http://", "https://", "@")):
            out.put("author", value, f"meta:{key}")
    return out
