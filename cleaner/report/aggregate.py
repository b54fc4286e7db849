"""What ``--report`` collects while a run cleans: fixed-bucket histograms, per-site counters and
bounded samples, merged the way :class:`cleaner.batch.Tally` merges.

Every part is bounded and merges the same whatever the order: histograms have fixed buckets;
sites beyond :data:`SITE_CAP` go to one ``(other)`` bucket, chosen by the smallest hash of the
site's name (a site kept in the union is kept in every part that saw it, so the buckets add up
the same in any order); samples are the :data:`SAMPLES` with the smallest hash of the article's
id. So ``-j 1``, ``-j 8``, Ray and a resumed run give the same aggregates, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Characters per document: bucket i holds lengths in [LENGTH_EDGES[i], LENGTH_EDGES[i + 1]).
LENGTH_EDGES = (0, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1_000_000)
SHARE_BUCKETS = 20  # share of characters removed per document, in 5% steps
SITE_CAP = 1000  # sites counted one by one; the rest are "(other)"
SAMPLES = 3  # per rule, per reject reason
DUP_SAMPLES = 10
CLUSTERS = 10  # the largest duplicate clusters shown
WINDOW_LINES = 4  # lines of a rule's before/after window
WINDOW_CHARS = 200  # characters of each line of it
OTHER_SITE = "(other)"
NO_SITE = "(no site)"
SITE_COUNTERS = (
    "documents",
    "written",
    "rejected",
    "duplicates",
    "chars_in",
    "chars_out",
    "dates",
    "titles",
)


def id_hash(key: str) -> int:
    """A stable 56-bit hash (Python's own ``hash`` changes per process; 56 bits stay exact in
    every JSON reader, a browser's included)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=7).digest())


def length_bucket(n: int) -> int:
    for i in range(len(LENGTH_EDGES) - 1, -1, -1):
        if n >= LENGTH_EDGES[i]:
            return i
    return 0


def share_bucket(chars_in: int, chars_out: int) -> int:
    if chars_in <= 0:
        return 0
    share = max(0.0, min(1.0, (chars_in - chars_out) / chars_in))
    return min(int(share * SHARE_BUCKETS), SHARE_BUCKETS - 1)


def site_of(site: str | None, url: str | None) -> str:
    """The record's site, else the URL's host (a reject has no site), else ``(no site)``."""
    if site:
        return site
    if url:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        host = host.removeprefix("www.")
        if host:
            return host
    return NO_SITE


def quality_key(value: float) -> str:
    """Signals are bucketed to two decimals (within [-1, 1]) or two significant digits: a
    bounded number of keys whatever the corpus size."""
    return f"{value:.2f}" if -1.0 <= value <= 1.0 else f"{float(f'{value:.2g}'):g}"


def _order(sample: list[Any]) -> tuple[int, str, str]:
    # The hash, then the id, then the rest: two inputs may hold the same id, and ties must
    # break the same way in every merge order.
    return sample[0], sample[1], json.dumps(sample[2:], sort_keys=True)


def _smallest(samples: list[list[Any]], n: int) -> list[list[Any]]:
    return sorted(samples, key=_order)[:n]


@dataclass
class RunAggregate:
    """The report's aggregates for a part of a run; ``merge`` adds another part."""

    length_before: list[int] = field(default_factory=lambda: [0] * len(LENGTH_EDGES))
    length_after: list[int] = field(default_factory=lambda: [0] * len(LENGTH_EDGES))
    share_removed: list[int] = field(default_factory=lambda: [0] * SHARE_BUCKETS)
    years: Counter[str] = field(default_factory=Counter)
    rule_hits: Counter[str] = field(default_factory=Counter)
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_samples: dict[str, list[list[Any]]] = field(default_factory=dict)
    reject_samples: dict[str, list[list[Any]]] = field(default_factory=dict)
    duplicate_samples: list[list[Any]] = field(default_factory=list)
    quality: dict[str, Counter[str]] = field(default_factory=dict)
    # Duplicate clusters (--dedup): how many clusters of each size, and the largest ones as
    # [-size, id, site]; the smallest such lists merge to the same result in any order.
    filtered: int = 0  # rejects of the quality filters alone (--quality)
    cluster_sizes: Counter[str] = field(default_factory=Counter)
    largest_clusters: list[list[Any]] = field(default_factory=list)

    # -- counting one article --------------------------------------------------------------

    def _site(self, name: str) -> dict[str, Any]:
        site = self.sites.get(name)
        if site is None:
            site = dict.fromkeys(SITE_COUNTERS, 0)
            site["langs"] = Counter()
            site["reasons"] = Counter()
            self.sites[name] = site
        return site

    def add_record(
        self,
        record_id: str,
        site: str,
        chars_in: int,
        record: Any,
        edits: list[tuple[str, int]],
    ) -> None:
        """A written record (``record``: a :class:`cleaner.record.Record`) and its edits as
        (rule, hits)."""
        s = self._site(site)
        s["documents"] += 1
        s["written"] += 1
        s["chars_in"] += chars_in
        s["chars_out"] += record.n_chars
        s["langs"][record.lang or "unknown"] += 1
        if record.date_published:
            s["dates"] += 1
            self.years[record.date_published[:4]] += 1
        if record.title:
            s["titles"] += 1
        self.length_before[length_bucket(chars_in)] += 1
        self.length_after[length_bucket(record.n_chars)] += 1
        self.share_removed[share_bucket(chars_in, record.n_chars)] += 1
        for rule, hits in edits:
            self.rule_hits[rule] += hits
        quality = getattr(record, "quality", None)  # present once the quality stage runs
        if isinstance(quality, dict):  # {filter id: {signal: value}}: one chart per pair
            for name, signals in quality.items():
                pairs = signals.items() if isinstance(signals, dict) else [("", signals)]
                for signal, value in pairs:
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        key = f"{name}.{signal}" if signal else name
                        self.quality.setdefault(key, Counter())[quality_key(float(value))] += 1

    def add_reject(
        self,
        record_id: str,
        site: str,
        chars_in: int,
        reasons: list[tuple[str, str]],
        edits: list[tuple[str, int]],
        source: str,
    ) -> None:
        s = self._site(site)  # its chars_in and chars_out count cleaned documents only
        s["documents"] += 1
        s["rejected"] += 1
        self.length_before[length_bucket(chars_in)] += 1
        for rule, hits in edits:
            self.rule_hits[rule] += hits
        h = id_hash(record_id)
        for code, message in reasons:
            s["reasons"][code] += 1
            sample = [h, record_id, source, message[:WINDOW_CHARS]]
            held = self.reject_samples.setdefault(code, [])
            held.append(sample)
            if len(held) > SAMPLES:
                self.reject_samples[code] = _smallest(held, SAMPLES)

    def add_rule_sample(
        self, rule: str, record_id: str, site: str, window: list[list[str]]
    ) -> None:
        held = self.rule_samples.setdefault(rule, [])
        held.append([id_hash(record_id), record_id, site, window])
        self.rule_samples[rule] = _smallest(held, SAMPLES)

    def wants_sample(self, rule: str, record_id: str) -> bool:
        """Whether an article would enter the rule's samples (so its window is worth making)."""
        held = self.rule_samples.get(rule, [])
        if len(held) < SAMPLES:
            return True
        worst = max((s[0], s[1]) for s in held)
        return (id_hash(record_id), record_id) <= worst  # an equal one: the window decides

    def drop(self, record: dict[str, Any], duplicate_of: str | None) -> None:
        """A written record a corpus stage dropped (``--dedup``): it stays in the histograms
        (they describe the cleaned documents), and counts as a duplicate of its site."""
        name = site_of(record.get("site"), record.get("url"))
        s = self._site(name)
        s["written"] -= 1
        s["duplicates"] += 1
        rid = str(record.get("id"))
        self.duplicate_samples.append([id_hash(rid), rid, duplicate_of, name])
        self.duplicate_samples = _smallest(self.duplicate_samples, DUP_SAMPLES)

    def cluster(self, record: dict[str, Any]) -> None:
        """A kept record that a dedup stage marked as its cluster's keeper (``meta.duplicates``:
        how many copies of it were dropped)."""
        size = 1 + int((record.get("meta") or {}).get("duplicates", 0))
        self.cluster_sizes[str(size)] += 1
        name = site_of(record.get("site"), record.get("url"))
        self.largest_clusters.append([-size, str(record.get("id")), name])
        self.largest_clusters = sorted(self.largest_clusters)[:CLUSTERS]

    # -- merging -----------------------------------------------------------------------------

    def merge(self, other: RunAggregate) -> None:
        for name in ("length_before", "length_after", "share_removed"):
            mine = getattr(self, name)
            for i, n in enumerate(getattr(other, name)):
                mine[i] += n
        self.years.update(other.years)
        self.rule_hits.update(other.rule_hits)
        for name, theirs in other.sites.items():
            _add_site(self._site(name), theirs)
        for kind in ("rule_samples", "reject_samples"):
            mine_s: dict[str, list[list[Any]]] = getattr(self, kind)
            for key, samples in getattr(other, kind).items():
                mine_s[key] = _smallest(mine_s.get(key, []) + samples, SAMPLES)
        self.duplicate_samples = _smallest(
            self.duplicate_samples + other.duplicate_samples, DUP_SAMPLES
        )
        for signal, counts in other.quality.items():
            self.quality.setdefault(signal, Counter()).update(counts)
        self.filtered += other.filtered
        self.cluster_sizes.update(other.cluster_sizes)
        self.largest_clusters = sorted(self.largest_clusters + other.largest_clusters)[:CLUSTERS]
        self.cap_sites()

    def cap_sites(self) -> None:
        """Keep the SITE_CAP sites with the smallest hash of their name; the rest go to
        ``(other)``."""
        named = [n for n in self.sites if n != OTHER_SITE]
        if len(named) <= SITE_CAP:
            return
        keep = set(sorted(named, key=lambda n: (id_hash(n), n))[:SITE_CAP])
        other = self._site(OTHER_SITE)
        for name in named:
            if name not in keep:
                _add_site(other, self.sites.pop(name))

    # -- plain JSON, for the completion markers and report.json -----------------------------

    def to_state(self) -> dict[str, Any]:
        sites = {}
        for name in sorted(self.sites):
            s = self.sites[name]
            sites[name] = {
                **{k: s[k] for k in SITE_COUNTERS},
                "langs": dict(sorted(s["langs"].items())),
                "reasons": dict(sorted(s["reasons"].items())),
            }
        return {
            "length_before": list(self.length_before),
            "length_after": list(self.length_after),
            "share_removed": list(self.share_removed),
            "years": dict(sorted(self.years.items())),
            "rule_hits": dict(sorted(self.rule_hits.items())),
            "sites": sites,
            "rule_samples": {k: self.rule_samples[k] for k in sorted(self.rule_samples)},
            "reject_samples": {k: self.reject_samples[k] for k in sorted(self.reject_samples)},
            "duplicate_samples": self.duplicate_samples,
            "quality": {
                k: dict(sorted(v.items(), key=lambda kv: float(kv[0])))
                for k, v in sorted(self.quality.items())
            },
            "filtered": self.filtered,
            "cluster_sizes": dict(sorted(self.cluster_sizes.items(), key=lambda kv: int(kv[0]))),
            "largest_clusters": self.largest_clusters,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RunAggregate:
        agg = cls()
        for name in ("length_before", "length_after", "share_removed"):
            setattr(agg, name, [int(n) for n in state[name]])
        agg.years.update(state["years"])
        agg.rule_hits.update(state["rule_hits"])
        for name, s in state["sites"].items():
            site = agg._site(name)
            for k in SITE_COUNTERS:
                site[k] = int(s[k])
            site["langs"].update(s["langs"])
            site["reasons"].update(s["reasons"])
        agg.rule_samples = {k: [list(x) for x in v] for k, v in state["rule_samples"].items()}
        agg.reject_samples = {k: [list(x) for x in v] for k, v in state["reject_samples"].items()}
        agg.duplicate_samples = [list(x) for x in state["duplicate_samples"]]
        agg.quality = {k: Counter(v) for k, v in state["quality"].items()}
        agg.filtered = int(state.get("filtered", 0))
        agg.cluster_sizes.update(state.get("cluster_sizes", {}))
        agg.largest_clusters = [list(x) for x in state.get("largest_clusters", [])]
        return agg


def _add_site(mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    for k in SITE_COUNTERS:
        mine[k] += theirs[k]
    mine["langs"].update(theirs["langs"])
    mine["reasons"].update(theirs["reasons"])
