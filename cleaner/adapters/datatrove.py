"""datatrove: a pipeline step that cleans ``Document``s.

    from cleaner.adapters.datatrove import CleanDocuments
    pipeline = [
        JsonlReader("in/"),
        CleanDocuments(rules=["rules"], exclusion_writer=JsonlWriter("rejects/")),
        JsonlWriter("out/"),
    ]

It is a datatrove filter, so rejects follow datatrove's own convention: a rejected document is
dropped, counted in the step's stats as ``dropped`` and ``dropped_<reason code>``, and written to
the ``exclusion_writer`` (if any) with ``metadata["filter_reason"]`` set to its first code and
``metadata["cleaner_reject"]`` holding the whole reject. A kept document's ``text`` becomes the
cleaned text and ``metadata["cleaner"]`` the rest of the record ``cleaner run`` writes (rules,
fields, language ...), except ``source``, which datatrove documents do not have: it is the
document's id.

A document is read as a JSONL line ``{"text": ..., "id": ..., **metadata}`` would be, so a
``url`` in its metadata is the article's URL and every other key passes through to ``meta``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from cleaner.adapters.rows import clean_row, load_cleaner
from cleaner.io.items import JsonlKeys
from cleaner.packs import default_rules_dir
from cleaner.pipeline import Cleaner

# The metadata keys this step writes; a reader's metadata of the same name is left in ``meta``.
RECORD_KEY, REJECT_KEY = "cleaner", "cleaner_reject"


class CleanDocuments(BaseFilter):  # type: ignore[misc]  # datatrove ships no type hints
    """Clean each document with the rule packs in ``rules`` (default: the packs that ship with
    cleaner)."""

    name = "🧹 cleaner"

    def __init__(
        self,
        rules: Iterable[str | Path] | None = None,
        *,
        schema: str | Path | None = None,
        keys: JsonlKeys | None = None,
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__(exclusion_writer)
        # Paths, not compiled rules: the step is pickled to datatrove's worker processes, and
        # each builds its cleaner once, on its first document.
        default = default_rules_dir()  # the packs that ship with cleaner
        self.rules = [str(p) for p in rules] if rules is not None else [str(default or "rules")]
        self.schema = str(schema) if schema is not None else None
        self.keys = keys or JsonlKeys()
        # Built here so that a bad pack fails now, not in a worker; not pickled (see below).
        self._cleaner: Cleaner | None = load_cleaner(self.rules, self.schema)

    @property
    def cleaner(self) -> Cleaner:
        if self._cleaner is None:
            self._cleaner = load_cleaner(self.rules, self.schema)
        return self._cleaner

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cleaner"] = None
        return state

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        metadata = {k: v for k, v in doc.metadata.items() if k not in (RECORD_KEY, REJECT_KEY)}
        row = {**metadata, self.keys.id: doc.id, self.keys.content: doc.text}
        outcome = clean_row(self.cleaner, row, 1, "datatrove", self.keys, where=str(doc.id))
        if outcome.record is None:
            reject = outcome.reject
            assert reject is not None
            doc.metadata[REJECT_KEY] = reject
            return False, str(reject["reasons"][0]["code"])
        record = dict(outcome.record)
        doc.text = record.pop("text")
        doc.metadata[RECORD_KEY] = record
        return True


__all__ = ["CleanDocuments"]
