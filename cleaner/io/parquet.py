"""Parquet output (the ``parquet`` extra): the record's fields as columns.

``meta`` holds whatever the input carried, of any shape, so it is stored as JSON text; the other
nested fields have fixed shapes and keep them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner.io.readers import parse_json_line

_STR, _INT, _FLOAT = pa.string(), pa.int64(), pa.float64()
SCHEMA = pa.schema(
    [
        ("id", _STR),
        ("source", _STR),
        ("url", _STR),
        ("canonical_url", _STR),
        ("site", _STR),
        ("title", _STR),
        ("author", _STR),
        ("date_published", _STR),
        ("date_updated", _STR),
        ("lang", _STR),
        ("lang_score", _FLOAT),
        ("encoding", _STR),
        ("extractor", _STR),
        ("n_chars", _INT),
        ("n_words", _INT),
        ("sha256", _STR),
        ("repairs", pa.list_(_STR)),
        (
            "rules",
            pa.list_(
                pa.struct(
                    [("rule", _STR), ("pack", _STR), ("removed_chars", _INT), ("edits", _INT)]
                )
            ),
        ),
        ("steps", pa.list_(pa.struct([("step", _STR), ("removed_chars", _INT)]))),
        ("fields_from", pa.map_(_STR, _STR)),
        ("meta", _STR),
        # The quality filters' signals, {filter: {signal: value}}; null without --quality.
        ("quality", pa.map_(_STR, pa.map_(_STR, _FLOAT))),
        ("text", _STR),
    ]
)


def _row(line: bytes) -> dict[str, Any]:
    # Read and written as the JSONL writer does: orjson alone turns an integer beyond 64 bits
    # in ``meta`` into a float (10**29 -> 1e+29), silently.
    record: dict[str, Any] = parse_json_line(line)
    meta = record.get("meta") or {}
    try:
        record["meta"] = orjson.dumps(meta).decode()
    except orjson.JSONEncodeError:  # integers beyond 64 bits: the standard library keeps them
        record["meta"] = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    record["fields_from"] = list((record.get("fields_from") or {}).items())
    quality = record.get("quality")
    if quality is not None:
        record["quality"] = [(f, [(k, float(v)) for k, v in s.items()]) for f, s in quality.items()]
    return record


def table_of(lines: bytes) -> pa.Table:
    """JSONL record lines (as the workers write them) -> an Arrow table in SCHEMA."""
    rows = [_row(line) for line in lines.splitlines() if line]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def join_parquet(parts: Iterable[Path], target: Path, compression: str) -> None:
    with pq.ParquetWriter(target, SCHEMA, compression=compression) as writer:
        for part in parts:
            source = pq.ParquetFile(part)
            for i in range(source.num_row_groups):
                writer.write_table(source.read_row_group(i))
