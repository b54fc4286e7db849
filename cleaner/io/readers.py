"""Readers: files and folders in, RawArticles (or rejects for unreadable items) out, streaming.

No article is read past its size limit: a larger one (or a gzip page that inflates past it) is
rejected without being held in memory.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cleaner.io.paths import display_path, walk_folder
from cleaner.limits import (
    DEFAULT_MAX_ARTICLE_BYTES,
    DEFAULT_MAX_PAGE_BYTES,
    page_too_large_message,
    too_large_message,
)
from cleaner.record import RawArticle, Reason, Reject, printable

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


@dataclass(frozen=True)
class JsonlKeys:
    text: str = "text"
    id: str = "id"
    url: str = "url"
    site: str = "site"
    html: str | None = None  # field holding an HTML page instead of text (--html-key)


@dataclass(frozen=True)
class Limits:
    """The most bytes read for one article: text (a file or a JSONL line), and an HTML page."""

    article: int = DEFAULT_MAX_ARTICLE_BYTES
    page: int = DEFAULT_MAX_PAGE_BYTES

    def line(self, keys: JsonlKeys) -> int:
        """A JSONL line holds a page when ``--html-key`` is given."""
        return max(self.article, self.page) if keys.html else self.article


Item = RawArticle | Reject


def readable(path: Path) -> bool:
    return path.suffix in TEXT_SUFFIXES + JSONL_SUFFIXES or is_html(path)


def expand_inputs(
    inputs: Iterable[str], outdir: Path | None = None
) -> Iterator[str | Path | Reject]:
    """Each input as given: '-' stays '-', folders become their readable files in sorted order
    (see ``cleaner.io.paths`` for links), skipping the output folder ``outdir`` (resolved)."""
    for item in inputs:
        if item == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            yield from walk_folder(path, readable, outdir)
        else:
            yield path


def is_html(path: Path) -> bool:
    return path.name.lower().endswith(HTML_SUFFIXES)


def page_id(path: Path) -> str:
    """The file name without .html/.htm/.gz, as the id of a page read from disk."""
    name = path.name
    for suffix in sorted(HTML_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return path.stem


def read_inputs(
    inputs: Iterable[str],
    keys: JsonlKeys | None = None,
    *,
    limits: Limits | None = None,
    outdir: Path | None = None,
) -> Iterator[Item]:
    keys = keys or JsonlKeys()
    limits = limits or Limits()
    for item in expand_inputs(inputs, outdir):
        if isinstance(item, Reject):
            yield item
        elif item == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, "<stdin>", keys, limits.line(keys))
        elif isinstance(item, Path):
            yield from read_path(item, keys, limits)


def read_path(path: Path, keys: JsonlKeys, limits: Limits | None = None) -> Iterator[Item]:
    limits = limits or Limits()
    source = display_path(path)
    html = is_html(path)
    rid = printable(page_id(path) if html else path.stem) or source
    if not path.exists():
        yield Reject(rid, source, (Reason("unreadable", "no such file"),))
        return
    limit = limits.page if html else limits.article
    try:
        with path.open("rb") as raw:
            if path.suffix in JSONL_SUFFIXES:
                yield from read_jsonl_stream(raw, source, keys, limits.line(keys))
                return
            fh: IO[bytes] = raw
            size: int | None = os.fstat(raw.fileno()).st_size
            if html and raw.peek(2)[:2] == b"\x1f\x8b":  # gzip, whatever the suffix says
                fh, size = gzip.GzipFile(fileobj=raw), None  # type: ignore[assignment]
            data = fh.read(limit + 1)  # never more than the limit in memory: bombs stop here
            if len(data) > limit:
                yield Reject(rid, source, (_too_large(html, limit, size),))
                return
    except OSError as exc:  # gzip.BadGzipFile is an OSError too
        yield Reject(rid, source, (Reason("unreadable", f"cannot read: {exc.strerror or exc}"),))
        return
    except (EOFError, zlib.error) as exc:
        yield Reject(rid, source, (Reason("unreadable", f"truncated or corrupt gzip: {exc}"),))
        return
    yield RawArticle(id=rid, source=source, data=data, html=html)


def _too_large(html: bool, limit: int, size: int | None = None) -> Reason:
    if html:
        shown = f"{size:,}" if size is not None else f"more than {limit:,}"
        return Reason("page_too_large", page_too_large_message(shown, limit))
    return Reason("too_large", too_large_message(size if size is not None else limit + 1, limit))


def _drain_line(fh: IO[bytes]) -> int:
    """Read past the rest of a line, holding at most 1 MB; return how many bytes."""
    n = 0
    while True:
        chunk = fh.readline(1 << 20)
        n += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return n


def bounded_lines(fh: IO[bytes], max_bytes: int) -> Iterator[bytes | int]:
    """Each line of ``fh``, or its length in bytes when it is longer than ``max_bytes`` (the
    line is then skipped without being held in memory)."""
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            yield len(line) + _drain_line(fh)
        else:
            yield line


def read_jsonl_stream(
    fh: IO[bytes], source: str, keys: JsonlKeys, max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
) -> Iterator[Item]:
    stem = os.path.splitext(os.path.basename(source))[0].strip("<>") or "stdin"
    for n, raw_line in enumerate(bounded_lines(fh, max_bytes), start=1):
        if isinstance(raw_line, int):
            reason = Reason("too_large", too_large_message(raw_line, max_bytes))
            yield Reject(f"{stem}:{n}", f"{source}:{n}", (reason,))
            continue
        if not raw_line.strip():
            continue
        yield parse_jsonl_item(raw_line, n, source, stem, keys)


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: JSON allows the digits, but no output can hold inf
        raise _NotJson(f"number {text} is out of range")
    return value


def parse_jsonl_item(raw_line: bytes, n: int, source: str, stem: str, keys: JsonlKeys) -> Item:
    where = f"{source}:{n}"
    fallback_id = f"{stem}:{n}"

    def bad(message: str, field: str | None = None, rid: str = fallback_id) -> Reject:
        return Reject(rid, where, (Reason("bad_jsonl", message, field=field),))

    try:
        obj: Any = json.loads(raw_line, parse_constant=_refuse_constant, parse_float=_finite)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotJson) as exc:
        return bad(f"line {n} is not JSON: {exc}")
    except RecursionError:
        return bad(f"line {n} nests too deeply to read")
    if not isinstance(obj, dict):
        return bad(f"line {n} is not a JSON object")
    text_key = keys.html or keys.text
    text = obj.get(text_key)
    rid = obj.get(keys.id)
    rid = (
        printable(str(rid))
        if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid)
        else fallback_id
    )
    if not isinstance(text, str):
        got = "missing" if text is None else f"a {type(text).__name__}"
        return bad(f"'{text_key}' is {got}, not a string", text_key, rid)
    url = obj.get(keys.url)
    site = obj.get(keys.site)
    meta = {k: v for k, v in obj.items() if k not in (text_key, keys.id, keys.url, keys.site)}
    return RawArticle(
        id=rid,
        source=where,
        data=text,
        url=url if isinstance(url, str) else None,
        site=site if isinstance(site, str) else None,
        meta=meta,
        html=keys.html is not None,
    )
