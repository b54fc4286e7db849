"""Exact-duplicate detection (``--dedup exact``): one document per normalised text.

Two documents are duplicates when their texts are equal once case is folded
(``str.casefold``), punctuation removed (Unicode category P) and whitespace collapsed. The
first in input order is kept, whatever the worker count; it carries ``meta.duplicates``, the
number of documents dropped as copies of it (its cluster's size minus one). Each dropped
document goes to ``duplicates.jsonl`` as ``{id, source, duplicate_of, record}``: the id of the
document kept, and the whole record, so nothing is lost.

Memory. The state is the set of 16-byte BLAKE2b digests of the normalised texts (16 bytes make
a false match across a billion documents about one chance in 10^20), plus a count for each
digest seen more than once. In CPython a 16-byte ``bytes`` is a 49-byte object and a set slot
adds 16 bytes at a load of at most 3/5, so each distinct document costs about 75-100 bytes:
75-100 MB per million distinct documents while pass 1 runs. After the last scan only the
repeated digests are kept (:meth:`ExactDedup.seal`), with the kept document's id once it is met,
so pass 2 holds memory for the duplicate clusters only. On disk a state costs 16 bytes a
distinct document. Measurements: ``bench/results/stages.txt``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cleaner.errors import CleanerError
from cleaner.stages import Drop

DIGEST_BYTES = 16
_MAGIC = b"cleaner-dedup-exact-1\n"


# Bytes 0-127: ASCII whitespace (str.isspace) becomes a space; the rest stay (ASCII punctuation
# is deleted by bytes.translate's second argument).
_ASCII_SPACES = bytes(32 if chr(b).isspace() else b for b in range(128)) + bytes(range(128, 256))
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.cache
def _tables() -> tuple[dict[int, str | None], bytes]:
    """Non-ASCII punctuation (Unicode category P, Python's Unicode version) to delete and
    non-ASCII whitespace to turn into spaces, for str.translate; ASCII punctuation as bytes."""
    non_ascii: dict[int, str | None] = {}
    ascii_punctuation = bytearray()
    for c in range(sys.maxunicode + 1):
        ch = chr(c)
        if unicodedata.category(ch)[0] == "P":
            if c < 128:
                ascii_punctuation.append(c)
            else:
                non_ascii[c] = None
        elif c >= 128 and ch.isspace():
            non_ascii[c] = " "
    return non_ascii, bytes(ascii_punctuation)


def _non_ascii(match: re.Match[str]) -> str:
    run = match.group()
    return _short_run(run) if len(run) <= 8 else run.translate(_tables()[0])


@functools.lru_cache(maxsize=16384)
def _short_run(run: str) -> str:
    """Short non-ASCII runs (a curly quote, a dash, an accented letter) repeat from text to text:
    remembering them is faster than translating each again."""
    return run.translate(_tables()[0])


def normalised(text: str) -> bytes:
    """The text two copies share, as UTF-8: case folded, punctuation removed, whitespace
    collapsed. Equal to ``" ".join(<text casefolded, category P deleted>.split())``, computed
    so that only the non-ASCII runs go through a per-character table: faster on
    text that is mostly ASCII (``bench/results/stages.txt``)."""
    text = text.casefold()
    if not text.isascii():
        text = _NON_ASCII.sub(_non_ascii, text)
    data = text.encode("utf-8", "surrogatepass")  # lone surrogates can pass through
    return b" ".join(data.translate(_ASCII_SPACES, _tables()[1]).split())


def normalise(text: str) -> str:
    """:func:`normalised` as text."""
    return normalised(text).decode("utf-8", "surrogatepass")


def digest(text: str) -> bytes:
    return hashlib.blake2b(normalised(text), digest_size=DIGEST_BYTES).digest()


@dataclass
class ExactState:
    """Digests seen once (``single``), seen more often (``repeated``: digest -> how many), and
    for a repeated digest, the id of the document kept (``kept``, filled by ``apply``)."""

    single: set[bytes] = field(default_factory=set)
    repeated: dict[bytes, int] = field(default_factory=dict)
    kept: dict[bytes, str] = field(default_factory=dict)

    def add(self, d: bytes, n: int = 1) -> None:
        if d in self.repeated:
            self.repeated[d] += n
        elif d in self.single:
            self.single.discard(d)
            self.repeated[d] = n + 1
        elif n == 1:
            self.single.add(d)
        else:
            self.repeated[d] = n

    def merge(self, other: ExactState) -> ExactState:
        for d in other.single:
            self.add(d)
        for d, n in other.repeated.items():
            self.add(d, n)
        for d, rid in other.kept.items():
            self.kept.setdefault(d, rid)
        return self

    def count(self, d: bytes) -> int:
        return self.repeated.get(d) or (1 if d in self.single else 0)

    def __len__(self) -> int:
        """Distinct documents (digests)."""
        return len(self.single) + len(self.repeated)

    def to_bytes(self) -> bytes:
        out = [_MAGIC, struct.pack("<QQQ", len(self.single), len(self.repeated), len(self.kept))]
        out += sorted(self.single)
        out += [d + struct.pack("<Q", n) for d, n in sorted(self.repeated.items())]
        for d, rid in sorted(self.kept.items()):
            text = rid.encode("utf-8", "surrogatepass")
            out.append(d + struct.pack("<I", len(text)) + text)
        return b"".join(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> ExactState:
        if not data.startswith(_MAGIC):
            raise CleanerError("not a saved exact-dedup state (run again without --resume)")
        pos = len(_MAGIC)
        n_single, n_repeated, n_kept = struct.unpack_from("<QQQ", data, pos)
        pos += 24
        state = cls()
        for _ in range(n_single):
            state.single.add(data[pos : pos + DIGEST_BYTES])
            pos += DIGEST_BYTES
        for _ in range(n_repeated):
            d = data[pos : pos + DIGEST_BYTES]
            (state.repeated[d],) = struct.unpack_from("<Q", data, pos + DIGEST_BYTES)
            pos += DIGEST_BYTES + 8
        for _ in range(n_kept):
            d = data[pos : pos + DIGEST_BYTES]
            (size,) = struct.unpack_from("<I", data, pos + DIGEST_BYTES)
            pos += DIGEST_BYTES + 4
            state.kept[d] = data[pos : pos + size].decode("utf-8", "surrogatepass")
            pos += size
        if pos != len(data):
            raise CleanerError("a saved exact-dedup state is damaged (run again without --resume)")
        return state


_KEYED_MAGIC = b"cleaner-dedup-exact-keyed-1\n"


@dataclass
class KeyedExactState:
    """The state of a scan that knows each record's place in the input (its order key), for an
    engine that cleans in no set order (Ray): per digest, how many documents have it, and the
    order key and id of the first of them. Merging adds the counts and keeps the smaller key
    with its id, so the result is the same in any order and grouping; ``apply_keyed`` then
    needs no input order either. It costs a key and an id per distinct digest while the scans
    merge, more than :class:`ExactState`; after ``seal_keyed`` only repeated digests remain."""

    entries: dict[bytes, tuple[int, int, str]] = field(default_factory=dict)

    def add(self, d: bytes, n: int, key: int, rid: str) -> None:
        mine = self.entries.get(d)
        if mine is None:
            self.entries[d] = (n, key, rid)
        elif key < mine[1]:
            self.entries[d] = (mine[0] + n, key, rid)
        else:
            self.entries[d] = (mine[0] + n, mine[1], mine[2])

    def merge(self, other: KeyedExactState) -> KeyedExactState:
        for d, (n, key, rid) in other.entries.items():
            self.add(d, n, key, rid)
        return self

    def to_bytes(self) -> bytes:
        out = [_KEYED_MAGIC, struct.pack("<Q", len(self.entries))]
        for d, (n, key, rid) in sorted(self.entries.items()):
            text = rid.encode("utf-8", "surrogatepass")
            out.append(d + struct.pack("<QQI", n, key, len(text)) + text)
        return b"".join(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> KeyedExactState:
        if not data.startswith(_KEYED_MAGIC):
            raise CleanerError("not a saved keyed exact-dedup state")
        pos = len(_KEYED_MAGIC)
        (count,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        state = cls()
        for _ in range(count):
            d = data[pos : pos + DIGEST_BYTES]
            n, key, size = struct.unpack_from("<QQI", data, pos + DIGEST_BYTES)
            pos += DIGEST_BYTES + 20
            state.entries[d] = (n, key, data[pos : pos + size].decode("utf-8", "surrogatepass"))
            pos += size
        if pos != len(data):
            raise CleanerError("a saved keyed exact-dedup state is damaged")
        return state


def _keeper(record: dict[str, Any], n: int) -> dict[str, Any]:
    """The first document of a cluster of ``n``: it says how many copies were dropped."""
    return {**record, "meta": {**record["meta"], "duplicates": n - 1}}


def _dropped(record: dict[str, Any], keeper: str) -> Drop:
    return Drop(
        {"id": record["id"], "source": record["source"], "duplicate_of": keeper, "record": record}
    )


class ExactDedup:
    """The corpus stage behind ``--dedup exact`` (see the module docstring)."""

    name = "dedup-exact"
    drops = "duplicates"

    def __init__(self) -> None:
        _tables()  # built once here, so forked workers inherit it instead of each building it

    def empty(self) -> ExactState:
        return ExactState()

    def scan(self, records: Iterable[dict[str, Any]]) -> ExactState:
        state = ExactState()
        for record in records:
            state.add(digest(record["text"]))
        return state

    def load(self, data: bytes) -> ExactState:
        return ExactState.from_bytes(data)

    def seal(self, state: ExactState) -> ExactState:
        """Pass 2 needs the repeated digests only: a digest seen once is a document kept as is."""
        return ExactState(set(), dict(state.repeated), dict(state.kept))

    def apply(self, record: dict[str, Any], state: ExactState) -> dict[str, Any] | Drop:
        d = digest(record["text"])
        n = state.repeated.get(d)
        if n is None:
            return record
        keeper = state.kept.get(d)
        if keeper is None:  # the first of its cluster in input order
            state.kept[d] = record["id"]
            return _keeper(record, n)
        return _dropped(record, keeper)

    # -- keyed: for an engine with no input order (Ray); the same verdicts as above ----------

    def scan_keyed(self, pairs: Iterable[tuple[int, dict[str, Any]]]) -> KeyedExactState:
        """The state of (order key, record) pairs; keys are unique and follow input order."""
        state = KeyedExactState()
        for key, record in pairs:
            state.add(digest(record["text"]), 1, key, record["id"])
        return state

    def load_keyed(self, data: bytes) -> KeyedExactState:
        return KeyedExactState.from_bytes(data)

    def seal_keyed(self, state: KeyedExactState) -> KeyedExactState:
        return KeyedExactState({d: e for d, e in state.entries.items() if e[0] > 1})

    def apply_keyed(
        self, record: dict[str, Any], key: int, state: KeyedExactState
    ) -> dict[str, Any] | Drop:
        """``apply``'s verdict without input order: the keeper is the record whose key is its
        cluster's smallest, which is the first in input order."""
        entry = state.entries.get(digest(record["text"]))
        if entry is None:
            return record
        n, first, keeper = entry
        return _keeper(record, n) if key == first else _dropped(record, keeper)
