"""A big page made small before it is parsed: what no reader of the page uses is blanked.

A page of many megabytes is rarely many megabytes of article: the bulk is inline code and
data (framework state as JSON, bundled scripts, styles, base64 images, commented-out markup).
A parse tree costs many times the text it is built from, and trafilatura copies the tree
twice, so on a page over ``PRUNE_FROM`` characters (6 MB), before parsing:

- the content of each ``<script>`` and ``<style>`` longer than ``BLOB`` characters is
  blanked, the element kept (JSON-LD is kept whole: the dates, titles and page type read it);
- a comment longer than ``BLOB`` is emptied (``<!---->``: pack rules find short comments);
- a ``data:`` URI longer than ``BLOB`` becomes ``data:,``.

The scan follows HTML's tokenizer where it matters: a comment ends at the first ``-->``, a
script or style at the first ``</script`` / ``</style``, one left unclosed runs to the end of
the page; a ``<script>`` inside a comment is comment. It is linear: each opener's closer is
searched once, and an opener without one ends the scan.

What is left over ``MAX_PARSE`` characters (3 MB) is cut (at a tag's start) and the record says so
(``cut:page`` in ``repairs``): past that, the worker's memory would grow with the page. Pages
under ``PRUNE_FROM`` are parsed as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Pruning is for memory only: below this a whole parse fits a worker's budget (300 MB), and
# blanking costs some real pages their date (htmldate finds it only inside a big script; see
# bench/results/html-speed.txt, round 4).
PRUNE_FROM = 6_000_000
BLOB = 1_000
MAX_PARSE = 3_000_000

_OPENER = re.compile(r"<(?:!--|(script|style)\b)", re.I)
_CLOSERS = {
    "script": re.compile(r"</script", re.I),
    "style": re.compile(r"</style", re.I),
}
_DATA_URI = re.compile(r"data:[^\s\"'<>)]{" + str(BLOB) + ",}")
_LD_JSON = re.compile(r"ld\+json", re.I)


@dataclass(frozen=True)
class Pruned:
    html: str
    blanked: int  # characters of scripts, styles, comments and data URIs left out
    cut: int  # characters cut off the end (0: the page is whole)


def prune(html: str) -> Pruned:
    """``html`` less its big invisible blobs, cut at ``MAX_PARSE``; as it is when small.

    The kept stretches are gathered only up to the cut: the rest of the page is never copied.
    """
    if len(html) <= PRUNE_FROM:
        return Pruned(html, 0, 0)
    parts: list[str] = []
    size = 0
    blanked = 0
    last = 0
    for start, stop in _kept_spans(html):
        piece = _DATA_URI.sub("data:,", html[start:stop])  # no URI spans two stretches
        blanked += start - last + (stop - start) - len(piece)
        last = stop
        parts.append(piece)
        size += len(piece)
        if size > MAX_PARSE:  # the rest is cut: never copied
            break
    else:
        blanked += len(html) - last
    kept = "".join(parts)
    del parts
    if size <= MAX_PARSE:
        return Pruned(kept, blanked, 0)
    at = kept.rfind("<", MAX_PARSE // 2, MAX_PARSE)
    at = at if at > 0 else MAX_PARSE
    return Pruned(kept[:at], blanked, len(html) - blanked - at)


def _kept_spans(html: str) -> Iterator[tuple[int, int]]:
    """The stretches of ``html`` kept, in order: all but the big blobs' contents."""
    pos = 0  # html[pos:] is not yet yielded
    at = 0
    while (m := _OPENER.search(html, at)) is not None:
        tag = m.group(1)
        if tag is None:  # a comment
            end = html.find("-->", m.end())
            stop = len(html) if end < 0 else end
            if stop - m.end() > BLOB:
                yield pos, m.end()
                pos = stop
            if end < 0:
                break
            at = end + 3
            continue
        gt = html.find(">", m.end())  # the opener's end; none: no later opener ends either
        if gt < 0:
            break
        closer = _CLOSERS[tag.lower()].search(html, gt + 1)
        stop = len(html) if closer is None else closer.start()
        keep = tag.lower() == "script" and _LD_JSON.search(html, m.end(), gt) is not None
        if stop - gt - 1 > BLOB and not keep:
            yield pos, gt + 1
            pos = stop
        if closer is None:
            break
        at = closer.end()
    if pos < len(html):
        yield pos, len(html)
