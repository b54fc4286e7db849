"""Hugging Face ``datasets``: clean a dataset's rows with ``Dataset.map``, rejects kept.

    from cleaner.adapters.hf import clean_dataset
    clean, rejects = clean_dataset(ds, rules=["rules"])

or, inside your own pipeline, a batched map that keeps every row (a batched map must return as
many rows as it was given, so a reject stays a row, flagged, until you filter it out):

    fn = cleaner_fn(rules=["rules"])
    ds = ds.map(fn, batched=True, with_indices=True, features=fn.features(ds))
    clean = ds.filter(lambda row: not row["rejected"])

Row ``i`` is read as line ``i + 1`` of a JSONL file named ``source`` (default
``dataset.jsonl``), so each row gets the record (or reject) that ``cleaner run dataset.jsonl``
writes for it, ids and sources included. ``meta`` and ``fields_from`` are JSON text: their keys
vary from row to row, and an Arrow column needs one type. :func:`to_record` gives back the
record as ``articles.jsonl`` holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from cleaner.adapters.rows import clean_row, columns_to_rows, load_cleaner
from cleaner.errors import CleanerError
from cleaner.io.items import JsonlKeys
from cleaner.io.readers import parse_json_line
from cleaner.io.writers import dump_line
from cleaner.pipeline import Cleaner
from cleaner.record import Record

# ``quality`` is not a column (a known gap): its keys vary with the filters a run has.
RECORD_COLUMNS = tuple(f.name for f in fields(Record) if f.name != "quality")
JSON_COLUMNS = ("fields_from", "meta")  # keys vary per row: stored as JSON text
REJECT_COLUMNS = ("rejected", "reject_reasons", "reject")


def features() -> Any:
    """The ``datasets.Features`` of the columns a :class:`CleanerFn` returns."""
    from datasets import Features, Value

    s, i = Value("string"), Value("int64")
    types: dict[str, Any] = dict.fromkeys(RECORD_COLUMNS, s)
    types.update(
        lang_score=Value("float64"),
        n_chars=i,
        n_words=i,
        repairs=[s],
        rules=[{"rule": s, "pack": s, "removed_chars": i, "edits": i}],
        steps=[{"step": s, "removed_chars": i}],
        rejected=Value("bool"),
        reject_reasons=[s],
        reject=s,
    )
    return Features(types)


class CleanerFn:
    """A function for ``Dataset.map(fn, batched=True, with_indices=True)``: each row's record
    columns, plus ``rejected``, ``reject_reasons`` (the codes) and ``reject`` (the reject's JSON
    line, as ``rejects.jsonl`` holds it). A rejected row keeps only ``id`` and ``source``.

    It pickles as its rule folders, not its compiled rules, so ``num_proc`` workers rebuild it,
    and ``datasets`` caches a map by the rules' digest."""

    def __init__(
        self,
        cleaner: Cleaner | None = None,
        *,
        rules: Iterable[str | Path] | None = None,
        keys: JsonlKeys | None = None,
        source: str = "dataset.jsonl",
    ) -> None:
        self._cleaner = cleaner if cleaner is not None else load_cleaner(rules)
        self.keys = keys or JsonlKeys()
        self.source = source

    @property
    def cleaner(self) -> Cleaner:
        return self._cleaner

    def features(self, ds: Any = None) -> Any:
        """The output features; with ``ds``, its own columns that the map keeps too."""
        out = features()
        if ds is not None:
            from datasets import Features

            kept = {k: v for k, v in ds.features.items() if k not in out}
            out = Features({**kept, **out})
        return out

    def __call__(
        self, batch: dict[str, Sequence[Any]], indices: Sequence[int] | None = None
    ) -> dict[str, list[Any]]:
        if indices is None:
            raise CleanerError(
                "cleaner_fn needs each row's index for its id and source: "
                "ds.map(fn, batched=True, with_indices=True)"
            )
        out: dict[str, list[Any]] = {name: [] for name in (*RECORD_COLUMNS, *REJECT_COLUMNS)}
        for row, index in zip(columns_to_rows(batch), indices, strict=True):
            outcome = clean_row(self.cleaner, row, index + 1, self.source, self.keys)
            if outcome.record is not None:
                record = outcome.record
                for name in RECORD_COLUMNS:
                    value = record[name]
                    out[name].append(dump_line(value).decode() if name in JSON_COLUMNS else value)
                out["rejected"].append(False)
                out["reject_reasons"].append([])
                out["reject"].append(None)
            else:
                reject = outcome.reject
                assert reject is not None
                for name in RECORD_COLUMNS:
                    out[name].append(reject[name] if name in ("id", "source") else None)
                out["rejected"].append(True)
                out["reject_reasons"].append([r["code"] for r in reject["reasons"]])
                out["reject"].append(dump_line(reject).decode())
        return out

    def __getstate__(self) -> dict[str, Any]:
        if self._cleaner.sources is None:
            raise CleanerError(
                "a Cleaner built in memory cannot be sent to num_proc workers; "
                "pass rules=[...] (or Cleaner.from_paths) instead"
            )
        # The digest makes the pickle (datasets' cache key) change when a rule file changes.
        return {
            "sources": self._cleaner.sources,
            "digest": self._cleaner.rules_digest,
            "keys": self.keys,
            "source": self.source,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        # The same sources the worker pool rebuilds from: rule folders, schema, settings.
        self._cleaner = Cleaner.from_paths(*state["sources"])
        self.keys = state["keys"]
        self.source = state["source"]


def cleaner_fn(
    cleaner: Cleaner | None = None,
    *,
    rules: Iterable[str | Path] | None = None,
    keys: JsonlKeys | None = None,
    source: str = "dataset.jsonl",
) -> CleanerFn:
    """See :class:`CleanerFn`; ``rules`` defaults to ``rules``, as ``cleaner run``'s does."""
    return CleanerFn(cleaner, rules=rules, keys=keys, source=source)


def clean_dataset(
    ds: Any,
    cleaner: Cleaner | None = None,
    *,
    rules: Iterable[str | Path] | None = None,
    keys: JsonlKeys | None = None,
    source: str = "dataset.jsonl",
    batch_size: int = 200,
    num_proc: int | None = None,
) -> tuple[Any, Any]:
    """``(clean, rejects)``: the records, with the columns of ``articles.jsonl`` (or a Parquet
    output), and the rejects, with ``id``, ``source``, ``reject_reasons`` and ``reject``.
    ``len(clean) + len(rejects) == len(ds)``, in the input's order."""
    fn = cleaner_fn(cleaner, rules=rules, keys=keys, source=source)
    mapped = ds.map(
        fn,
        batched=True,
        with_indices=True,
        batch_size=batch_size,
        num_proc=num_proc,
        remove_columns=ds.column_names,
        features=features(),
        desc="cleaning",
    )
    clean = mapped.filter(_kept, batched=True, num_proc=num_proc).remove_columns(
        list(REJECT_COLUMNS)
    )
    rejects = mapped.filter(_dropped, batched=True, num_proc=num_proc).select_columns(
        ["id", "source", "reject_reasons", "reject"]
    )
    return clean, rejects


def _kept(batch: dict[str, list[Any]]) -> list[bool]:
    return [not r for r in batch["rejected"]]


def _dropped(batch: dict[str, list[Any]]) -> list[bool]:
    return list(batch["rejected"])


def to_record(row: dict[str, Any]) -> dict[str, Any]:
    """A clean row as the record ``cleaner run`` writes (its JSON line, parsed)."""
    record = {name: row[name] for name in RECORD_COLUMNS}
    for name in JSON_COLUMNS:  # parse_json_line keeps integers beyond 64 bits exact
        record[name] = parse_json_line(record[name].encode())
    return record
