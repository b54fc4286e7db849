"""The pipeline's first steps: an article's bytes to text (``decode``), and a page's HTML to its
article text (``html``); and what makes an article writable at all (id, source, lone
surrogates outside the text).
"""

from __future__ import annotations

import dataclasses
import json
import re

from cleaner.html.charset import decode_page, without_controls
from cleaner.limits import page_too_large_message, too_large_message
from cleaner.record import RawArticle, Reason, Reject, printable
from cleaner.steps.base import Doc, reject
from cleaner.steps.decode import EMPTY, decode
from cleaner.steps.repair import scrub

_SURROGATE = re.compile("[\ud800-\udfff]")


class Decode:
    """Bytes to text: BOM, UTF-8, else a detected charset (a page: its declared charset).

    Inputs over the size limits, and a lone surrogate in url, site or meta, are rejects.
    """

    name = "decode"

    def __call__(self, doc: Doc) -> Doc | Reject:
        problem = unicode_problem(doc.raw)
        return reject(doc, problem) if problem is not None else self.read(doc)

    def read(self, doc: Doc) -> Doc | Reject:
        raw, config = doc.raw, doc.ctx.config
        if not raw.html:
            limit = config.limits["max_article_bytes"]
            if len(raw.data) > limit:  # readers check before reading; this covers other callers
                unit = "characters" if isinstance(raw.data, str) else "bytes"
                return reject(
                    doc, Reason("too_large", too_large_message(len(raw.data), limit, unit))
                )
            if isinstance(raw.data, str) and raw.data.strip():
                return doc.but(text=raw.data, chars_in=len(raw.data))
            decoded = decode(raw.data, per_line=True) if isinstance(raw.data, bytes) else EMPTY
            if decoded.text is None:
                reason = Reason(
                    decoded.problem or "undecodable", decoded.message or "cannot decode"
                )
                return reject(doc, reason)
            # A stray NUL is text's, not a sign of binary: dropped here and said, as a page's
            # control characters are below.
            text, scrubbed = scrub(decoded.text)
            return doc.but(
                text=text,
                repairs=tuple(scrubbed),
                chars_in=len(decoded.text),
                encoding=decoded.encoding or "utf-8",
                encoding_from=decoded.source,
            )
        limit = config.html["max_page_bytes"]
        if len(raw.data) > limit:
            unit = "characters" if isinstance(raw.data, str) else "bytes"
            message = page_too_large_message(f"{len(raw.data):,}", limit, unit)
            return reject(doc, Reason("page_too_large", message))
        if isinstance(raw.data, str):
            html, encoding, how = raw.data, "utf-8", None
        else:
            page = decode_page(raw.data)
            if page.text is None:
                return reject(
                    doc, Reason(page.problem or "undecodable", page.message or "cannot decode")
                )
            html, encoding, how = page.text, page.encoding or "utf-8", page.source
        html, scrubbed = scrub(html)  # a lone surrogate or NUL would break the parser
        html, controls = without_controls(html)  # so would one control character
        if controls:
            scrubbed.append("scrub:controls")
        return doc.but(text=html, encoding=encoding, encoding_from=how, repairs=tuple(scrubbed))


class Html:
    """A page's article text: metadata, packs, HTML rules, then body selector or trafilatura.

    Packs are chosen by the URL, else the canonical URL, else fingerprints in the page source.
    Plain text passes as it is.
    """

    name = "html"

    def __call__(self, doc: Doc) -> Doc | Reject:
        if not doc.raw.html or doc.text is None:
            return doc
        page = doc.ctx.html_text(doc.text, url=doc.raw.url, site=doc.raw.site)
        if page.html.problem is not None:
            return reject(doc, page.html.problem)
        # A page too big to parse whole was cut (cleaner.html.prune): the record says so.
        repairs = (*doc.repairs, "cut:page") if page.html.cut else doc.repairs
        return doc.but(
            text=page.html.text,
            chars_in=len(doc.text),
            page=page.html,
            selection=page.selection,
            repairs=repairs,
        )


def writable(raw: RawArticle) -> RawArticle:
    """Id and source name the article in a record or a reject, so they must be writable."""
    rid, source = printable(raw.id), printable(raw.source)
    if rid is raw.id and source is raw.source:
        return raw
    return dataclasses.replace(raw, id=rid, source=source)


def unicode_problem(raw: RawArticle) -> Reason | None:
    """Why the article cannot be written when a field holds a lone surrogate (no UTF-8 output
    can hold one); the text itself is repaired instead."""
    for name in ("url", "site", "meta"):
        value = getattr(raw, name)
        if name == "meta" and value:
            value = json.dumps(value, ensure_ascii=False)
        if value and _SURROGATE.search(value):
            return Reason(
                "invalid_unicode",
                f"'{name}' holds a lone surrogate (U+D800-U+DFFF), which is not text",
                field=name,
            )
    return None
