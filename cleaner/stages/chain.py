"""Two corpus stages in one run (``--dedup`` with ``--learn-chrome``): both scan pass 1's
records, and pass 2 applies the first, then the second to what the first keeps. The first
decides on the texts it scanned (dedup compares pass 1's texts); the second's edits come after.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.errors import CleanerError
from cleaner.io.files import write_atomic
from cleaner.stages import CorpusStage, Drop
from cleaner.stages.learnalt import ALT

_SIZE = struct.Struct("<Q")


@dataclass
class Pair:
    """The two stages' states, merged side by side."""

    first: Any
    second: Any

    def merge(self, other: Pair) -> Pair:
        self.first = self.first.merge(other.first)
        self.second = self.second.merge(other.second)
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter((self.first, self.second))

    def to_bytes(self) -> bytes:
        a: bytes = self.first.to_bytes()
        b: bytes = self.second.to_bytes()
        return _SIZE.pack(len(a)) + a + b


class _Adopt:
    """The empty merged state of a stage that does not spill, beside one that does: it becomes
    the first state merged into it (plain or keyed, as the engine's scans are)."""

    def __init__(self, stage: CorpusStage[Any]) -> None:
        self.stage = stage

    def merge(self, other: Any) -> Any:
        return other

    def to_bytes(self) -> bytes:
        return bytes(self.stage.empty().to_bytes())


def _spilled(stage: CorpusStage[Any]) -> Any:
    spilled = getattr(stage, "spilled", None)
    return spilled() if spilled is not None else _Adopt(stage)


def _split(data: bytes) -> tuple[bytes, bytes]:
    if len(data) < _SIZE.size:
        raise CleanerError("a saved corpus-stage state is damaged (run again without --resume)")
    (n,) = _SIZE.unpack_from(data)
    return data[_SIZE.size : _SIZE.size + n], data[_SIZE.size + n :]


class Chain:
    """``first`` then ``second``; the side file is the first's (only dedup drops records)."""

    def __init__(self, first: CorpusStage[Any], second: CorpusStage[Any]) -> None:
        self.first = first
        self.second = second
        self.name = f"{first.name}+{second.name}"
        self.drops = first.drops

    def empty(self) -> Pair:
        return Pair(self.first.empty(), self.second.empty())

    def spill_to(self, folder: Path) -> None:
        """Each stage that keeps its merged state on disk does so (near dedup in ``folder``,
        learned chrome in ``folder/learn``), so the chain's memory stays bounded too."""
        for stage in (self.first, self.second):
            spill = getattr(stage, "spill_to", None)
            if spill is not None:
                spill(folder)

    def spilled(self) -> Pair:
        return Pair(_spilled(self.first), _spilled(self.second))

    def scan(self, records: Iterable[dict[str, Any]]) -> Pair:
        batch = list(records)
        return Pair(self.first.scan(batch), self.second.scan(batch))

    def load(self, data: bytes) -> Pair:
        a, b = _split(data)
        return Pair(self.first.load(a), self.second.load(b))

    def seal(self, state: Pair) -> Pair:
        first, second = (self.first.empty() if isinstance(x, _Adopt) else x for x in state)
        return Pair(self.first.seal(first), self.second.seal(second))

    def bind(self, cleaner: Any) -> None:
        for stage in (self.first, self.second):
            bind = getattr(stage, "bind", None)
            if bind is not None:
                bind(cleaner)

    @property
    def keep(self) -> str | None:
        """The second stage's (the step before which pass 1 keeps each document for it)."""
        return getattr(self.second, "keep", None)

    def companion(self, cleaner: Any, item: Any, record: dict[str, Any], kept: Any = None) -> Any:
        """The second stage's (learned chrome's clean without the line model)."""
        companion = getattr(self.second, "companion", None)
        return companion(cleaner, item, record, kept) if companion is not None else None

    def apply(self, record: dict[str, Any], state: Pair) -> dict[str, Any] | Drop:
        alt = record.pop(ALT, None)  # the second's: the first decides on pass 1's record
        verdict = self.first.apply(record, state.first)
        if isinstance(verdict, Drop):
            return verdict
        if alt is not None:
            _keep_alt(record, verdict, alt)
        after = self.second.apply(verdict, state.second)
        assert not isinstance(after, Drop)  # the second stage only edits
        return after

    def files(self, state: Pair) -> dict[str, str]:
        return stage_files(self.second, state.second)

    def scan_keyed(self, pairs: Iterable[tuple[int, dict[str, Any]]]) -> Pair:
        batch = list(pairs)
        return Pair(self.first.scan_keyed(batch), self.second.scan_keyed(batch))

    def load_keyed(self, data: bytes) -> Pair:
        a, b = _split(data)
        return Pair(self.first.load_keyed(a), self.second.load_keyed(b))

    def seal_keyed(self, state: Pair) -> Pair:
        first, second = (x.stage.scan_keyed(()) if isinstance(x, _Adopt) else x for x in state)
        return Pair(self.first.seal_keyed(first), self.second.seal_keyed(second))

    def apply_keyed(self, record: dict[str, Any], key: int, state: Pair) -> dict[str, Any] | Drop:
        alt = record.pop(ALT, None)
        verdict = self.first.apply_keyed(record, key, state.first)
        if isinstance(verdict, Drop):
            return verdict
        if alt is not None:
            _keep_alt(record, verdict, alt)
        after = self.second.apply_keyed(verdict, key, state.second)
        assert not isinstance(after, Drop)
        return after


def _keep_alt(record: dict[str, Any], verdict: dict[str, Any], alt: dict[str, Any]) -> None:
    """Give the second stage the record's other clean back (learned chrome's, without the line
    model), with what the first changed in the record (a keeper's ``meta``) changed there too."""
    if verdict is not record:
        alt = {**alt, **{k: v for k, v in verdict.items() if record.get(k) != v}}
    verdict[ALT] = alt


LEARNED = "learned-rules"


def stage_files(stage: Any, state: Any) -> dict[str, str]:
    """The files a sealed stage writes into the output folder's ``learned-rules/`` (learned
    chrome's packs); none for the others."""
    files = getattr(stage, "files", None)
    return files(state) if files is not None else {}


def write_stage_files(outdir: Path, stage: Any, state: Any) -> None:
    """Write them (again, the same bytes, when a resumed pass 2 seals again)."""
    files = stage_files(stage, state)
    if not files:
        return
    folder = outdir / LEARNED
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_atomic(folder / name, text.encode("utf-8", "surrogatepass"))
