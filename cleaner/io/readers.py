"""Readers: files and folders in, RawArticles (or rejects for unreadable items) out, streaming."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cleaner.io.paths import display_path, walk_folder
from cleaner.limits import DEFAULT_MAX_ARTICLE_BYTES, too_large_message
from cleaner.record import RawArticle, Reason, Reject, printable

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl",)


@dataclass(frozen=True)
class JsonlKeys:
    text: str = "text"
    id: str = "id"
    url: str = "url"
    site: str = "site"


Item = RawArticle | Reject


def readable(path: Path) -> bool:
    return path.suffix in TEXT_SUFFIXES + JSONL_SUFFIXES


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


def read_inputs(
    inputs: Iterable[str],
    keys: JsonlKeys | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
    outdir: Path | None = None,
) -> Iterator[Item]:
    keys = keys or JsonlKeys()
    for item in expand_inputs(inputs, outdir):
        if isinstance(item, Reject):
            yield item
        elif item == "-":
            yield from read_jsonl_stream(sys.stdin.buffer, "<stdin>", keys, max_bytes)
        elif isinstance(item, Path):
            yield from read_path(item, keys, max_bytes)


def read_path(
    path: Path, keys: JsonlKeys, max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
) -> Iterator[Item]:
    source = display_path(path)
    rid = printable(path.stem) or source
    if not path.exists():
        yield Reject(rid, source, (Reason("unreadable", "no such file"),))
        return
    try:
        if path.suffix in JSONL_SUFFIXES:
            with path.open("rb") as fh:
                yield from read_jsonl_stream(fh, source, keys, max_bytes)
            return
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # never more than the limit in memory
            size = len(data)
            if size > max_bytes:
                size += _drain(fh)
                reason = Reason("too_large", too_large_message(size, max_bytes))
                yield Reject(rid, source, (reason,))
                return
    except OSError as exc:
        yield Reject(rid, source, (Reason("unreadable", f"cannot read: {exc.strerror}"),))
        return
    yield RawArticle(id=rid, source=source, data=data)


def _drain(fh: IO[bytes], until_newline: bool = False) -> int:
    """Read past what is left (of the line), holding at most 1 MB; return how many bytes."""
    n = 0
    while True:
        chunk = fh.readline(1 << 20) if until_newline else fh.read(1 << 20)
        n += len(chunk)
        if not chunk or (until_newline and chunk.endswith(b"\n")):
            return n


def bounded_lines(fh: IO[bytes], max_bytes: int) -> Iterator[bytes | int]:
    """Each line of ``fh``, or its length in bytes when it is longer than ``max_bytes`` (the
    line is then skipped without being held in memory)."""
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            yield len(line) + _drain(fh, until_newline=True)
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
    text = obj.get(keys.text)
    rid = obj.get(keys.id)
    rid = (
        printable(str(rid))
        if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid)
        else fallback_id
    )
    if not isinstance(text, str):
        got = "missing" if text is None else f"a {type(text).__name__}"
        return bad(f"'{keys.text}' is {got}, not a string", keys.text, rid)
    url = obj.get(keys.url)
    site = obj.get(keys.site)
    meta = {k: v for k, v in obj.items() if k not in (keys.text, keys.id, keys.url, keys.site)}
    return RawArticle(
        id=rid,
        source=where,
        data=text,
        url=url if isinstance(url, str) else None,
        site=site if isinstance(site, str) else None,
        meta=meta,
    )
