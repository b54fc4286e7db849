"""The near-dedup state on disk, and the cluster step over it in bounded memory.

Why: held in memory the state costs about 500 bytes a document (a 112-value signature, the
keeper's fields, the id), so the process that merges the scans grows with the corpus. Spilled,
the merge appends each scan to files in the run's work folder and keeps only counts:

- ``sigs.u32``: the signatures, one row of ``perms`` little-endian uint32 per document;
- ``info.bin``: per document its order key (local engine: its position in the input), text
  length, date and quality score (:data:`INFO`);
- ``ids.bin`` and ``ids.end``: the ids, UTF-8, one after another, and where each ends.

The cluster step (:func:`cluster`) then never holds the corpus:

1. Bands. The signatures are read in chunks; each valid document gives, per band, a record
   (band hash, order key, row) appended to one of ``parts`` files of its band, chosen by the
   hash, so that one file holds about ``chunk`` records and every document of a bucket is in the
   same file (a distribution sort: :func:`partitions`).
2. Candidates. Each file is sorted in memory by (hash, key) and gives the pairs of its buckets:
   each member with its bucket's first and with the one before it, exactly the pairs
   :func:`cleaner.stages.minhash.candidate_pairs` gives (keys order documents as positions do).
   They are appended to a pairs file.
3. Verification. The pairs are read back a chunk at a time; their signatures are read by row
   (``pread``: no memory map, whose pages would count as the process's) and a pair joins when
   its estimated Jaccard reaches the threshold less the margin. Only the pairs that join, and
   their documents, enter memory: union-find over them gives the clusters.
4. Keepers: per cluster, the members' ranks, the keeper's signature and id, read back by row.

What stays in memory grows with the duplicates, not the corpus: the joined pairs, the clusters
and the verdicts. The clusters are the in-memory path's, so the verdicts are the same bytes;
``tests/test_near_dedup_spill.py`` compares the two. A kill during the step loses nothing: the
step's own files are remade from the spilled state, which it only reads.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from cleaner.errors import CleanerError
from cleaner.stages.minhash import _MAX, _band_hashes, components
from cleaner.stages.spillfiles import check_sizes, counts, open_files, saved, sync_close

SPILL_MAGIC = b"cleaner-dedup-near-spill-1\n"
INFO = np.dtype([("key", "<i8"), ("length", "<i8"), ("date", "<i8"), ("quality", "<f8")])
BAND = np.dtype([("hash", "<u8"), ("key", "<i8"), ("row", "<i8")])
PAIR = np.dtype([("a", "<i8"), ("b", "<i8"), ("ra", "<i8"), ("rb", "<i8")])
# Records sorted in memory at once (a band file holds about this many): 24 bytes each.
CHUNK = 1 << 18
# Signature rows read at once while the bands are written; pairs verified at once.
READ_ROWS = 1 << 14
VERIFY = 1 << 12
_FILES = ("sigs.u32", "info.bin", "ids.bin", "ids.end")
_HEAD = struct.Struct("<QQ?Q")


class SpillState:
    """A near-dedup state whose documents are on disk in ``folder`` (see the module docstring).

    The files are started afresh by the first merge (a state built again from the saved scans
    of a resumed run rewrites them), so an unused empty state leaves them as they are: pass 2
    reads what the last complete pass 1 wrote. ``to_bytes`` flushes them to disk and gives the
    counts that say how much of them is the state."""

    def __init__(self, folder: Path, perms: int, rows: int = 0, keyed: bool = False) -> None:
        self.folder, self.perms, self.rows, self.keyed = folder, perms, rows, keyed
        self._files: dict[str, IO[bytes]] | None = None
        self._started = False  # by a merge: the files are this state's
        self._ids = 0  # bytes of ids written

    def merge(self, other: Any) -> SpillState:
        if isinstance(other, SpillState):
            raise CleanerError("two spilled near-dedup states do not merge")  # pragma: no cover
        if self._files is None:
            if not self._started:  # the first merge starts the files afresh
                self.rows, self._ids = 0, 0
                self.keyed = other.keys is not None
            self._files = open_files(self.folder, _FILES, self._started)
            self._started = True
        sigs, lengths, dates, quality, keys = other.arrays()
        n = len(other)
        if not n:
            return self
        info = np.empty(n, dtype=INFO)
        info["key"] = keys if other.keys is not None else np.arange(self.rows, self.rows + n)
        info["length"], info["date"], info["quality"] = lengths, dates, quality
        names = [i.encode("utf-8", "surrogatepass") for i in other.ids]
        ends = self._ids + np.cumsum([len(x) for x in names], dtype=np.int64)
        files = self._files
        files["sigs.u32"].write(np.ascontiguousarray(sigs, dtype="<u4").tobytes())
        files["info.bin"].write(info.tobytes())
        files["ids.bin"].write(b"".join(names))
        files["ids.end"].write(ends.astype("<i8").tobytes())
        self.rows += n
        self._ids = int(ends[-1])
        return self

    def __len__(self) -> int:
        return self.rows

    def to_bytes(self) -> bytes:
        """The counts, once the files are on disk (and closed: a later merge appends)."""
        if self._files is not None:
            sync_close(self._files.values())
            self._files = None
        return saved(SPILL_MAGIC, _HEAD, self.rows, self.perms, self.keyed, self._ids)

    @classmethod
    def from_bytes(cls, data: bytes, folder: Path | None) -> SpillState:
        rows, perms, keyed, ids = counts(data, SPILL_MAGIC, _HEAD, folder, "near-dedup")
        assert folder is not None  # counts() says so
        state = cls(folder, perms, rows, keyed)
        state._ids, state._started = ids, True
        want = {"sigs.u32": rows * perms * 4, "info.bin": rows * INFO.itemsize}
        want |= {"ids.bin": ids, "ids.end": rows * 8}
        check_sizes(folder, want)
        return state

    def close(self) -> None:
        if self._files is not None:
            for fh in self._files.values():
                fh.close()
            self._files = None

    def __del__(self) -> None:
        self.close()


def partitions(rows: int, chunk: int) -> int:
    """Files per band: enough that each holds about ``chunk`` records."""
    return max(1, -(-rows // max(1, chunk)))


def _signature_chunks(state: SpillState) -> Iterator[tuple[int, npt.NDArray[np.uint32]]]:
    with (state.folder / "sigs.u32").open("rb") as fh:
        for lo in range(0, state.rows, READ_ROWS):
            count = min(READ_ROWS, state.rows - lo)
            data = fh.read(count * state.perms * 4)
            yield lo, np.frombuffer(data, dtype="<u4").reshape(count, state.perms)


def _read(path: Path, dtype: Any, rows: npt.NDArray[np.int64], width: int = 1) -> Any:
    """The records at ``rows`` of a file of fixed-width records, read one by one (a memory map
    would do it faster, but the kernel maps the cached pages around each one touched, and for
    rows scattered over the file that is soon the whole file in the process's memory)."""
    dt = np.dtype(dtype)
    size = dt.itemsize * width
    wanted, where = np.unique(rows, return_inverse=True)
    buf = bytearray(len(wanted) * size)
    fd = os.open(path, os.O_RDONLY)
    try:
        for i, row in enumerate(wanted.tolist()):
            buf[i * size : (i + 1) * size] = os.pread(fd, size, row * size)
    finally:
        os.close(fd)
    out = np.frombuffer(bytes(buf), dtype=dt)
    if width > 1:
        out = out.reshape(len(wanted), width)
    return out[where.reshape(-1)]


def _write_bands(
    state: SpillState, work: Path, bands: int, rows: int, parts: int
) -> dict[tuple[int, int], Path]:
    """Step 1: each valid document's band records, in ``parts`` files per band."""
    names = {(b, p): work / f"band-{b:03d}-{p:05d}.bin" for b in range(bands) for p in range(parts)}
    files = {k: v.open("wb") for k, v in names.items()}
    try:
        info_fh = (state.folder / "info.bin").open("rb")
        with info_fh:
            for lo, sigs in _signature_chunks(state):
                info = np.frombuffer(info_fh.read(len(sigs) * INFO.itemsize), dtype=INFO)
                valid = ~(sigs == _MAX).all(axis=1)
                keys = info["key"][valid]
                at = np.arange(lo, lo + len(sigs), dtype=np.int64)[valid]
                for b in range(bands):
                    rec = np.empty(len(keys), dtype=BAND)
                    rec["hash"] = _band_hashes(sigs[valid, b * rows : (b + 1) * rows])
                    rec["key"], rec["row"] = keys, at
                    if parts == 1:
                        files[b, 0].write(rec.tobytes())
                        continue
                    part = (rec["hash"] % np.uint64(parts)).astype(np.int64)
                    rec = rec[np.argsort(part, kind="stable")]
                    ends = np.cumsum(np.bincount(part, minlength=parts))
                    for p in range(parts):
                        files[b, p].write(rec[(ends[p - 1] if p else 0) : ends[p]].tobytes())
    finally:
        for fh in files.values():
            fh.close()
    return names


def _pairs_of(rec: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Step 2 on one band file: candidate_pairs' pairs, as (key, key, row, row)."""
    rec = rec[np.lexsort((rec["key"], rec["hash"]))]
    h, k, r = rec["hash"], rec["key"], rec["row"]
    same = np.concatenate([[False], h[1:] == h[:-1]])
    first = np.maximum.accumulate(np.where(same, 0, np.arange(len(h))))
    i = np.nonzero(same)[0]
    out = np.empty(2 * len(i), dtype=PAIR)
    for half, j in ((slice(0, len(i)), first[i]), (slice(len(i), None), i - 1)):
        out["a"][half], out["b"][half] = k[j], k[i]
        out["ra"][half], out["rb"][half] = r[j], r[i]
    return out


def cluster(
    state: SpillState,
    bands: int,
    rows: int,
    accept: float,
    keeper: Callable[[npt.NDArray[Any]], int],
    chunk: int = 0,
    fault: Callable[[str], None] = lambda where: None,
) -> tuple[dict[int, tuple[str, float]], dict[int, int]]:
    """The verdicts of a spilled state: dropped (key -> kept id, estimated Jaccard) and kept
    (key -> cluster size). ``keeper`` picks a cluster's keeper from its members' ``INFO``
    records (sorted by key): the index of the one kept."""
    dropped: dict[int, tuple[str, float]] = {}
    kept: dict[int, int] = {}
    state.close()  # what was merged is read back from the files
    if not state.rows:
        return dropped, kept
    work = state.folder / "cluster"
    shutil.rmtree(work, ignore_errors=True)  # a killed step's files: remade from the state
    work.mkdir()
    try:
        parts = partitions(state.rows, chunk or CHUNK)
        names = _write_bands(state, work, bands, rows, parts)
        fault("cluster-bands")
        pairs_path = work / "pairs.bin"
        with pairs_path.open("wb") as fh:
            for (band, _), path in sorted(names.items()):
                fh.write(_pairs_of(np.fromfile(path, dtype=BAND)).tobytes())
                path.unlink()
                fault(f"cluster-band-{band}")
        joined, row_of = _verify(state, pairs_path, accept)
        fault("cluster-verify")
        a, b = joined
        sigs_path, info_path = state.folder / "sigs.u32", state.folder / "info.bin"
        for members in components(0, a, b).values():
            at = np.array([row_of[m] for m in members], dtype=np.int64)
            best = keeper(_read(info_path, INFO, at))
            sig = _read(sigs_path, "<u4", at, state.perms)
            others = [i for i in range(len(members)) if i != best]
            jac = (sig[others] == sig[[best] * len(others)]).mean(axis=1)
            keeper_id = _id(state.folder, int(at[best]))
            kept[members[best]] = len(members)
            for i, j in zip(others, jac.tolist(), strict=True):
                dropped[members[i]] = (keeper_id, round(j, 4))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dropped, kept


def _verify(
    state: SpillState, pairs_path: Path, accept: float
) -> tuple[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]], dict[int, int]]:
    """Step 3: the pairs whose estimated Jaccard reaches ``accept``, and their rows by key."""
    sigs_path = state.folder / "sigs.u32"
    found_a: list[npt.NDArray[np.int64]] = []
    found_b: list[npt.NDArray[np.int64]] = []
    row_of: dict[int, int] = {}
    with pairs_path.open("rb") as fh:
        while data := fh.read(VERIFY * PAIR.itemsize):
            p = np.unique(np.frombuffer(data, dtype=PAIR))  # a pair seen in several bands
            sa = _read(sigs_path, "<u4", p["ra"], state.perms)
            sb = _read(sigs_path, "<u4", p["rb"], state.perms)
            near = (sa == sb).mean(axis=1) >= accept - 1e-12
            p = p[near]
            found_a.append(p["a"].astype(np.int64))
            found_b.append(p["b"].astype(np.int64))
            row_of.update(zip(p["a"].tolist(), p["ra"].tolist(), strict=True))
            row_of.update(zip(p["b"].tolist(), p["rb"].tolist(), strict=True))
    if not found_a:
        return (np.empty(0, np.int64), np.empty(0, np.int64)), row_of
    return (np.concatenate(found_a), np.concatenate(found_b)), row_of


def _id(folder: Path, row: int) -> str:
    ends = _read(folder / "ids.end", "<i8", np.array([row - 1, row] if row else [row]))
    start, end = (0, int(ends[0])) if not row else (int(ends[0]), int(ends[1]))
    with (folder / "ids.bin").open("rb") as fh:
        fh.seek(start)
        return fh.read(end - start).decode("utf-8", "surrogatepass")
