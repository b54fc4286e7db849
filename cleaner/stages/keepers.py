"""Which document of a duplicate cluster stays (``corpus.dedup_keeper``), for both dedup modes,
and exact dedup with a keeper other than the first.

A keeper rule maximises a rank: ``longest`` the text's length, ``newest`` its
``date_published`` (a record without a date ranks last), ``quality`` its quality score (the
``quality.score.mean_margin`` the quality filters compute, see :mod:`cleaner.quality.families`;
an unscored record ranks last). Equal ranks go to the first in input order, so the choice never
depends on the worker count or on how the corpus was split.

Exact dedup with ``first`` (:class:`cleaner.stages.dedup.ExactDedup`) decides in input order as
it goes. With another rule the keeper may come after the copies it drops, so the scan keeps, per
digest, the best (rank, position) seen and its id (:class:`RankedState`); ``apply`` keeps the
record at that position. It costs a position, a rank and an id per distinct digest while the
scans merge (about as much as the keyed state Ray uses for ``first``); after ``seal`` only the
repeated digests remain.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cleaner.errors import CleanerError
from cleaner.stages import Drop
from cleaner.stages.dedup import DIGEST_BYTES, _dropped, _keeper, _tables, digest

KEEPERS = ("first", "longest", "newest", "quality")
_DATE = re.compile(r"\d+")
_MAGIC = b"cleaner-dedup-exact-ranked-1\n"
_ENTRY = struct.Struct("<QdQI")


def date_value(value: Any) -> int:
    """An ISO date or date-time as a number that sorts like it (YYYYMMDDhhmmss; the zone is
    ignored); 0 when there is none."""
    if not isinstance(value, str):
        return 0
    digits = "".join(_DATE.findall(value[:19]))
    return int(digits[:14].ljust(14, "0")) if len(digits) >= 4 else 0


def _number(q: Any) -> float | None:
    if isinstance(q, (int, float)) and not isinstance(q, bool) and q == q:
        return float(q)
    return None


def quality_value(record: dict[str, Any]) -> float:
    """The record's quality score: ``quality.score.mean_margin`` (what the quality filters
    store), or ``quality.score`` / ``quality`` as a number (a score of one's own); a record
    without one ranks below every scored record (-inf)."""
    q = record.get("quality")
    if isinstance(q, dict):
        q = q.get("score")
        if isinstance(q, dict):
            q = q.get("mean_margin")
    value = _number(q)
    return float("-inf") if value is None else value


def rank(keeper: str, record: dict[str, Any]) -> float:
    """What the keeper rule maximises for a record (``first``: nothing, 0)."""
    if keeper == "longest":
        return float(len(record["text"]))
    if keeper == "newest":
        return float(date_value(record.get("date_published")))
    if keeper == "quality":
        return quality_value(record)
    return 0.0


@dataclass
class RankedState:
    """Per digest: how many documents have it, and the best rank, its position and id. The
    local engine merges scans in input order, so a scan's positions are shifted by the count of
    documents before it; a keyed scan (Ray) carries order keys and shifts nothing. Either way the
    best is the highest rank, then the smallest position: the same in any grouping. ``seen``
    counts the records ``apply`` has met (a record's position)."""

    keyed: bool = False
    count: int = 0
    entries: dict[bytes, tuple[int, float, int, str]] = field(default_factory=dict)
    seen: int = 0

    def add(self, d: bytes, entry: tuple[int, float, int, str]) -> None:
        mine = self.entries.get(d)
        if mine is None:
            self.entries[d] = entry
            return
        n, r, pos, rid = entry
        if (r, -pos) > (mine[1], -mine[2]):
            self.entries[d] = (mine[0] + n, r, pos, rid)
        else:
            self.entries[d] = (mine[0] + n, mine[1], mine[2], mine[3])

    def merge(self, other: RankedState) -> RankedState:
        shift = 0 if self.keyed or other.keyed else self.count
        for d, (n, r, pos, rid) in other.entries.items():
            self.add(d, (n, r, pos + shift, rid))
        self.keyed = self.keyed or other.keyed
        self.count += other.count
        return self

    def to_bytes(self) -> bytes:
        out = [_MAGIC, struct.pack("<?QQ", self.keyed, self.count, len(self.entries))]
        for d, (n, r, pos, rid) in sorted(self.entries.items()):
            text = rid.encode("utf-8", "surrogatepass")
            out.append(d + _ENTRY.pack(n, r, pos, len(text)) + text)
        return b"".join(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> RankedState:
        if not data.startswith(_MAGIC):
            raise CleanerError("not a saved exact-dedup state (run again without --resume)")
        pos = len(_MAGIC)
        try:
            keyed, count, size = struct.unpack_from("<?QQ", data, pos)
            pos += 17
            state = cls(keyed, count)
            for _ in range(size):
                d = data[pos : pos + DIGEST_BYTES]
                n, r, at, length = _ENTRY.unpack_from(data, pos + DIGEST_BYTES)
                pos += DIGEST_BYTES + _ENTRY.size
                rid = data[pos : pos + length].decode("utf-8", "surrogatepass")
                state.entries[d] = (n, r, at, rid)
                pos += length
        except (struct.error, UnicodeDecodeError) as exc:
            raise CleanerError("a saved exact-dedup state is damaged") from exc
        if pos != len(data):
            raise CleanerError("a saved exact-dedup state is damaged (run again without --resume)")
        return state


class RankedExactDedup:
    """``--dedup exact`` with ``corpus.dedup_keeper`` longest, newest or quality."""

    name = "dedup-exact"
    drops = "duplicates"

    def __init__(self, keeper: str) -> None:
        if keeper not in KEEPERS:
            raise CleanerError(f"unknown dedup keeper '{keeper}' (valid: {', '.join(KEEPERS)})")
        self.keeper = keeper
        _tables()  # built once here, so forked workers inherit it

    def _scan(self, pairs: Iterable[tuple[int, dict[str, Any]]], keyed: bool) -> RankedState:
        state = RankedState(keyed)
        for pos, record in pairs:
            state.add(digest(record["text"]), (1, rank(self.keeper, record), pos, record["id"]))
            state.count += 1
        return state

    def empty(self) -> RankedState:
        return RankedState()

    def scan(self, records: Iterable[dict[str, Any]]) -> RankedState:
        return self._scan(enumerate(records), False)

    def load(self, data: bytes) -> RankedState:
        return RankedState.from_bytes(data)

    def seal(self, state: RankedState) -> RankedState:
        """Pass 2 needs the repeated digests only."""
        repeated = {d: e for d, e in state.entries.items() if e[0] > 1}
        return RankedState(state.keyed, state.count, repeated)

    def _verdict(self, record: dict[str, Any], at: int, state: RankedState) -> Any:
        entry = state.entries.get(digest(record["text"]))
        if entry is None:
            return record
        n, _, best, rid = entry
        return _keeper(record, n) if at == best else _dropped(record, rid)

    def apply(self, record: dict[str, Any], state: RankedState) -> dict[str, Any] | Drop:
        at = state.seen
        state.seen += 1
        return self._verdict(record, at, state)  # type: ignore[no-any-return]

    def scan_keyed(self, pairs: Iterable[tuple[int, dict[str, Any]]]) -> RankedState:
        return self._scan(pairs, True)

    def load_keyed(self, data: bytes) -> RankedState:
        return RankedState.from_bytes(data)

    def seal_keyed(self, state: RankedState) -> RankedState:
        return self.seal(state)

    def apply_keyed(
        self, record: dict[str, Any], key: int, state: RankedState
    ) -> dict[str, Any] | Drop:
        return self._verdict(record, key, state)  # type: ignore[no-any-return]
