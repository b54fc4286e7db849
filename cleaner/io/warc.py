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
    last: RawArticle | Reject | None = None  # held back until it is known to be whole
    while True:
        try:
            rec = next(records)
        except StopIteration:
            break
        except (OSError, ValueError) as exc:
            if last is not None:
                yield last
            yield Reject(
                f"{stem}@{offset}",
                f"{source}@{offset}",
                (Reason("unreadable", f"cannot read WARC records past offset {offset}: {exc}"),),
            )
            return
        if last is not None:
            yield last
        offset = rec.stream_pos
        last = _article(rec, source, stem, offset, limits)
    if last is None:
        return
    # Only the last record can be cut short (a file truncated in a copy or a crawl that died):
    # fastwarc gives what there is as if it were whole, so its length is checked.
    too_large = isinstance(last, Reject) and last.reasons[0].code == "page_too_large"
    missing = None if too_large else _missing_bytes(raw, offset)
    if missing is None:
        yield last
        return
    message = (
        f"the WARC record at offset {offset:,} is cut short ({missing}): the file is "
        "truncated; the partial record is not used"
    )
    yield Reject(last.id, last.source, (Reason("truncated_record", message),))


def _missing_bytes(raw: IO[bytes], offset: int) -> str | None:
    """How much of the record at ``offset`` is missing, in words, or None when it is whole:
    the record is read again, undecoded, and its bytes counted against its Content-Length."""
    from fastwarc.warc import ArchiveIterator

    try:
        raw.seek(offset)
        rec = next(iter(ArchiveIterator(raw, parse_http=False, auto_decode="none")), None)
        declared = None if rec is None else (rec.headers.get("Content-Length") or "").strip()
        if rec is None or not declared or not declared.isdigit():
            return "its headers are incomplete"
        want, got = int(declared), 0
        while got < want:
            chunk = rec.reader.read(min(1 << 20, want - got))
            if not chunk:
                return f"{want - got:,} of the {want:,} bytes its Content-Length gives are missing"
            got += len(chunk)
    except (OSError, ValueError):
        return "its bytes cannot be read again"
    return None


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
