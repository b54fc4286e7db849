"""Readers: files and folders in, RawArticles (or rejects for unreadable items) out, streaming.

Formats, by file name: ``.txt`` (one article per file); ``.jsonl``, ``.jsonl.gz``,
``.jsonl.zst`` (one article per line); ``.warc``/``.wet`` (optionally ``.gz``; Common Crawl)
with the ``warc`` extra. Nothing is held beyond the current line or record, so memory does not
grow with the input, and no article is read past its size limit: a larger one (or a gzip page,
line or WARC record that inflates past it) is rejected without being held in memory.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import sys
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
import re2

from cleaner.io import tabular
from cleaner.io.items import Item, JsonlKeys, Limits, too_large
from cleaner.io.paths import display_path, walk_folder
from cleaner.io.remote import RemoteFile, expand_remote, fetched, is_remote
from cleaner.io.warc import read_warc
from cleaner.io.wide import as_utf8
from cleaner.io.zstd import zstd_lines
from cleaner.limits import (
    DEFAULT_MAX_ARTICLE_BYTES,
    MAX_JSON_DEPTH,
    json_depth_over,
    page_line_too_large_message,
    too_large_message,
)
from cleaner.record import RawArticle, Reason, Reject, printable, printable_name
from cleaner.safe_read import open_regular

# Defined in cleaner.io.items (which the WARC reader imports too); still importable from here.
__all__ = ["Item", "JsonlKeys", "Limits", "too_large"]

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")
# Standard input's name, in both a record's id and its source ("stdin:3").
STDIN = "stdin"
READABLE_SUFFIXES = (
    TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES + tabular.ROW_SUFFIXES
)


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
    row = tabular.row_kind(path)
    if row is not None:
        return row
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


def skip_reason(path: Path) -> str:
    """Why a folder's file is not read, as the summary counts it: its suffix."""
    suffix = "".join(path.suffixes[-2:]).lower() if len(path.suffixes) > 1 else path.suffix.lower()
    return suffix if 0 < len(suffix) <= 16 and suffix.isprintable() else "no known suffix"


def expand_inputs(
    inputs: Iterable[str], outdir: Path | None = None, skipped: Counter[str] | None = None
) -> Iterator[str | Path | Reject | RemoteFile]:
    """Each input as given: '-' stays '-', folders become their readable files in sorted order
    (see ``cleaner.io.paths`` for links), skipping the output folder ``outdir`` (resolved);
    a URL (``s3://...``) becomes its remote files (``cleaner.io.remote``). ``skipped`` counts
    the files of a folder that are not read, by suffix."""

    def wanted(path: Path) -> bool:
        if readable(path):
            return True
        if skipped is not None:
            skipped[skip_reason(path)] += 1
        return False

    for item in inputs:
        if item == "-":
            yield "-"
            continue
        if is_remote(item):
            yield from expand_remote(item, readable)
            continue
        path = Path(item)
        if path.is_dir():
            yield from walk_folder(path, wanted, outdir)
        else:
            yield path


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
    expanded = list(expanded)
    for item, rid in zip(expanded, file_ids(expanded), strict=True):
        if isinstance(item, Reject):
            yield item
        elif item == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, STDIN, keys, limits.line(keys))
        elif isinstance(item, Path):
            yield from read_path(item, keys, meter, limits, rid=rid)
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


def file_ids(expanded: Sequence[str | Path | Reject | RemoteFile]) -> list[str | None]:
    """The id each input file lends its articles, unique in the run (None for what is not a file).

    A file's name without its reading suffixes, as always; when other files of the run have the
    same name (``a/story.txt``, ``b/story.txt``), each takes its path as ``source`` shows it
    (``a/story``); a file given twice is told apart by ``#2``, ``#3``. A text or page and a JSONL
    file never clash (a JSONL line's id is ``name:line``). Decided on the whole list, so the ids
    do not depend on the order of reading, the workers or a resume.
    """
    owners: dict[tuple[bool, str], set[Path]] = {}
    for item in expanded:
        if isinstance(item, Path):
            owners.setdefault((kind_of(item) == "jsonl", stem_of(item)), set()).add(item)
    ids: list[str | None] = []
    given: dict[tuple[bool, str], int] = {}
    for item in expanded:
        if not isinstance(item, Path):
            ids.append(None)
            continue
        lines, stem = kind_of(item) == "jsonl", stem_of(item)
        if len(owners[lines, stem]) == 1:
            rid = printable_name(stem)
        else:
            shown = display_path(item)
            rid = shown[: len(shown) - (len(item.name) - len(stem))] or shown
        n = given[lines, rid] = given.get((lines, rid), 0) + 1
        ids.append(rid if n == 1 else f"{rid}#{n}")
    return ids


def _unreadable(path: Path, source: str, exc: OSError, rid: str | None = None) -> Reject:
    return Reject(
        rid or printable_name(stem_of(path)),
        source,
        (Reason("unreadable", f"cannot read: {exc.strerror or exc}"),),
    )


def read_path(
    path: Path,
    keys: JsonlKeys,
    meter: InputMeter | None = None,
    limits: Limits | None = None,
    source: str | None = None,
    *,
    rid: str | None = None,
) -> Iterator[Item]:
    """The items of one file; ``rid``: the id the file lends them (see :func:`file_ids`),
    by default its name without the reading suffixes."""
    meter = meter or InputMeter()
    limits = limits or Limits()
    source = source or display_path(path)
    rid = rid or printable_name(stem_of(path)) or source
    try:  # a FIFO or device named directly is refused too: reading it could block forever
        raw = open_regular(path)
    except FileNotFoundError:
        yield Reject(rid, source, (Reason("unreadable", "no such file"),))
        return
    except OSError as exc:  # a link loop, no permission, not a regular file
        yield _unreadable(path, source, exc, rid)
        return
    kind = kind_of(path)
    if kind == "text" and raw.peek(2)[:2] == b"\x1f\x8b":  # type: ignore[attr-defined]
        kind = "text_gz"  # by content: a gzipped .txt
    if kind in tabular.ROW_KINDS:
        raw.close()  # a regular file, as open_regular found: the row readers open it again
        parsers = (parse_jsonl_item, parse_json_line)
        yield from tabular.read_rows(path, kind, source, rid, keys, limits, parsers)
        meter.finish(_size(path))
        return
    if kind == "text" and not _plain_text_name(path):
        raw.close()
        yield Reject(rid, source, (Reason("unsupported_input", unsupported_message(path)),))
        return
    with raw:
        size = os.fstat(raw.fileno()).st_size
        meter.start(raw)
        if kind in ("text", "html"):
            html = kind == "html"
            yield _read_whole(raw, path, source, html, limits.page if html else limits.article, rid)
        elif kind == "jsonl":
            yield from _read_compressed_jsonl(raw, path, source, keys, limits.line(keys), rid)
        else:
            yield from read_warc(raw, source, limits)
    meter.finish(size)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since it was read: never an error
        return 0


def _plain_text_name(path: Path) -> bool:
    """A named file is one text article when it says so (.txt) or says nothing (no suffix)."""
    return path.suffix == "" or path.name.lower().endswith(TEXT_SUFFIXES)


def unsupported_message(path: Path) -> str:
    return (
        f"'{skip_reason(path)}' is not a format cleaner reads (valid: "
        + ", ".join(sorted(set(READABLE_SUFFIXES)))
        + "); rename it .txt to read it as one text article"
    )


def _read_whole(raw: IO[bytes], path: Path, source: str, html: bool, limit: int, rid: str) -> Item:
    """One file, one article: a .txt, or an HTML page (gunzipped when it is gzip), never read
    past ``limit`` bytes: a gzip bomb inflates no further than that."""
    try:
        fh: IO[bytes] = raw
        size: int | None = os.fstat(raw.fileno()).st_size
        if html and raw.peek(2)[:2] == b"\x1f\x8b":  # type: ignore[attr-defined]  # gzip
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
    raw: IO[bytes], path: Path, source: str, keys: JsonlKeys, max_bytes: int, stem: str
) -> Iterator[Item]:
    name = path.name.lower()
    stream: Any
    if name.endswith(".gz"):
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    elif name.endswith(".zst"):
        stream = zstd_lines(raw)
    else:
        stream = raw
    yield from read_jsonl_stream(stream, source, keys, max_bytes, stem)


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
    fh: IO[bytes],
    source: str,
    keys: JsonlKeys,
    max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
    stem: str | None = None,
) -> Iterator[Item]:
    """Each line's article; ``stem``: what a line without an id is named after (``stem:n``)."""
    if stem is None:
        stem = STDIN if source == STDIN else printable_name(stem_of(Path(source)))
    n = 0
    lines: Iterator[bytes | int | None] | None = None
    while True:
        try:
            # as_utf8 reads the first bytes (a BOM?): a corrupt stream may fail there already
            lines = lines or bounded_lines(as_utf8(fh), max_bytes)
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
            if keys.html:
                reason = Reason("page_too_large", page_line_too_large_message(raw_line, max_bytes))
            else:
                reason = Reason("too_large", too_large_message(raw_line, max_bytes))
            yield Reject(f"{stem}:{n}", f"{source}:{n}", (reason,))
            continue
        if not raw_line.strip():
            continue
        yield parse_jsonl_item(raw_line, n, source, stem, keys)


def _too_deep(n: int) -> Reason:
    return Reason("bad_jsonl", f"line {n} nests too deeply: more than {MAX_JSON_DEPTH} levels")


def parse_jsonl_item(raw_line: bytes, n: int, source: str, stem: str, keys: JsonlKeys) -> Item:
    where = f"{source}:{n}"
    fallback_id = f"{stem}:{n}"
    try:
        obj: Any = parse_json_line(raw_line)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotJson) as exc:
        return Reject(fallback_id, where, (Reason("bad_jsonl", f"line {n} is not JSON: {exc}"),))
    except ValueError as exc:
        # An integer of more than 4,300 digits (Python's limit on int/str conversion): no
        # quantity has that many, and no JSON reader downstream would read it back exactly.
        reason = Reason("bad_jsonl", f"line {n} holds a number too long to keep exactly: {exc}")
        return Reject(fallback_id, where, (reason,))
    except RecursionError:  # deeper than Python can parse: far past the limit
        return Reject(fallback_id, where, (_too_deep(n),))
    # Each level opens a bracket, so a line with few brackets needs no walk.
    if raw_line.count(b"[") + raw_line.count(b"{") > MAX_JSON_DEPTH and json_depth_over(obj):
        return Reject(fallback_id, where, (_too_deep(n),))
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
