"""Readers: files and folders in, RawArticles (or rejects for unreadable items) out, streaming.

Formats, by file name: ``.txt`` (one article per file); ``.jsonl``, ``.jsonl.gz``,
``.jsonl.zst`` (one article per line); ``.warc``/``.wet`` (optionally ``.gz``; Common Crawl)
with the ``warc`` extra. Nothing is held beyond the current line or record, so memory does not
grow with the input, and no article is read past its size limit: a larger one (or a gzip page,
line or WARC record that inflates past it) is rejected without being held in memory.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson
import re2

from cleaner.io.items import Item, JsonlKeys, Limits, too_large
from cleaner.io.paths import display_path, walk_folder
from cleaner.io.remote import RemoteFile, expand_remote, fetched, is_remote
from cleaner.io.warc import read_warc
from cleaner.limits import DEFAULT_MAX_ARTICLE_BYTES, too_large_message
from cleaner.record import RawArticle, Reason, Reject, printable

# Defined in cleaner.io.items (which the WARC reader imports too); still importable from here.
__all__ = ["Item", "JsonlKeys", "Limits", "too_large"]

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")
READABLE_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES


class InputMeter:
    """Bytes of input read so far (compressed bytes for compressed files), for progress bars."""

    def __init__(self) -> None:
        self.done = 0
        self._current: IO[bytes] | None = None

    @property
    def bytes_read(self) -> int:
        fh = self._current
        if fh is None or fh.closed:
            return self.done
        return self.done + fh.tell()

    def start(self, fh: IO[bytes]) -> None:
        self._current = fh

    def finish(self, size: int) -> None:
        self._current = None
        self.done += size


def kind_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return "text"


def stem_of(path: Path) -> str:
    """The file name without its reading suffixes (.jsonl.gz, .html, ...): the id it lends."""
    name = path.name
    for suffix in sorted(READABLE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return path.stem or name


def readable(path: Path) -> bool:
    return path.name.lower().endswith(READABLE_SUFFIXES)


def expand_inputs(
    inputs: Iterable[str], outdir: Path | None = None
) -> Iterator[str | Path | Reject | RemoteFile]:
    """Each input as given: '-' stays '-', folders become their readable files in sorted order
    (see ``cleaner.io.paths`` for links), skipping the output folder ``outdir`` (resolved);
    a URL (``s3://...``) becomes its remote files (``cleaner.io.remote``)."""
    for item in inputs:
        if item == "-":
            yield "-"
            continue
        if is_remote(item):
            yield from expand_remote(item, readable)
            continue
        path = Path(item)
        if path.is_dir():
            yield from walk_folder(path, readable, outdir)
        else:
            yield path


def input_bytes(expanded: Iterable[str | Path | Reject | RemoteFile]) -> int | None:
    """Total size of expanded inputs (None when one is standard input): a progress bar's 100%."""
    total = 0
    for item in expanded:
        if isinstance(item, Reject):
            continue
        if isinstance(item, RemoteFile):
            total += item.size or 0
            continue
        if not isinstance(item, Path):
            return None
        try:
            total += item.stat().st_size
        except OSError:
            continue
    return total


def read_inputs(
    inputs: Iterable[str],
    keys: JsonlKeys | None = None,
    meter: InputMeter | None = None,
    *,
    limits: Limits | None = None,
    outdir: Path | None = None,
) -> Iterator[Item]:
    yield from read_expanded(expand_inputs(inputs, outdir), keys, meter, limits=limits)


def read_expanded(
    expanded: Iterable[str | Path | Reject | RemoteFile],
    keys: JsonlKeys | None = None,
    meter: InputMeter | None = None,
    *,
    limits: Limits | None = None,
) -> Iterator[Item]:
    """The items of inputs already expanded by :func:`expand_inputs` (a run walks them once)."""
    keys = keys or JsonlKeys()
    meter = meter or InputMeter()
    limits = limits or Limits()
    for item in expanded:
        if isinstance(item, Reject):
            yield item
        elif item == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, "<stdin>", keys, limits.line(keys))
        elif isinstance(item, Path):
            yield from read_path(item, keys, meter, limits)
        elif isinstance(item, RemoteFile):
            yield from _read_remote(item, keys, meter, limits)


def _read_remote(
    item: RemoteFile, keys: JsonlKeys, meter: InputMeter, limits: Limits
) -> Iterator[Item]:
    """A remote file, read from a local copy under its URL; a text file over the limit is
    rejected as a local one is, without being copied."""
    name = Path(item.name)
    if kind_of(name) == "text" and item.size is not None and item.size > limits.article:
        yield Reject(printable(name.stem), item.url, (too_large(False, limits.article, item.size),))
        meter.finish(item.size)
        return
    with fetched(item) as local:
        if isinstance(local, OSError):
            yield _unreadable(name, item.url, local)
        else:
            yield from read_path(local, keys, meter, limits, source=item.url)


def _unreadable(path: Path, source: str, exc: OSError) -> Reject:
    return Reject(
        printable(stem_of(path)),
        source,
        (Reason("unreadable", f"cannot read: {exc.strerror or exc}"),),
    )


def read_path(
    path: Path,
    keys: JsonlKeys,
    meter: InputMeter | None = None,
    limits: Limits | None = None,
    source: str | None = None,
) -> Iterator[Item]:
    meter = meter or InputMeter()
    limits = limits or Limits()
    source = source or display_path(path)
    if not path.exists():
        rid = printable(stem_of(path)) or source
        yield Reject(rid, source, (Reason("unreadable", "no such file"),))
        return
    kind = kind_of(path)
    if kind in ("text", "html"):
        html = kind == "html"
        yield _read_whole(path, source, html, limits.page if html else limits.article)
        meter.finish(path.stat().st_size)
        return
    try:
        raw = path.open("rb")
    except OSError as exc:
        yield _unreadable(path, source, exc)
        return
    with raw:
        meter.start(raw)
        if kind == "jsonl":
            yield from _read_compressed_jsonl(raw, path, source, keys, limits.line(keys))
        else:
            yield from read_warc(raw, source, limits)
    meter.finish(path.stat().st_size)


def _read_whole(path: Path, source: str, html: bool, limit: int) -> Item:
    """One file, one article: a .txt, or an HTML page (gunzipped when it is gzip), never read
    past ``limit`` bytes: a gzip bomb inflates no further than that."""
    rid = printable(stem_of(path) if html else path.stem)
    try:
        with path.open("rb") as raw:
            fh: IO[bytes] = raw
            size: int | None = os.fstat(raw.fileno()).st_size
            if html and raw.peek(2)[:2] == b"\x1f\x8b":  # gzip, whatever the suffix says
                fh, size = gzip.GzipFile(fileobj=raw), None  # type: ignore[assignment]
            data = fh.read(limit + 1)
    except OSError as exc:  # gzip.BadGzipFile is an OSError too
        return Reject(rid, source, (Reason("unreadable", f"cannot read: {exc.strerror or exc}"),))
    except (EOFError, zlib.error) as exc:
        return Reject(rid, source, (Reason("unreadable", f"truncated or corrupt gzip: {exc}"),))
    if len(data) > limit:
        return Reject(rid, source, (too_large(html, limit, size),))
    return RawArticle(id=rid, source=source, data=data, html=html)


def _read_compressed_jsonl(
    raw: IO[bytes], path: Path, source: str, keys: JsonlKeys, max_bytes: int
) -> Iterator[Item]:
    name = path.name.lower()
    stream: Any
    if name.endswith(".gz"):
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    elif name.endswith(".zst"):
        import zstandard

        stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=False))
    else:
        stream = raw
    yield from read_jsonl_stream(stream, source, keys, max_bytes)


# 19 digits or more may be an integer beyond 64 bits, which orjson silently reads as a float
# (10**40 -> 1e+40): pass-through data would change. The standard library keeps it exact.
_LONG_NUMBER = re2.compile(rb"[0-9]{19}")  # RE2: faster than re for this scan


def parse_json_line(line: bytes) -> Any:
    """orjson first (faster); the standard library for what orjson refuses but JSON allows
    (lone surrogate escapes) and for what it would read inexactly (integers beyond 64 bits)."""
    if _LONG_NUMBER.search(line) is None:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line, parse_constant=_refuse_constant, parse_float=_finite)


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: JSON allows the digits, but no output can hold inf
        raise _NotJson(f"number {text} is out of range")
    return value


# An over-long line is skipped by reading past it, but no further than this many times the
# limit: a line that goes on longer (a decompression bomb, a file with no line breaks) ends
# the reading of its file, and its reject says so.
SKIP_FACTOR = 16


def _skip_line(fh: IO[bytes], most: int) -> int | None:
    """Read past the rest of a line, holding at most 1 MB; return how many bytes, or None when
    the line goes on past ``most`` bytes."""
    n = 0
    while n <= most:
        chunk = fh.readline(1 << 20)
        n += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return n
    return None


def bounded_lines(fh: IO[bytes], max_bytes: int) -> Iterator[bytes | int | None]:
    """Each line of ``fh``; for a line longer than ``max_bytes``, its length instead (it is
    skipped without being held in memory), or None, last, when it does not end in reach."""
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            rest = _skip_line(fh, SKIP_FACTOR * max_bytes)
            if rest is None:
                yield None
                return
            yield len(line) + rest
        else:
            yield line


def read_jsonl_stream(
    fh: IO[bytes], source: str, keys: JsonlKeys, max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
) -> Iterator[Item]:
    stem = "stdin" if source == "<stdin>" else printable(stem_of(Path(source)))
    n = 0
    lines = bounded_lines(fh, max_bytes)
    while True:
        try:
            raw_line = next(lines)
        except StopIteration:
            return
        except (OSError, EOFError, ValueError) as exc:
            # A truncated or corrupt compressed file: the rest of it cannot be read.
            where = f"{source}:{n + 1}"
            yield Reject(
                f"{stem}:{n + 1}",
                where,
                (Reason("unreadable", f"cannot read past line {n}: {exc}"),),
            )
            return
        n += 1
        if raw_line is None:
            message = (
                f"line {n} runs past {SKIP_FACTOR * max_bytes:,} bytes without a line break; "
                "the rest of the file is not read (a decompression bomb, or no line breaks?)"
            )
            yield Reject(f"{stem}:{n}", f"{source}:{n}", (Reason("too_large", message),))
            return
        if isinstance(raw_line, int):
            reason = Reason("too_large", too_large_message(raw_line, max_bytes))
            yield Reject(f"{stem}:{n}", f"{source}:{n}", (reason,))
            continue
        if not raw_line.strip():
            continue
        yield parse_jsonl_item(raw_line, n, source, stem, keys)


def parse_jsonl_item(raw_line: bytes, n: int, source: str, stem: str, keys: JsonlKeys) -> Item:
    where = f"{source}:{n}"
    fallback_id = f"{stem}:{n}"
    try:
        obj: Any = parse_json_line(raw_line)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotJson) as exc:
        return Reject(fallback_id, where, (Reason("bad_jsonl", f"line {n} is not JSON: {exc}"),))
    except RecursionError:
        reason = Reason("bad_jsonl", f"line {n} nests too deeply to read")
        return Reject(fallback_id, where, (reason,))
    if not isinstance(obj, dict):
        return Reject(fallback_id, where, (Reason("bad_jsonl", f"line {n} is not a JSON object"),))
    rid = obj.get(keys.id)
    rid = (
        printable(str(rid))
        if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid)
        else fallback_id
    )
    content = obj.get(keys.content)
    if not isinstance(content, str):
        got = "missing" if content is None else f"a {type(content).__name__}"
        return Reject(
            rid,
            where,
            (Reason("bad_jsonl", f"'{keys.content}' is {got}, not a string", field=keys.content),),
        )
    url = obj.get(keys.url)
    site = obj.get(keys.site)
    consumed = (keys.content, keys.id, keys.url, keys.site)
    meta = {k: v for k, v in obj.items() if k not in consumed}
    return RawArticle(
        id=rid,
        source=where,
        data=content,
        url=url if isinstance(url, str) else None,
        site=site if isinstance(site, str) else None,
        meta=meta,
        html=keys.html is not None,
    )
