"""Readers: files and folders in, RawArticles (or rejects for unreadable items) out, streaming."""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cleaner.record import RawArticle, Reason, Reject

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
# A gzip bomb stops here; html.max_page_bytes (config) then rejects what is still too large.
MAX_GUNZIP_BYTES = 1 << 28


@dataclass(frozen=True)
class JsonlKeys:
    text: str = "text"
    id: str = "id"
    url: str = "url"
    site: str = "site"
    html: str | None = None  # field holding an HTML page instead of text (--html-key)


Item = RawArticle | Reject


def display_path(path: Path) -> str:
    """The path as a user reads it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


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
                if p.is_file() and (p.suffix in TEXT_SUFFIXES + JSONL_SUFFIXES or is_html(p))
            ]
            yield from sorted(found, key=lambda p: p.as_posix())
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


def read_inputs(inputs: Iterable[str], keys: JsonlKeys | None = None) -> Iterator[Item]:
    keys = keys or JsonlKeys()
    for item in expand_inputs(inputs):
        if item == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, "<stdin>", keys)
        elif isinstance(item, Path):
            yield from read_path(item, keys)


def read_path(path: Path, keys: JsonlKeys) -> Iterator[Item]:
    source = display_path(path)
    if not path.exists():
        yield Reject(path.stem or source, source, (Reason("unreadable", "no such file"),))
        return
    if path.suffix in JSONL_SUFFIXES:
        try:
            with path.open("rb") as fh:
                yield from read_jsonl_stream(fh, source, keys)
        except OSError as exc:
            yield Reject(path.stem, source, (Reason("unreadable", f"cannot read: {exc.strerror}"),))
        return
    html = is_html(path)
    rid = page_id(path) if html else path.stem
    try:
        data = path.read_bytes()
        if html and data[:2] == b"\x1f\x8b":  # gzip, whatever the suffix says
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                data = gz.read(MAX_GUNZIP_BYTES + 1)
    except OSError as exc:  # gzip.BadGzipFile is an OSError too
        yield Reject(rid, source, (Reason("unreadable", f"cannot read: {exc}"),))
        return
    except (EOFError, zlib.error) as exc:
        yield Reject(rid, source, (Reason("unreadable", f"truncated or corrupt gzip: {exc}"),))
        return
    yield RawArticle(id=rid, source=source, data=data, html=html)


def read_jsonl_stream(fh: IO[bytes], source: str, keys: JsonlKeys) -> Iterator[Item]:
    stem = os.path.splitext(os.path.basename(source))[0].strip("<>") or "stdin"
    for n, raw_line in enumerate(fh, start=1):
        if not raw_line.strip():
            continue
        where = f"{source}:{n}"
        fallback_id = f"{stem}:{n}"
        try:
            obj: Any = json.loads(raw_line)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield Reject(fallback_id, where, (Reason("bad_jsonl", f"line {n} is not JSON: {exc}"),))
            continue
        if not isinstance(obj, dict):
            yield Reject(
                fallback_id, where, (Reason("bad_jsonl", f"line {n} is not a JSON object"),)
            )
            continue
        text_key = keys.html or keys.text
        text = obj.get(text_key)
        rid = obj.get(keys.id)
        rid = (
            str(rid)
            if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid)
            else fallback_id
        )
        if not isinstance(text, str):
            got = "missing" if text is None else f"a {type(text).__name__}"
            yield Reject(
                rid,
                where,
                (Reason("bad_jsonl", f"'{text_key}' is {got}, not a string", field=text_key),),
            )
            continue
        url = obj.get(keys.url)
        site = obj.get(keys.site)
        meta = {k: v for k, v in obj.items() if k not in (text_key, keys.id, keys.url, keys.site)}
        yield RawArticle(
            id=rid,
            source=where,
            data=text,
            url=url if isinstance(url, str) else None,
            site=site if isinstance(site, str) else None,
            meta=meta,
            html=keys.html is not None,
        )
