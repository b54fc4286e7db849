"""Readers: files and folders in, RawArticles (or rejects for unreadable items) out, streaming.

Formats, by file name: ``.txt`` (one article per file); ``.jsonl``, ``.jsonl.gz``,
``.jsonl.zst`` (one article per line); ``.warc``/``.wet`` (optionally ``.gz``; Common Crawl)
with the ``warc`` extra. Nothing is held beyond the current line or record, so memory does not
grow with the input.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from cleaner.record import RawArticle, Reason, Reject

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")
READABLE_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES
# A gzip bomb stops here; html.max_page_bytes (config) then rejects what is still too large.
MAX_GUNZIP_BYTES = 1 << 28


@dataclass(frozen=True)
class JsonlKeys:
    """Which JSONL fields hold what. Every other field passes through under ``meta``."""

    text: str = "text"
    id: str = "id"
    url: str = "url"
    site: str = "site"
    html: str | None = None  # field holding an HTML page instead of text (--html-key)

    @property
    def content(self) -> str:
        """The field the article comes from: the HTML field when set, else the text field."""
        return self.html or self.text


Item = RawArticle | Reject


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


def display_path(path: Path) -> str:
    """The path as a user reads it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def kind_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return "text"


def is_html(path: Path) -> bool:
    return path.name.lower().endswith(HTML_SUFFIXES)


def stem_of(path: Path) -> str:
    """The file name without its reading suffixes (.jsonl.gz, .html, ...): the id it lends."""
    name = path.name
    for suffix in sorted(READABLE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return path.stem or name


def expand_inputs(inputs: Iterable[str]) -> Iterator[str | Path]:
    """Each input as given: '-' stays '-', folders become their readable files in sorted order."""
    for item in inputs:
        if item == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            found = [
                p
                for p in path.rglob("*")
                if p.is_file() and p.name.lower().endswith(READABLE_SUFFIXES)
            ]
            yield from sorted(found, key=lambda p: p.as_posix())
        else:
            yield path


def input_bytes(inputs: Iterable[str]) -> int | None:
    """Total size of the input files (None when reading standard input): a progress bar's 100%."""
    total = 0
    for item in expand_inputs(inputs):
        if not isinstance(item, Path):
            return None
        try:
            total += item.stat().st_size
        except OSError:
            continue
    return total


def read_inputs(
    inputs: Iterable[str], keys: JsonlKeys | None = None, meter: InputMeter | None = None
) -> Iterator[Item]:
    keys = keys or JsonlKeys()
    meter = meter or InputMeter()
    for item in expand_inputs(inputs):
        if item == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, "<stdin>", keys)
        elif isinstance(item, Path):
            yield from read_path(item, keys, meter)


def _unreadable(path: Path, source: str, exc: OSError) -> Reject:
    return Reject(
        stem_of(path), source, (Reason("unreadable", f"cannot read: {exc.strerror or exc}"),)
    )


def read_path(path: Path, keys: JsonlKeys, meter: InputMeter | None = None) -> Iterator[Item]:
    meter = meter or InputMeter()
    source = display_path(path)
    if not path.exists():
        yield Reject(stem_of(path) or source, source, (Reason("unreadable", "no such file"),))
        return
    kind = kind_of(path)
    if kind in ("text", "html"):
        yield _read_whole(path, source, kind == "html")
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
            yield from _read_compressed_jsonl(raw, path, source, keys)
        else:
            from cleaner.io.warc import read_warc

            yield from read_warc(raw, source)
    meter.finish(path.stat().st_size)


def _read_whole(path: Path, source: str, html: bool) -> Item:
    """One file, one article: a .txt, or an HTML page (gunzipped when it is gzip)."""
    rid = stem_of(path) if html else path.stem
    try:
        data = path.read_bytes()
        if html and data[:2] == b"\x1f\x8b":  # gzip, whatever the suffix says
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                data = gz.read(MAX_GUNZIP_BYTES + 1)
    except OSError as exc:  # gzip.BadGzipFile is an OSError too
        return Reject(rid, source, (Reason("unreadable", f"cannot read: {exc}"),))
    except (EOFError, zlib.error) as exc:
        return Reject(rid, source, (Reason("unreadable", f"truncated or corrupt gzip: {exc}"),))
    return RawArticle(id=rid, source=source, data=data, html=html)


def _read_compressed_jsonl(
    raw: IO[bytes], path: Path, source: str, keys: JsonlKeys
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
    yield from read_jsonl_stream(stream, source, keys)


def parse_json_line(line: bytes) -> Any:
    """orjson first (3x faster); the standard library for what orjson refuses but JSON allows
    (lone surrogate escapes, integers beyond 64 bits)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def read_jsonl_stream(fh: IO[bytes], source: str, keys: JsonlKeys) -> Iterator[Item]:
    stem = "stdin" if source == "<stdin>" else stem_of(Path(source))
    n = 0
    lines = iter(fh)
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
        if not raw_line.strip():
            continue
        yield parse_jsonl_item(raw_line, n, source, stem, keys)


def parse_jsonl_item(raw_line: bytes, n: int, source: str, stem: str, keys: JsonlKeys) -> Item:
    where = f"{source}:{n}"
    fallback_id = f"{stem}:{n}"
    try:
        obj: Any = parse_json_line(raw_line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Reject(fallback_id, where, (Reason("bad_jsonl", f"line {n} is not JSON: {exc}"),))
    if not isinstance(obj, dict):
        return Reject(fallback_id, where, (Reason("bad_jsonl", f"line {n} is not a JSON object"),))
    rid = obj.get(keys.id)
    rid = (
        str(rid)
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
