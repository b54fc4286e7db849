"""MinHash signatures and the LSH cluster step of ``--dedup near`` (pure functions on arrays).

Shingles. The text is normalised as exact dedup does (case folded, punctuation removed,
whitespace collapsed), then cut into tokens: a word, or one Chinese or Japanese character (those
scripts put no spaces between words). A shingle is ``SHINGLE`` consecutive tokens: word 5-grams,
as datatrove and text-dedup use, and character 5-grams in Chinese and Japanese, where a word is
one to two characters, so five characters span about as many words as text-dedup's and
Data-Juicer's character n-grams for those languages. A text shorter than a shingle is one
shingle of all its tokens; a text with no token has no signature and is never a duplicate.

Hashing. Each token is hashed once (a 64-bit polynomial hash, computed on whole arrays, see
:func:`token_hashes`); a shingle's hash is a mix of its tokens' hashes; each of the ``bands * rows`` hash functions is a
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
_CJK_CHAR = re.compile(f"([{_CJK}])")


def words(text: str) -> bytes:
    """The normalised text with one space between tokens: its words, and its Chinese and
    Japanese characters one by one."""
    if text.isascii() or not _HAS_CJK.search(text):
        return normalised(text)
    spaced = _CJK_CHAR.sub(r" \1 ", normalise(text))
    return " ".join(spaced.split()).encode("utf-8", "surrogatepass")


def tokens(text: str) -> list[bytes]:
    return words(text).split()


# Token hashes without a Python call per token: a polynomial hash of each token's bytes,
# sum(byte[k] * P^(end-1-k)), is P^(end-1) * (C[end] - C[start]) with C the running sum of
# byte[k] * P^-k (P is odd, so it has an inverse modulo 2^64), computed on whole arrays.
_P = 0x100000001B3
_POWERS: list[npt.NDArray[np.uint64]] = [np.ones(1, _U64), np.ones(1, _U64)]


def _powers(n: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """P^k and P^-k for k < n (uint64 arithmetic wraps: modulo 2^64)."""
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]), 1 << 16)
        for i, base in enumerate((_P, pow(_P, -1, 1 << 64))):
            powers = np.full(size, base, dtype=_U64)
            powers[0] = 1
            _POWERS[i] = np.cumprod(powers, dtype=_U64)
    return _POWERS[0], _POWERS[1]


def _mixed(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """murmur3's finaliser, in place: the hash functions then see no linear mix of bytes."""
    h ^= h >> _U64(33)
    h *= _MIX[4]
    h ^= h >> _U64(33)
    return h


def token_hashes(data: bytes) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per token of ``data`` (tokens separated by one space)."""
    if not data:
        return np.empty(0, dtype=_U64)
    b = np.frombuffer(data, dtype=np.uint8)
    n = len(b)
    up, down = _powers(n + 1)
    running = np.zeros(n + 1, dtype=_U64)
    np.cumsum(b.astype(_U64) * down[:n], out=running[1:])
    spaces = np.flatnonzero(b == 32)
    starts = np.concatenate([[0], spaces + 1])
    ends = np.concatenate([spaces, [n]])
    h = up[ends - 1] * (running[ends] - running[starts])
    h += (ends - starts).astype(_U64) * _MIX[3]
    return _mixed(h)


def _shingles(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The hash of each run of SHINGLE consecutive token hashes (a single one when fewer)."""
    n = len(h)
    if n <= SHINGLE:
        return _mixed(np.array([(h * _MIX[:n]).sum(dtype=_U64)], dtype=_U64))
    m = n - SHINGLE + 1
    s = h[:m] * _MIX[0]
    for j in range(1, SHINGLE):
        s += h[j : j + m] * _MIX[j]
    return _mixed(s)


def shingle_hashes(text: str) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per shingle of the text (empty: no token)."""
    h = token_hashes(words(text))
    return _shingles(h) if len(h) else h


# Shingles hashed at once: the (shingles x hash functions) array stays a few MB, in cache.
_CHUNK = 1 << 12
# Bytes of normalised text whose tokens are hashed in one go.
_BYTES = 1 << 20


def _batch_shingles(texts: list[bytes]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The shingle hashes of non-empty normalised texts, one after the other, and how many
    each has: their tokens hashed in one array (a shingle may not cross two texts)."""
    counts = np.array([t.count(b" ") + 1 for t in texts], dtype=np.int64)
    th = token_hashes(b" ".join(texts))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    windows = np.maximum(counts - SHINGLE + 1, 1)
    if (counts < SHINGLE).any():  # a short text's one shingle is not a window: text by text
        parts = [_shingles(th[f : f + c]) for f, c in zip(first, counts, strict=True)]
        return np.concatenate(parts), windows
    s = _shingles(th)  # every window of the batch, then the ones inside one text
    end = np.repeat(first + counts, counts)[: len(s)]
    return s[np.arange(len(s)) + SHINGLE <= end], windows


def _min_into(
    out: npt.NDArray[np.uint32],
    rows: npt.NDArray[np.int64],
    allh: npt.NDArray[np.uint64],
    lengths: npt.NDArray[np.int64],
    a: npt.NDArray[np.uint64],
    b: npt.NDArray[np.uint64],
) -> None:
    """Each row's signature: the minimum of every hash function over its shingles."""
    starts_all = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for lo in range(0, len(allh), _CHUNK):  # one document may span several chunks
        part = allh[lo : lo + _CHUNK]
        values = part[:, None] * a
        values += b
        starts = starts_all - lo
        inside = (starts + lengths > 0) & (starts < len(part))
        st = np.clip(starts[inside], 0, None)
        # reduceat reduces each start to the next: with the documents contiguous, row k
        # covers [st[k], st[k+1]) clipped to the chunk.
        mins = np.minimum.reduceat(values, st, axis=0)
        idx = rows[inside]
        # The shift keeps order, so the minimum is taken before it, on fewer values.
        out[idx] = np.minimum(out[idx], (mins >> _U64(32)).astype(np.uint32))


def signatures(texts: list[str], count: int) -> npt.NDArray[np.uint32]:
    """The MinHash signatures of the texts, one row each (all 0xFFFFFFFF: no token)."""
    a, b = hash_functions(count)
    out = np.full((len(texts), count), _MAX, dtype=np.uint32)
    normal = [words(t) for t in texts]
    group: list[int] = []
    size = 0
    for i in [i for i, t in enumerate(normal) if t] + [-1]:
        if group and (i < 0 or size + len(normal[i]) > _BYTES):
            allh, lengths = _batch_shingles([normal[g] for g in group])
            _min_into(out, np.array(group, dtype=np.int64), allh, lengths, a, b)
            group, size = [], 0
        if i >= 0:
            group.append(i)
            size += len(normal[i]) + 1
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
