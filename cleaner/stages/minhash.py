"""MinHash signatures and the LSH cluster step of ``--dedup near`` (pure functions on arrays).

Shingles. The text is normalised as exact dedup does (case folded, punctuation removed,
whitespace collapsed), then cut into tokens: a word, or one Chinese or Japanese character (those
scripts put no spaces between words). A shingle is ``SHINGLE`` consecutive tokens: word 5-grams,
as datatrove and text-dedup use, and character 5-grams in Chinese and Japanese, where a word is
one to two characters, so five characters span about as many words as text-dedup's and
Data-Juicer's character n-grams for those languages. A text shorter than a shingle is one
shingle of all its tokens; a text with no token has no signature and is never a duplicate.

Hashing. Each token is hashed once (xxh3, 64 bits); a shingle's hash is a mix of its tokens'
hashes computed on whole arrays; each of the ``bands * rows`` hash functions is a
multiply-shift ``(a * h + b) >> 32`` with fixed odd ``a`` (no seed from the run, so signatures
are the same bytes on every machine), and a signature is the minimum of each over the shingles.
A document's estimated Jaccard with another is the share of equal signature values.

Clusters. LSH: two documents are candidates when all ``rows`` values of one band are equal.
Every candidate pair is checked against the threshold with its estimated Jaccard before it
joins two documents, so a bucket collision below the threshold drops nothing; the pairs kept
are joined by union-find, whose components do not depend on the order of the pairs.
"""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt
import xxhash

from cleaner.stages.dedup import normalise, normalised

SHINGLE = 5
_U64 = np.uint64
_MAX = np.uint32(0xFFFFFFFF)
# Hiragana, katakana, CJK ideographs (and their extensions and compatibility forms).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")
# Odd 64-bit constants for the shingle mix: fixed so signatures never depend on the run.
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD],
    dtype=_U64,
)  # fmt: skip
_SEED = 0x5EED_0F_C1EA_0E7  # the hash functions' parameters are drawn from this, once


def hash_functions(count: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The multipliers (odd) and increments of the first ``count`` hash functions."""
    rng = np.random.Generator(np.random.PCG64(_SEED))
    a = rng.integers(0, 2**64 - 1, size=256, dtype=_U64, endpoint=True) | _U64(1)
    b = rng.integers(0, 2**64 - 1, size=256, dtype=_U64, endpoint=True)
    return a[:count].copy(), b[:count].copy()


_HAS_CJK = re.compile(f"[{_CJK}]")


def tokens(text: str) -> list[bytes]:
    """The normalised text's words, and its Chinese and Japanese characters one by one."""
    if text.isascii() or not _HAS_CJK.search(text):
        return normalised(text).split()
    return [t.encode("utf-8", "surrogatepass") for t in _TOKEN.findall(normalise(text))]


def shingle_hashes(text: str) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per shingle of the text (empty: no token)."""
    words = tokens(text)
    if not words:
        return np.empty(0, dtype=_U64)
    h = np.fromiter((xxhash.xxh3_64_intdigest(w) for w in words), dtype=_U64, count=len(words))
    n = len(h)
    if n <= SHINGLE:
        h = np.array([(h * _MIX[:n]).sum(dtype=_U64)], dtype=_U64)
    else:
        m = n - SHINGLE + 1
        s = h[:m] * _MIX[0]
        for j in range(1, SHINGLE):
            s += h[j : j + m] * _MIX[j]
        h = s
    # A finaliser (murmur3's), so the hash functions below do not see a linear mix of tokens.
    h ^= h >> _U64(33)
    h *= _MIX[4]
    h ^= h >> _U64(33)
    return h


# Shingles hashed at once: bounds the (shingles x hash functions) array to a few tens of MB.
_CHUNK = 1 << 16


def signatures(texts: list[str], count: int) -> npt.NDArray[np.uint32]:
    """The MinHash signatures of the texts, one row each (all 0xFFFFFFFF: no token)."""
    a, b = hash_functions(count)
    out = np.full((len(texts), count), _MAX, dtype=np.uint32)
    pending: list[tuple[int, npt.NDArray[np.uint64]]] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if not pending:
            return
        rows = np.array([i for i, _ in pending])
        lengths = np.array([len(h) for _, h in pending])
        allh = np.concatenate([h for _, h in pending])
        for lo in range(0, len(allh), _CHUNK):  # one document may span several chunks
            part = allh[lo : lo + _CHUNK]
            values = ((part[:, None] * a + b) >> _U64(32)).astype(np.uint32)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) - lo
            ends = starts + lengths
            inside = (ends > 0) & (starts < len(part))
            st = np.clip(starts[inside], 0, None)
            mins = np.minimum.reduceat(values, st, axis=0)
            # reduceat reduces each start to the next one; with every start inside and the
            # documents contiguous, row k covers [st[k], st[k+1]) clipped to the chunk.
            idx = rows[inside]
            out[idx] = np.minimum(out[idx], mins)
        pending.clear()
        size = 0

    for i, text in enumerate(texts):
        h = shingle_hashes(text)
        if len(h):
            pending.append((i, h))
            size += len(h)
            if size >= _CHUNK:
                flush()
    flush()
    return out


def bands_rows(threshold: float, perms: int = 112) -> tuple[int, int]:
    """Bands and rows for a threshold: datatrove's 14 x 8 at 0.8; otherwise the split of at most
    ``perms`` hash functions that minimises the sum of the false-positive and false-negative
    areas under the LSH S-curve (text-dedup's and datasketch's rule)."""
    if abs(threshold - 0.8) < 1e-9 and perms == 112:
        return 14, 8
    xs = np.linspace(0, 1, 201)
    best: tuple[float, int, int] = (math.inf, 0, 0)
    for r in range(1, perms + 1):
        for bands in range(1, perms // r + 1):
            p = 1 - (1 - xs**r) ** bands
            fp = np.trapezoid(np.where(xs < threshold, p, 0), xs)
            fn = np.trapezoid(np.where(xs >= threshold, 1 - p, 0), xs)
            best = min(best, (float(fp + fn), bands, r))
    return best[1], best[2]


def _band_hashes(band: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    h = np.zeros(len(band), dtype=_U64)
    for j in range(band.shape[1]):
        h = (h ^ band[:, j].astype(_U64)) * _MIX[j % 4]
    return h


def estimated_jaccard(
    sigs: npt.NDArray[np.uint32], a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """The share of equal signature values of each pair ``(a[i], b[i])``."""
    out = np.empty(len(a), dtype=np.float64)
    step = max(1, (1 << 22) // max(1, sigs.shape[1]))
    for lo in range(0, len(a), step):
        out[lo : lo + step] = (sigs[a[lo : lo + step]] == sigs[b[lo : lo + step]]).mean(axis=1)
    return out


def candidate_pairs(
    sigs: npt.NDArray[np.uint32], bands: int, rows: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pairs (i < j) of documents that share a band bucket: per bucket, each member with the
    bucket's first and with the one before it (sorted by position), as datatrove links each to
    the first; the extra neighbour keeps a chain whose first member is far from the rest."""
    n = len(sigs)
    pos = np.arange(n, dtype=np.int64)
    valid = ~(sigs == _MAX).all(axis=1)
    pairs: list[npt.NDArray[np.int64]] = []
    for band in range(bands):
        h = _band_hashes(sigs[valid, band * rows : (band + 1) * rows])
        p = pos[valid]
        order = np.lexsort((p, h))
        h, p = h[order], p[order]
        same = np.concatenate([[False], h[1:] == h[:-1]])
        first = np.maximum.accumulate(np.where(same, 0, np.arange(len(h))))
        i = np.nonzero(same)[0]
        pairs.append(p[first[i]] * n + p[i])
        pairs.append(p[i - 1] * n + p[i])
    if not pairs:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    flat = np.unique(np.concatenate(pairs))
    return flat // max(n, 1), flat % max(n, 1)


def components(n: int, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> dict[int, list[int]]:
    """The clusters of more than one document that the pairs join: root -> members, sorted.
    Union-find, with the smaller position as the root, so the result is the same for any order
    of the pairs."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    clusters: dict[int, list[int]] = {}
    for x in sorted(parent):
        clusters.setdefault(find(x), []).append(x)
    for root, members in clusters.items():
        if root not in members:
            members.insert(0, root)
    return clusters
