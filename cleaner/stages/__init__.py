"""Corpus stages: the passes that need the whole corpus before any document is written.

A run is a sequence of stages. The first maps one document at a time: cleaning
(:meth:`cleaner.pipeline.Cleaner.clean`, run by :func:`cleaner.batch.clean_batch` on every
engine). A *corpus stage* (deduplication today; learned chrome and quality statistics next)
needs to have seen every document before it can decide about one, so a run with one takes two
passes over the corpus::

    inputs ─► pass 1: clean + scan ───────────────► OUTDIR/.cleaner-run/pass1/
              (workers, streaming, -j N)             cleaned shards, rejects, a state per shard
                      │ states merged (any order)
                      ▼
              pass 2: apply, in input order ───────► articles / rejects / duplicates shards,
              (reads pass 1's shards back)           summary.json

The interface (:class:`CorpusStage`, :class:`State`) is small:

- ``scan(records) -> State``: pure, over the records of one batch, on whatever worker cleaned
  them (a worker process, a Ray task).
- ``State.merge(other) -> State``: associative, and its result does not depend on the order of
  the states merged, so batches, workers, Ray tasks and the shards of an interrupted run combine
  into the same state.
- ``State.to_bytes()`` and ``stage.load(data)``: a state on disk. Pass 1 saves one per committed
  shard, so ``--resume`` after a kill in pass 1 rescans nothing it committed.
- ``apply(record, state) -> record | Drop``: once per record, in input order. It returns the
  record itself when it keeps it unchanged (pass 2 then copies the line's bytes), a new record,
  or a :class:`Drop` whose line goes to the stage's side file. ``apply`` may note in the state
  what later records need (dedup: the id of the document kept); since it runs in input order,
  a resumed pass 2 replays it over the shards already committed, without writing, to get the
  same state back.

Records are the JSON objects of the output lines (``dict``), so pass 2 works from the lines
pass 1 wrote and never cleans a document again. (Learned chrome has pass 1 clean some documents
a second time, without the line model, and keep both records: :mod:`cleaner.stages.learnalt`.)

Why clean once and read back, not clean twice: cleaning costs far more than writing and reading
a line (``bench/results/stages.txt``), so pass 1 keeps its output in the work folder (the disk
then holds the output about twice until the run ends) and pass 2 only parses lines and copies
them. Memory stays flat in both passes: pass 1 holds a few batches and the state, pass 2 one
batch of lines and the state; only the state grows with the corpus (see each stage's module for
its cost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, Self, TypeVar


@dataclass(frozen=True)
class Drop:
    """``apply``'s verdict on a record that leaves the corpus: the line its side file gets."""

    line: dict[str, Any]


class State(Protocol):
    """What a scan learned; merged across batches, workers, Ray tasks and resumed shards."""

    def merge(self, other: Self) -> Self:
        """Add ``other`` into this state and return it (the result is order-independent)."""
        ...

    def to_bytes(self) -> bytes:
        """The state on disk; the same state always gives the same bytes."""
        ...


S = TypeVar("S", bound=State)


class CorpusStage(Protocol[S]):
    """A stage that scans the whole corpus before it applies to any document."""

    name: str  # as in --dedup exact: "dedup:exact"; also names the state files
    drops: str  # the side file the dropped records go to ("duplicates")

    def empty(self) -> S:
        """The state of no documents: the neutral element of ``merge``."""
        ...

    def scan(self, records: Iterable[dict[str, Any]]) -> S:
        """The state of a batch of records (pure; runs on any worker)."""
        ...

    def load(self, data: bytes) -> S:
        """A state back from ``to_bytes``."""
        ...

    def seal(self, state: S) -> S:
        """The state after the last scan: what ``apply`` needs, and no more."""
        ...

    def apply(self, record: dict[str, Any], state: S) -> dict[str, Any] | Drop:
        """Keep (the same object, or a changed copy) or drop one record, in input order."""
        ...

    # An engine that cleans in no set order (Ray) gives each record its place in the input, an
    # integer order key, and asks for verdicts that need no input order: the same verdicts,
    # from a state that carries what ``apply`` would have learned in order (dedup: the key and
    # id of the first document of each cluster). The keyed state merges like ``State``.

    def scan_keyed(self, pairs: Iterable[tuple[int, dict[str, Any]]]) -> Any:
        """The keyed state of (order key, record) pairs."""
        ...

    def load_keyed(self, data: bytes) -> Any:
        """A keyed state back from its ``to_bytes``."""
        ...

    def seal_keyed(self, state: Any) -> Any:
        """The keyed state after the last scan: what ``apply_keyed`` needs, and no more."""
        ...

    def apply_keyed(self, record: dict[str, Any], key: int, state: Any) -> dict[str, Any] | Drop:
        """``apply``'s verdict on the record at ``key``, in any order."""
        ...


DEDUP_MODES = ("none", "exact", "near")


def stage_for(
    dedup: str,
    corpus: dict[str, Any] | None = None,
    quality: dict[str, Any] | None = None,
    learn: bool | None = None,
) -> CorpusStage[Any] | None:
    """The corpus stage ``--dedup MODE`` and ``--learn-chrome`` ask for (None: no corpus
    stage), with the ``corpus`` section of the config for its options (``learn`` None: the
    config's ``learn_chrome``) and the ``quality`` section (the keeper ``quality`` needs
    quality filters: they compute the score it ranks by). Both: dedup decides on pass 1's
    texts, then the documents kept lose their learned chrome."""
    corpus = corpus or {}
    first = _dedup_stage(dedup, corpus, quality)
    if not (corpus.get("learn_chrome", False) if learn is None else learn):
        return first
    from cleaner.stages.learn import LearnChrome

    learned = LearnChrome(
        corpus.get("learn_min_docs", 50), corpus.get("learn_share", 2),
        corpus.get("learn_sample", 200), corpus.get("learn_model_rules", 1),
    )  # fmt: skip
    if first is None:
        return learned
    from cleaner.stages.chain import Chain

    return Chain(first, learned)


def _dedup_stage(
    dedup: str, corpus: dict[str, Any], quality: dict[str, Any] | None
) -> CorpusStage[Any] | None:
    from cleaner.errors import CleanerError

    keeper = corpus.get("dedup_keeper", "first")
    if dedup == "none":
        return None
    if dedup not in DEDUP_MODES:
        raise CleanerError(f"unknown --dedup mode '{dedup}' (valid: {', '.join(DEDUP_MODES)})")
    if keeper == "quality" and not (quality or {}).get("filters"):
        # Without filters no record has a score: every cluster would keep its first document,
        # which is not what a user asking for the best-scored copy expects.
        raise CleanerError(
            "corpus.dedup_keeper 'quality' ranks by the score the quality filters compute: add "
            "--quality (or quality.filters in the config), or choose another keeper (valid "
            "without quality filters: first, longest, newest)"
        )
    if dedup == "exact":
        if keeper != "first":
            from cleaner.stages.keepers import RankedExactDedup

            return RankedExactDedup(keeper)
        from cleaner.stages.dedup import ExactDedup

        return ExactDedup()
    from cleaner.stages.near import NearDedup

    return NearDedup(
        corpus.get("dedup_threshold", 80) / 100,
        corpus.get("dedup_bands", 0),
        corpus.get("dedup_rows", 0),
        keeper,
    )
