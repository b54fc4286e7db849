"""Inputs that hold rows, and gzipped text: ``.json`` (an array of objects, or one object),
``.csv`` / ``.tsv`` (a header row), ``.parquet`` (the ``parquet`` extra), ``.txt.gz``.

Each row is an article exactly as a JSONL line is: the same field names (``--text-key``, ...),
other fields to ``meta``, and the same checks, since each row goes through the JSONL line
parser. A row that is not an article becomes a ``bad_row`` reject naming its file and row.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from cleaner.io.items import Item, JsonlKeys, Limits, too_large
from cleaner.record import RawArticle, Reason, Reject, printable

JSON_SUFFIXES = (".json",)
CSV_SUFFIXES = (".csv", ".tsv")
PARQUET_SUFFIXES = (".parquet",)
TEXT_GZ_SUFFIXES = (".txt.gz",)
ROW_SUFFIXES = JSON_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES + TEXT_GZ_SUFFIXES
# A .json file is parsed whole: it may be this many times an article's limit, no more.
JSON_FACTOR = 16
GZIP_MAGIC = b"\x1f\x8b"
ROW_KINDS = ("json", "csv", "parquet", "text_gz")


def row_kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (
        ("json", JSON_SUFFIXES),
        ("csv", CSV_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES),
        ("text_gz", TEXT_GZ_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def is_gzip(path: Path) -> bool:
    """Decided by content: a ``.txt`` that is gzip is read gunzipped."""
    try:
        with path.open("rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError:
        return False


# The JSONL reader's parsers, handed in by it (this module must not import it back).
ParseItem = Callable[[bytes, int, str, str, JsonlKeys], Item]
ParseJson = Callable[[bytes], Any]


def read_rows(
    path: Path,
    kind: str,
    source: str,
    stem: str,
    keys: JsonlKeys,
    limits: Limits,
    parsers: tuple[ParseItem, ParseJson],
) -> Iterator[Item]:
    if kind == "text_gz":
        yield read_text_gz(path, source, stem, limits.article)
        return
    try:
        raw = path.open("rb")
    except OSError as exc:
        yield _reject(stem, source, "unreadable", f"cannot read: {exc.strerror or exc}")
        return
    with raw:
        if kind == "json":
            rows: Iterable[Any] = _json_rows(raw, limits.line(keys) * JSON_FACTOR, parsers[1])
        elif kind == "csv":
            rows = _csv_rows(raw, path, limits.line(keys))
        else:
            rows = _parquet_rows(raw)
        yield from _items(rows, source, stem, keys, parsers[0])


class _Unreadable(Exception):
    """The rest of the file cannot be read; the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _items(
    rows: Iterable[Any], source: str, stem: str, keys: JsonlKeys, parse_jsonl_item: ParseItem
) -> Iterator[Item]:
    n = 0
    it = iter(rows)
    while True:
        try:
            row = next(it)
        except StopIteration:
            return
        except _Unreadable as exc:
            where = f"{source}:{n + 1}" if n else source
            yield _reject(f"{stem}:{n + 1}" if n else stem, where, exc.code, str(exc))
            return
        n += 1
        if not isinstance(row, dict):
            yield _reject(f"{stem}:{n}", f"{source}:{n}", "bad_row", f"row {n} is not an object")
            continue
        try:
            line = orjson.dumps(row, default=str, option=orjson.OPT_NON_STR_KEYS)
        except (TypeError, orjson.JSONEncodeError) as exc:
            yield _reject(f"{stem}:{n}", f"{source}:{n}", "bad_row", f"row {n}: {exc}")
            continue
        item = parse_jsonl_item(line, n, source, stem, keys)
        if isinstance(item, Reject):
            reasons = tuple(
                dataclasses.replace(
                    r,
                    code="bad_row",
                    message=r.message.replace(f"line {n}", f"row {n}")
                    + (
                        f" (fields: {', '.join(map(str, row))}; --text-key picks one)"
                        if r.field == keys.content
                        else ""
                    ),
                )
                if r.code == "bad_jsonl"
                else r
                for r in item.reasons
            )
            item = dataclasses.replace(item, reasons=reasons)
        yield item


def _reject(rid: str, source: str, code: str, message: str) -> Reject:
    return Reject(rid, source, (Reason(code, message),))


def _json_rows(raw: IO[bytes], most: int, parse_json_line: ParseJson) -> Iterator[Any]:
    data = raw.read(most + 1)
    if len(data) > most:
        raise _Unreadable(
            "too_large",
            f"a .json file is read whole, and this one is over {most:,} bytes; "
            "write it as JSONL (one object per line) to stream it",
        )
    try:
        doc = parse_json_line(data)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN
        raise _Unreadable("bad_row", f"not JSON: {exc}") from None
    except RecursionError:
        raise _Unreadable("bad_row", "nests too deeply to read") from None
    if isinstance(doc, dict):
        yield doc
    elif isinstance(doc, list):
        yield from doc
    else:
        raise _Unreadable("bad_row", "a .json input must hold an object or an array of objects")


def _csv_rows(raw: IO[bytes], path: Path, most: int) -> Iterator[Any]:
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    # The csv module refuses fields over 128 KiB by default; an article may be larger.
    csv.field_size_limit(max(csv.field_size_limit(), most))
    with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        try:
            for row in csv.DictReader(text, delimiter=delimiter):
                if None in row:  # more cells than the header names: kept in meta, not dropped
                    row["_extra_cells"] = row.pop(None)
                yield row
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _Unreadable("unreadable", f"cannot read on: {exc}") from None


def _parquet_rows(raw: IO[bytes]) -> Iterator[Any]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise _Unreadable(
            "unreadable",
            "reading .parquet needs the 'parquet' extra: pip install 'cleaner[parquet]'",
        ) from None
    try:
        pf = pq.ParquetFile(raw)
        for batch in pf.iter_batches(batch_size=256):
            yield from batch.to_pylist()
    except Exception as exc:  # pyarrow raises its own error types for a corrupt file
        raise _Unreadable("unreadable", f"not a readable Parquet file: {exc}") from None


def read_text_gz(path: Path, source: str, stem: str, limit: int) -> Item:
    """One article from a gzipped text file, never inflated past ``limit`` bytes."""
    rid = printable(stem)
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:  # gzip.BadGzipFile too
        return _reject(rid, source, "unreadable", f"cannot read: {exc.strerror or exc}")
    except (EOFError, zlib.error) as exc:
        return _reject(rid, source, "unreadable", f"truncated or corrupt gzip: {exc}")
    if len(data) > limit:
        return Reject(rid, source, (too_large(False, limit),))
    return RawArticle(id=rid, source=source, data=data)
