"""Rows of a table in, outcomes out, through the same parse and the same unit of work as a run.

A row is read as the JSONL line it would be in a file (``parse_jsonl_item``: the same keys, the
same ``meta``, the same rejects for a missing or non-string text), then cleaned by
``clean_item``, the per-article step of ``clean_batch``. So a row gives the record that
``cleaner run`` writes for that row in a JSONL file: there is no second cleaning path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cleaner.batch import clean_item
from cleaner.io.items import Item, JsonlKeys
from cleaner.io.readers import parse_jsonl_item, stem_of
from cleaner.io.writers import dump_line
from cleaner.packs import default_rules_dir
from cleaner.pipeline import Cleaner
from cleaner.record import Reason, Reject, printable


@dataclass(frozen=True)
class RowOutcome:
    """One row's outcome: the record's JSON object, or the reject's."""

    record: dict[str, Any] | None
    reject: dict[str, Any] | None


def clean_row(
    cleaner: Cleaner,
    row: dict[str, Any],
    n: int,
    source: str,
    keys: JsonlKeys,
    where: str | None = None,
) -> RowOutcome:
    """Row ``n`` (1-based, as a line number) of ``source``: the record or reject a run writes
    for that line of a JSONL file named ``source``. ``where`` replaces the ``source:n`` that
    names the row, for rows that have a name of their own."""
    stem = printable(stem_of(Path(source)))
    try:
        line = dump_line(row)
    except (TypeError, ValueError) as exc:  # bytes, sets ...: no JSONL file could hold the row
        reason = Reason("bad_jsonl", f"row {n} cannot be written as JSON: {exc}"[:300])
        item: Item = Reject(f"{stem}:{n}", f"{source}:{n}", (reason,))
    else:
        item = parse_jsonl_item(line, n, source, stem, keys)
    if where is not None:
        item = replace(item, source=where)
    obj, _, counted = clean_item(cleaner, item)
    if obj is not None:
        return RowOutcome(obj, None)
    reject = counted if isinstance(counted, Reject) else counted.result
    assert isinstance(reject, Reject)
    return RowOutcome(None, reject.to_dict())


def columns_to_rows(batch: dict[str, Sequence[Any]]) -> Iterable[dict[str, Any]]:
    """A batch of columns (as ``datasets`` hands them to a batched map) as one dict per row."""
    names = list(batch)
    sizes = {len(batch[k]) for k in names}
    if len(sizes) > 1:
        raise ValueError(f"columns of different lengths: {sorted(sizes)}")
    for i in range(sizes.pop() if sizes else 0):
        yield {k: batch[k][i] for k in names}


def load_cleaner(rules: Iterable[str | Path] | None, schema: str | Path | None = None) -> Cleaner:
    """The cleaner for these rule folders (the packs that ship with cleaner by default), as
    ``cleaner run`` builds it."""
    if rules is None:
        default = default_rules_dir()
        rules = [default] if default is not None else ["rules"]
    return Cleaner.from_paths(list(rules), schema)
