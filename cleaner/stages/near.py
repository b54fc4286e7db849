"""Near-duplicate detection (``--dedup near``): MinHash + LSH, one document kept per cluster.

Two documents are near-duplicates when the estimated Jaccard similarity of their shingle sets
(:mod:`cleaner.stages.minhash`) reaches ``corpus.dedup_threshold`` (0.8 by default), less the
estimate's error margin (:data:`MARGIN`); a cluster is what such pairs join. One document per cluster is kept, chosen by
``corpus.dedup_keeper``: the first in input order (default), the longest text, the newest
``date_published``, or the highest quality score; ties go to the first in input order, so the
choice never depends on the worker count. The kept one carries ``meta.duplicates`` (its
cluster's size minus one), as with exact dedup; each dropped one goes to ``duplicates.jsonl``
as ``{id, source, duplicate_of, jaccard, record}``, ``jaccard`` being its estimated similarity
with the kept document (a member of a chain can be below the threshold with the keeper while
above it with its neighbour).

State. Per document: its signature (4 bytes per hash function: 448 bytes at 14 x 8), the text's
length, date and quality score for the keeper rule, its id, and on Ray its order key: about
500 bytes a document, 0.5 GB per million documents, held in memory by the process that merges
the scans (see ``bench/README.md`` for the plan beyond one machine). The local engine merges the
scans of its batches in input order, so a document's position in the merged state is its
position in the input; the keyed state (Ray) carries order keys and is sorted by them when
sealed, so both give the same clusters. ``seal`` runs the cluster step and keeps only the
verdicts: the dropped documents and the kept ones with copies.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from cleaner.errors import CleanerError
from cleaner.stages import Drop
from cleaner.stages.dedup import _keeper, _tables
from cleaner.stages.minhash import (
    bands_rows,
    candidate_pairs,
    components,
    estimated_jaccard,
    signatures,
)

# The estimate of a Jaccard J from k hash functions has a standard error of sqrt(J(1-J)/k)
# (0.038 at 0.8 with 112): a pair at the threshold, checked against the threshold itself, would
# be missed half the time. Checked against the threshold less two standard errors (0.724 at 0.8
# with 14 x 8), 98% of the pairs at the threshold join, and a bucket collision well below it
# still drops nothing. bench/near_dedup.py measures both ways against exact Jaccard.
MARGIN = 2.0
KEEPERS = ("first", "longest", "newest", "quality")
_MAGIC = b"cleaner-dedup-near-1\n"
_DATE = re.compile(r"\d+")


def date_value(value: Any) -> int:
    """An ISO date or date-time as a number that sorts like it (YYYYMMDDhhmmss; the zone is
    ignored); 0 when there is none."""
    if not isinstance(value, str):
        return 0
    digits = "".join(_DATE.findall(value[:19]))
    return int(digits[:14].ljust(14, "0")) if len(digits) >= 4 else 0


def quality_value(record: dict[str, Any]) -> float:
    """The record's quality score: ``quality`` as a number, or ``quality.score``; a record
    without one ranks below every scored record (-inf)."""
    q = record.get("quality")
    if isinstance(q, dict):
        q = q.get("score")
    if isinstance(q, (int, float)) and not isinstance(q, bool) and q == q:
        return float(q)
    return float("-inf")


@dataclass
class NearState:
    """Scanned documents, in chunks (one per batch): merging appends chunks, so it costs no
    copy. ``keys`` is None for the local engine (position = input order), else each chunk's
    order keys."""

    perms: int
    sigs: list[npt.NDArray[np.uint32]] = field(default_factory=list)
    lengths: list[npt.NDArray[np.int64]] = field(default_factory=list)
    dates: list[npt.NDArray[np.int64]] = field(default_factory=list)
    quality: list[npt.NDArray[np.float64]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    keys: list[npt.NDArray[np.int64]] | None = None

    def merge(self, other: NearState) -> NearState:
        self.sigs += other.sigs
        self.lengths += other.lengths
        self.dates += other.dates
        self.quality += other.quality
        self.ids += other.ids
        if other.keys is not None:
            self.keys = (self.keys or []) + other.keys
        return self

    def __len__(self) -> int:
        return len(self.ids)

    def arrays(self) -> tuple[npt.NDArray[Any], ...]:
        def cat(parts: list[npt.NDArray[Any]], dtype: Any, shape: tuple[int, ...]) -> Any:
            if len(parts) == 1:  # a loaded state: no copy
                return parts[0]
            return np.concatenate(parts) if parts else np.empty(shape, dtype=dtype)

        return (
            cat(self.sigs, np.uint32, (0, self.perms)),
            cat(self.lengths, np.int64, (0,)),
            cat(self.dates, np.int64, (0,)),
            cat(self.quality, np.float64, (0,)),
            cat(self.keys or [], np.int64, (0,)),
        )

    def to_bytes(self) -> bytes:
        sigs, lengths, dates, quality, keys = self.arrays()
        names = [i.encode("utf-8", "surrogatepass") for i in self.ids]
        head = struct.pack("<QQ?", len(self.ids), self.perms, self.keys is not None)
        sizes = np.array([len(n) for n in names], dtype="<u4")
        parts = [sigs.astype("<u4"), lengths.astype("<i8"), dates.astype("<i8")]
        parts += [quality.astype("<f8"), keys.astype("<i8"), sizes]
        return b"".join([_MAGIC, head, *(p.tobytes() for p in parts), *names])

    @classmethod
    def from_bytes(cls, data: bytes) -> NearState:
        if not data.startswith(_MAGIC):
            raise CleanerError("not a saved near-dedup state (run again without --resume)")
        pos = len(_MAGIC)
        n, perms, keyed = struct.unpack_from("<QQ?", data, pos)
        pos += 17

        def take(dtype: str, count: int) -> npt.NDArray[Any]:
            nonlocal pos
            arr = np.frombuffer(data, dtype=dtype, count=count, offset=pos)
            pos += arr.nbytes
            return arr  # a read-only view of ``data``: the state is not copied again

        try:
            sigs = take("<u4", n * perms).reshape(n, perms)
            lengths, dates = take("<i8", n), take("<i8", n)
            quality, keys = take("<f8", n), take("<i8", n if keyed else 0)
            sizes = take("<u4", n)
            ids = []
            for size in sizes.tolist():
                ids.append(data[pos : pos + size].decode("utf-8", "surrogatepass"))
                pos += size
        except ValueError as exc:
            raise CleanerError("a saved near-dedup state is damaged") from exc
        if pos != len(data):
            raise CleanerError("a saved near-dedup state is damaged (run again without --resume)")
        return cls(perms, [sigs], [lengths], [dates], [quality], ids, [keys] if keyed else None)


@dataclass
class Verdicts:
    """The sealed state: per position (local) or order key (Ray), the dropped documents
    (kept id, estimated Jaccard) and the kept ones with copies (cluster size). ``seen`` counts
    the records the local engine has applied, in input order: a record's position."""

    dropped: dict[int, tuple[str, float]] = field(default_factory=dict)
    kept: dict[int, int] = field(default_factory=dict)
    seen: int = 0


class NearDedup:
    """The corpus stage behind ``--dedup near`` (see the module docstring)."""

    name = "dedup-near"
    drops = "duplicates"

    def __init__(
        self,
        threshold: float = 0.8,
        bands: int = 0,
        rows: int = 0,
        keeper: str = "first",
        margin: float = MARGIN,
    ) -> None:
        if keeper not in KEEPERS:
            raise CleanerError(f"unknown dedup keeper '{keeper}' (valid: {', '.join(KEEPERS)})")
        if not bands or not rows:
            bands, rows = bands_rows(threshold)
        self.threshold, self.bands, self.rows, self.keeper = threshold, bands, rows, keeper
        self.perms = bands * rows
        # A pair joins when its estimate is within ``margin`` standard errors of the threshold.
        self.accept = threshold - margin * math.sqrt(threshold * (1 - threshold) / self.perms)
        _tables()  # built once here, so forked workers inherit it

    def empty(self) -> NearState:
        return NearState(self.perms)

    def _scan(self, records: list[dict[str, Any]], keys: list[int] | None) -> NearState:
        n = len(records)
        if not n:
            return NearState(self.perms, keys=None if keys is None else [])
        return NearState(
            self.perms,
            [signatures([r["text"] for r in records], self.perms)],
            [np.array([len(r["text"]) for r in records], dtype=np.int64)],
            [np.array([date_value(r.get("date_published")) for r in records], dtype=np.int64)],
            [np.array([quality_value(r) for r in records], dtype=np.float64)],
            [r["id"] for r in records],
            None if keys is None else [np.array(keys, dtype=np.int64)],
        )

    def scan(self, records: Iterable[dict[str, Any]]) -> NearState:
        return self._scan(list(records), None)

    def load(self, data: bytes) -> NearState:
        state = NearState.from_bytes(data)
        if state.perms != self.perms:
            raise CleanerError(
                f"a saved near-dedup state has {state.perms} hash functions, this run "
                f"{self.perms} (run again without --resume)"
            )
        return state

    def _rank(self, lengths: Any, dates: Any, quality: Any) -> npt.NDArray[np.float64] | None:
        """What the keeper rule maximises (None: the first in input order)."""
        if self.keeper == "longest":
            return np.asarray(lengths, dtype=np.float64)
        if self.keeper == "newest":
            return np.asarray(dates, dtype=np.float64)
        if self.keeper == "quality":
            return np.asarray(quality, dtype=np.float64)
        return None

    def _verdicts(self, state: NearState, ids_by_key: bool) -> Verdicts:
        sigs, lengths, dates, quality, keys = state.arrays()
        ids = state.ids
        if ids_by_key:  # Ray: positions are the ranks of the order keys
            order = np.argsort(keys, kind="stable")
            sigs, lengths, dates, quality = (x[order] for x in (sigs, lengths, dates, quality))
            ids = [ids[i] for i in order.tolist()]
            keys = keys[order]
        a, b = candidate_pairs(sigs, self.bands, self.rows)
        sim = estimated_jaccard(sigs, a, b)
        near = sim >= self.accept - 1e-12
        rank = self._rank(lengths, dates, quality)
        out = Verdicts()
        for members in components(len(ids), a[near], b[near]).values():
            keeper = members[0]
            if rank is not None:  # the highest rank; max() keeps the first of equals
                keeper = max(members, key=lambda m: rank[m])
            others = np.array([m for m in members if m != keeper], dtype=np.int64)
            jac = estimated_jaccard(sigs, np.full(len(others), keeper), others)
            where = (lambda p: int(keys[p])) if ids_by_key else (lambda p: p)
            out.kept[where(keeper)] = len(members)
            for m, j in zip(others.tolist(), jac.tolist(), strict=True):
                out.dropped[where(m)] = (ids[keeper], round(j, 4))
        return out

    def seal(self, state: NearState) -> Verdicts:
        return self._verdicts(state, False)

    def _verdict(self, record: dict[str, Any], at: int, v: Verdicts) -> dict[str, Any] | Drop:
        drop = v.dropped.get(at)
        if drop is not None:
            line = {"id": record["id"], "source": record["source"], "duplicate_of": drop[0]}
            return Drop({**line, "jaccard": drop[1], "record": record})
        size = v.kept.get(at)
        return record if size is None else _keeper(record, size)

    def apply(self, record: dict[str, Any], state: Verdicts) -> dict[str, Any] | Drop:
        at = state.seen
        state.seen += 1
        return self._verdict(record, at, state)

    # -- keyed: for an engine with no input order (Ray); the same verdicts as above ----------

    def scan_keyed(self, pairs: Iterable[tuple[int, dict[str, Any]]]) -> NearState:
        items = list(pairs)
        return self._scan([r for _, r in items], [k for k, _ in items])

    def load_keyed(self, data: bytes) -> NearState:
        return self.load(data)

    def seal_keyed(self, state: NearState) -> Verdicts:
        return self._verdicts(state, True)

    def apply_keyed(
        self, record: dict[str, Any], key: int, state: Verdicts
    ) -> dict[str, Any] | Drop:
        return self._verdict(record, key, state)
