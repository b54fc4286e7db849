"""The unit of work: a batch of articles in, its JSON lines and its tally out.

Every engine (in-process, worker processes, Ray) runs :func:`clean_batch`, so they give the
same bytes; the tally holds only counters, so adding tallies up never grows with the corpus.
With a corpus stage (``cleaner.stages``), the batch's records are also scanned where they were
cleaned, and the scan's state comes back with the lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from cleaner.io.readers import Item
from cleaner.io.writers import dump_line
from cleaner.pipeline import Cleaner, Outcome
from cleaner.record import RawArticle, Reason, Record, Reject
from cleaner.report.aggregate import RunAggregate
from cleaner.report.collect import count, fill_windows
from cleaner.stages import CorpusStage

BATCH_ITEMS = 200  # articles per task sent to a worker


@dataclass
class Tally:
    """Counts for summary.json. Holds only counters, so memory does not grow with the corpus."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    duplicates: int = 0  # records a corpus stage dropped (--dedup), no longer in ``written``
    # Records whose second clean (a corpus stage's companion) failed: the first one stands.
    fallbacks: int = 0
    # Records whose page was cut to bound a worker's memory (``cut:page`` in their repairs).
    pages_cut: int = 0
    chars_in: int = 0
    chars_out: int = 0
    packs: Counter[str] = field(default_factory=Counter)
    rule_docs: Counter[str] = field(default_factory=Counter)
    rule_chars: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    extractors: Counter[str] = field(default_factory=Counter)
    # --report's aggregates; None without it, so the markers stay what they were.
    report: RunAggregate | None = None

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
            if "cut:page" in result.repairs:
                self.pages_cut += 1
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

    def kept_cluster(self, record: dict[str, Any]) -> None:
        """A record a corpus stage kept and marked (the keeper of a duplicate cluster)."""
        if self.report is not None:
            self.report.cluster(record)

    def changed(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        """A record a corpus stage kept changed: a cluster's keeper (dedup), or a text that
        lost learned chrome (its new rules counted, its characters out corrected)."""
        if "duplicates" in (after.get("meta") or {}):
            self.kept_cluster(after)
        self.chars_out += after["n_chars"] - before["n_chars"]
        first = len(before["rules"])
        if after["rules"][:first] != before["rules"]:
            # Another clean of the document (learned chrome's without the line model): its
            # rules replace the first clean's.
            for entry in before["rules"]:
                _less(self.rule_docs, entry["rule"])
                self.rule_chars[entry["rule"]] -= entry["removed_chars"]
                if not self.rule_chars[entry["rule"]] and not self.rule_docs[entry["rule"]]:
                    del self.rule_chars[entry["rule"]]
            for name in ("title", "author", "date_published", "date_updated"):
                if before.get(name) is not None and after.get(name) is None:
                    _less(self.fields, name)
                elif before.get(name) is None and after.get(name) is not None:
                    self.fields[name] += 1
            first = 0
        for entry in after["rules"][first:]:
            self.rule_docs[entry["rule"]] += 1
            self.rule_chars[entry["rule"]] += entry["removed_chars"]

    def drop(self, record: dict[str, Any], duplicate_of: str | None = None) -> None:
        """A written record that a corpus stage dropped: out of every count of what was written
        (the counts of the cleaning work done on it, per pack and rule, stay)."""
        if self.report is not None:
            self.report.drop(record, duplicate_of)
        self.written -= 1
        self.duplicates += 1
        self.chars_out -= record["n_chars"]
        _less(self.langs, record["lang"] or "unknown")
        if record["extractor"] is not None:
            _less(self.extractors, record["extractor"])
        for name in ("title", "author", "date_published", "date_updated"):
            if record[name] is not None:
                _less(self.fields, name)

    def merge(self, other: Tally) -> None:
        for f in fields(self):
            mine = getattr(self, f.name)
            if f.name == "report":
                if other.report is not None:
                    self.report = self.report or RunAggregate()
                    self.report.merge(other.report)
            elif isinstance(mine, Counter):
                mine.update(getattr(other, f.name))
            else:
                setattr(self, f.name, mine + getattr(other, f.name))

    def to_state(self) -> dict[str, Any]:
        """Plain JSON, for the completion markers a resumed run adds up."""
        state: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "report":
                if value is not None:
                    state[f.name] = value.to_state()
            else:
                state[f.name] = dict(sorted(value.items())) if isinstance(value, Counter) else value
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Tally:
        tally = cls()
        for f in fields(tally):
            mine = getattr(tally, f.name)
            if f.name == "report":
                if state.get(f.name) is not None:
                    tally.report = RunAggregate.from_state(state[f.name])
            elif isinstance(mine, Counter):
                mine.update(state.get(f.name, {}))
            else:
                setattr(tally, f.name, int(state.get(f.name, 0)))
        return tally

    def summary(self, dedup: bool = False) -> dict[str, Any]:
        """summary.json; with ``dedup``, the duplicates dropped are counted and reconciled too."""
        more = {"duplicates_written": self.duplicates} if dedup else {}
        return {
            "articles_read": self.read,
            "records_written": self.written,
            "rejects_written": self.rejected,
            **more,
            "reconciled": self.read == self.written + self.rejected + self.duplicates,
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
            # Only then: a run without a failed second clean writes the summary it always did.
            **({"second_clean_failed": self.fallbacks} if self.fallbacks else {}),
            # Text lost on purpose is said at the run's level too, not only on its records.
            **({"pages_cut": self.pages_cut} if self.pages_cut else {}),
        }


@dataclass
class Batch:
    """Consecutive input items of one shard; the last batch of a shard closes it."""

    shard: int
    items: list[Item]
    closes_shard: bool


def _less(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if not counter[key]:
        del counter[key]


@dataclass
class BatchResult:
    records: bytes
    rejects: bytes
    tally: Tally
    state: Any = None  # the corpus stage's scan of this batch's records, if there is one
    record_keys: list[int] = field(default_factory=list)  # with ``keys``: each record's key


def clean_item(
    cleaner: Cleaner, item: Item, keep: str | None = None
) -> tuple[dict[str, Any] | None, bytes, Outcome | Reject]:
    """One item -> (the record's JSON object, or None for a reject; its JSON line; what the
    tally counts). With ``keep``, the outcome holds the document before that step."""
    if isinstance(item, Reject):
        return None, dump_line(item.to_dict()) + b"\n", item
    try:
        # ``keep`` only when a stage asks for it: a wrapped or patched ``clean`` taking only
        # the article (a user's, a test's) goes on working.
        outcome = cleaner.clean(item) if keep is None else cleaner.clean(item, keep=keep)
    except Exception as exc:  # a bug must not sink a long run: reject the article, say why
        reason = Reason("internal_error", f"{type(exc).__name__}: {exc}"[:300])
        reject = Reject(item.id, item.source, (reason,))
        return None, dump_line(reject.to_dict()) + b"\n", reject
    result = outcome.result
    obj = result.to_dict()
    return (obj if isinstance(result, Record) else None), dump_line(obj) + b"\n", outcome


def clean_batch(
    cleaner: Cleaner,
    items: Iterable[Item],
    stage: CorpusStage[Any] | None = None,
    keys: Sequence[int] | None = None,
    report: bool = False,
) -> BatchResult:
    """The unit of work of every engine (in-process, worker processes, Ray); with ``stage``,
    the batch's records are scanned too. ``keys``, the items' places in the input, are for an
    engine that cleans in no set order (Ray): the records' keys come back in ``record_keys``
    and the stage's keyed scan gets them. With ``report``, the tally collects the report's
    aggregates too."""
    records: list[bytes] = []
    rejects: list[bytes] = []
    objs: list[dict[str, Any]] = []
    record_keys: list[int] = []
    tally = Tally(report=RunAggregate() if report else None)
    batch_items = list(items)  # read twice with --report: to clean, then for its samples
    # A stage that wants a second clean of some records beside the first (learned chrome's
    # clean without the line model) gets it here, where the document is in hand.
    # It resumes from the first clean's document as it stood before the step ``keep``.
    companion = getattr(stage, "companion", None)
    keep = getattr(stage, "keep", None) if companion is not None else None
    for i, item in enumerate(batch_items):
        obj, line, counted = clean_item(cleaner, item, keep)
        if obj is None:
            rejects.append(line)
        else:
            alt = None
            if companion is not None:
                kept = counted.kept if isinstance(counted, Outcome) else None
                try:
                    alt = companion(cleaner, item, obj, kept)
                except Exception:  # the first clean's record stands; counted, never silent
                    tally.fallbacks += 1
            if alt is not None:
                from cleaner.stages.learnalt import ALT, join_line

                line = join_line(line, alt)
                obj[ALT] = alt
            records.append(line)
            if stage is not None:
                objs.append(obj)
            if keys is not None:
                record_keys.append(keys[i])
        if isinstance(counted, Reject):
            tally.add_unread(counted)
        else:
            tally.add(counted)
        if tally.report is not None:
            count(tally.report, item, counted)
    if tally.report is not None:
        fill_windows(tally.report, cleaner, (i for i in batch_items if isinstance(i, RawArticle)))
    state = None
    if stage is not None:
        pairs = zip(record_keys, objs, strict=True)
        state = stage.scan(objs) if keys is None else stage.scan_keyed(pairs)
    return BatchResult(b"".join(records), b"".join(rejects), tally, state, record_keys)


def batches(items: Iterator[Item], shard_size: int, first_shard: int = 0) -> Iterator[Batch]:
    """Cut the items into batches of at most BATCH_ITEMS that never cross a shard boundary."""
    shard, in_shard = first_shard, 0
    pending = next(items, None)
    while pending is not None:
        batch: list[Item] = []
        while pending is not None and len(batch) < BATCH_ITEMS and in_shard < shard_size:
            batch.append(pending)
            in_shard += 1
            pending = next(items, None)
        closes = pending is None or in_shard == shard_size
        yield Batch(shard, batch, closes)
        if closes:
            shard, in_shard = shard + 1, 0
