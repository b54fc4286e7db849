"""A run: read every input, clean it, write a record or a reject, and account for each article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.io.readers import JsonlKeys, Limits, read_inputs
from cleaner.io.writers import OutputSink
from cleaner.pipeline import Cleaner, Outcome
from cleaner.record import Record, Reject


@dataclass
class Tally:
    """Counts for summary.json. Holds only counters, so memory does not grow with the corpus."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    chars_in: int = 0
    chars_out: int = 0
    packs: Counter[str] = field(default_factory=Counter)
    rule_docs: Counter[str] = field(default_factory=Counter)
    rule_chars: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    extractors: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        self.read += 1
        self.chars_in += outcome.chars_in
        if outcome.selection is not None:
            self.packs.update(outcome.selection.packs)
        for e in outcome.edits:
            self.rule_docs[e.rule] += 1
            self.rule_chars[e.rule] += e.removed_chars
        result = outcome.result
        if isinstance(result, Record):
            self.written += 1
            self.chars_out += result.n_chars
            self.langs[result.lang or "unknown"] += 1
            if result.extractor is not None:
                self.extractors[result.extractor] += 1
            for name in ("title", "author", "date_published", "date_updated"):
                if getattr(result, name) is not None:
                    self.fields[name] += 1
        else:
            self.rejected += 1
            self.reasons.update({r.code for r in result.reasons})

    def add_unread(self, reject: Reject) -> None:
        self.read += 1
        self.rejected += 1
        self.reasons.update({r.code for r in reject.reasons})

    def summary(self) -> dict[str, Any]:
        return {
            "articles_read": self.read,
            "records_written": self.written,
            "rejects_written": self.rejected,
            "reconciled": self.read == self.written + self.rejected,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "packs": {k: {"documents": v} for k, v in sorted(self.packs.items())},
            "rules": {
                k: {"documents": self.rule_docs[k], "removed_chars": self.rule_chars[k]}
                for k in sorted(self.rule_docs)
            },
            "reject_reasons": dict(sorted(self.reasons.items())),
            "fields": dict(sorted(self.fields.items())),
            "languages": dict(sorted(self.langs.items())),
            "extractors": dict(sorted(self.extractors.items())),
        }


def run(
    cleaner: Cleaner,
    inputs: Iterable[str],
    outdir: str,
    *,
    rejects_path: str | None = None,
    keys: JsonlKeys | None = None,
) -> Tally:
    tally = Tally()
    limits = Limits(
        cleaner.config.limits["max_article_bytes"], cleaner.config.html["max_page_bytes"]
    )
    out = None if outdir == "-" else Path(outdir).resolve()
    with OutputSink(outdir, rejects_path) as sink:
        for item in read_inputs(inputs, keys, limits=limits, outdir=out):
            if isinstance(item, Reject):
                tally.add_unread(item)
                sink.write_reject(item.to_dict())
                continue
            outcome = cleaner.clean(item)
            tally.add(outcome)
            if isinstance(outcome.result, Record):
                sink.write_record(outcome.result.to_dict())
            else:
                sink.write_reject(outcome.result.to_dict())
        summary = tally.summary()
        if not summary["reconciled"]:  # pragma: no cover - would be a bug in this module
            raise RuntimeError(f"articles read != written + rejected: {summary}")
        sink.commit(summary)
    return tally
