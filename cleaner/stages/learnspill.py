"""The learn-chrome state on disk: each site's sample gathered in bounded memory.

Why: held in memory, the merged scans keep up to ``learn_sample`` texts for every site, so the
process that merges them grows with the number of sites. Spilled, a merge appends each scan's
sites to ``samples.jsonl`` in the run's work folder (one line per scan and site: the site, a
tab, its document count and its sampled ``[digest, text]`` pairs) and keeps only two counts.

At seal (:meth:`LearnSpill.sites`) the lines are dealt into partition files by a hash of the
site, so every line of a site is in one file and a file holds about :data:`CHUNK_BYTES` of
lines; each file is then read alone, its sites' samples merged (bottom-k, as in memory) and
handed out one site at a time. What is in memory at once is one partition's sites, each at most
``learn_sample`` texts: bounded by the partition's size, whatever the number of sites. The
samples are the in-memory merge's (the same smallest digests), so what is learned is the same;
``tests/test_learn_chrome_spill.py`` compares the two.

The disk holds the scans' samples once more beside pass 1's output (at most the corpus's text).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from cleaner.errors import CleanerError
from cleaner.stages.spillfiles import check_sizes, counts, open_files, saved, sync_close

SPILL_MAGIC = b"cleaner-learn-chrome-spill-1\n"
CHUNK_BYTES = 32 << 20  # lines of one partition file, read into memory at once
_HEAD = struct.Struct("<QQ")
_SAMPLES = "samples.jsonl"


@dataclass
class Site:
    """One site's document count and its bottom-k sample: digest -> text."""

    n: int = 0
    docs: dict[str, str] = field(default_factory=dict)

    def merge(self, other: Site, sample: int) -> None:
        self.n += other.n
        self.docs.update(other.docs)
        if len(self.docs) > sample:
            self.docs = {k: self.docs[k] for k in sorted(self.docs)[:sample]}


class Scan(Protocol):
    """A scan's state (:class:`cleaner.stages.learn.LearnState`): its sites' samples."""

    sites: dict[str, Site]


class LearnSpill:
    """A merged learn-chrome state whose samples are in ``folder`` (see the module docstring).

    As :class:`cleaner.stages.spill.SpillState` does, the first merge starts the file afresh (a
    state built again from a resumed run's saved scans rewrites it); ``to_bytes`` flushes it
    and gives the counts that say how much of it is the state."""

    def __init__(self, folder: Path, sample: int, lines: int = 0, size: int = 0) -> None:
        self.folder, self.sample, self.lines, self.size = folder, sample, lines, size
        self._file: IO[bytes] | None = None
        self._started = False

    def merge(self, other: Scan) -> LearnSpill:
        if self._file is None:
            if not self._started:
                self.lines, self.size = 0, 0
            self._file = open_files(self.folder, (_SAMPLES,), self._started)[_SAMPLES]
            self._started = True
        for name, site in sorted(other.sites.items()):
            # The site first, then a tab (never inside ASCII JSON): dealing a line into its
            # partition reads the site without parsing the texts.
            head = json.dumps(name).encode("ascii")
            docs = json.dumps([site.n, sorted(site.docs.items())], separators=(",", ":"))
            line = head + b"\t" + docs.encode("ascii") + b"\n"
            self._file.write(line)
            self.lines += 1
            self.size += len(line)
        return self

    def to_bytes(self) -> bytes:
        if self._file is not None:
            sync_close((self._file,))
            self._file = None
        return saved(SPILL_MAGIC, _HEAD, self.lines, self.size)

    @classmethod
    def from_bytes(cls, data: bytes, folder: Path | None, sample: int) -> LearnSpill:
        lines, size = counts(data, SPILL_MAGIC, _HEAD, folder, "learn-chrome")
        assert folder is not None  # counts() says so
        state = cls(folder, sample, lines, size)
        state._started = True
        check_sizes(folder, {_SAMPLES: size})
        return state

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __del__(self) -> None:
        self.close()

    def sites(self) -> Iterator[tuple[str, Site]]:
        """Each site with its merged count and sample, a partition at a time (the order of the
        sites is not the order of their names: what each learns depends on no other)."""
        self.close()
        parts = max(1, -(-self.size // CHUNK_BYTES))
        if parts == 1:
            yield from _merged(self.folder / _SAMPLES, self.size, self.sample)
            return
        work = self.folder / "parts"
        shutil.rmtree(work, ignore_errors=True)  # an earlier seal's, stopped before its end
        work.mkdir()
        try:
            names = [work / f"part-{p:05d}.jsonl" for p in range(parts)]
            files = [path.open("wb") for path in names]
            try:
                for line in _lines(self.folder / _SAMPLES, self.size):
                    site = line[: line.find(b"\t")]
                    digest = hashlib.blake2b(site, digest_size=8).digest()
                    files[int.from_bytes(digest, "little") % parts].write(line)
            finally:
                for fh in files:
                    fh.close()
            for path in names:
                yield from _merged(path, path.stat().st_size, self.sample)
                path.unlink()
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _lines(path: Path, size: int) -> Iterator[bytes]:
    """The first ``size`` bytes of a file of lines (what a saved state counts), line by line."""
    with path.open("rb") as fh:
        left = size
        for line in fh:
            if left <= 0:
                break
            left -= len(line)
            yield line


def _merged(path: Path, size: int, sample: int) -> Iterator[tuple[str, Site]]:
    sites: dict[str, Site] = {}
    for line in _lines(path, size):
        try:
            head, _, rest = line.partition(b"\t")
            name = json.loads(head)
            n, docs = json.loads(rest)
            one = Site(int(n), {str(k): str(t) for k, t in docs})
        except (ValueError, TypeError) as exc:
            raise CleanerError(f"{path}: a damaged learn-chrome sample (run again)") from exc
        sites.setdefault(str(name), Site()).merge(one, sample)
    while sites:
        yield sites.popitem()
