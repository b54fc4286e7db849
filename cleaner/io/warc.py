"""WARC and WET files (Common Crawl) through fastwarc: one article per response or conversion.

A WARC response becomes an HTML (or plain-text) article with its target URL; a WET conversion
record is already text. The WARC date is when the page was fetched, not when it was published,
so it goes to ``meta.warc_date`` and never to ``date_published``. Request, metadata, warcinfo and
revisit records are not articles and are not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cleaner.errors import require_extra
from cleaner.io.items import Limits, too_large
from cleaner.record import RawArticle, Reason, Reject

HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)


def _record_id(rec: Any, fallback: str) -> str:
    rid = rec.headers.get("WARC-Record-ID") or ""
    return rid.strip().strip("<>") or fallback


def read_warc(raw: IO[bytes], source: str, limits: Limits) -> Iterator[RawArticle | Reject]:
    require_extra("fastwarc", "warc", "reading WARC/WET files")
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    wanted = WarcRecordType.response | WarcRecordType.resource | WarcRecordType.conversion
    records = iter(ArchiveIterator(raw, record_types=wanted, parse_http=True, auto_decode="all"))
    stem = Path(source).name.split(".")[0]
    offset = 0
    while True:
        try:
            rec = next(records)
        except StopIteration:
            return
        except (OSError, ValueError) as exc:
            yield Reject(
                f"{stem}@{offset}",
                f"{source}@{offset}",
                (Reason("unreadable", f"cannot read WARC records past offset {offset}: {exc}"),),
            )
            return
        offset = rec.stream_pos
        yield _article(rec, source, stem, offset, limits)


def _article(rec: Any, source: str, stem: str, offset: int, limits: Limits) -> RawArticle | Reject:
    from fastwarc.warc import WarcRecordType

    where = f"{source}@{offset}"
    rid = _record_id(rec, f"{stem}@{offset}")
    url = rec.headers.get("WARC-Target-URI")
    meta: dict[str, Any] = {"warc_date": rec.headers.get("WARC-Date")}
    limit = max(limits.article, limits.page)
    body = rec.reader.read(limit + 1)  # decoded (gzip, brotli) no further than the limit
    if len(body) > limit:
        return Reject(rid, where, (too_large(True, limit),))
    if rec.record_type == WarcRecordType.conversion:
        meta["warc_refers_to"] = (rec.headers.get("WARC-Refers-To") or "").strip("<>") or None
        return RawArticle(rid, where, body, url=url, meta=meta)
    if rec.is_http:
        status = rec.http_headers.status_code
        if status is None or not 200 <= status < 300:
            return Reject(
                rid, where, (Reason("http_status", f"HTTP status {status}, not a 2xx page"),)
            )
        ctype = (rec.http_content_type or "").lower()
    else:
        ctype = (rec.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype in HTML_TYPES:
        meta["content_type"] = ctype
        return RawArticle(rid, where, body, url=url, meta=meta, html=True)
    if ctype in TEXT_TYPES:
        return RawArticle(rid, where, body, url=url, meta=meta)
    return Reject(
        rid,
        where,
        (Reason("not_text", f"content type '{ctype or 'unknown'}' is neither HTML nor text"),),
    )
