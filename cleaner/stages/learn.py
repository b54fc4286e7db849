"""Chrome learned from the corpus (``--learn-chrome``): lines that recur across many documents
of one site are removed from that site's documents, as a ``drop_line`` rule would.

Scan (pass 1, on any worker): per site (the record's ``site``, else its URL's host), the number
of documents, and for a sample of them the distinct lines of each, split into the lines outside
and inside a run of long paragraphs (:func:`cleaner.authoring.mining.body_runs`). The sample is
the ``learn_sample`` documents of the site with the smallest digests of id and text: a bottom-k
sample, so merging two states keeps the same documents whatever the order, grouping, worker
count or Ray partitioning, and the learned lines never depend on them.

Seal: a site with at least ``learn_min_docs`` documents learns each line found in at least
``learn_share`` percent of its sampled documents (and at least 3), unless the line is inside a
body run in any sampled document, is longer than MAX_LINE_CHARS, or is one the miner keeps as
article metadata (dates, bylines, credits: :func:`cleaner.authoring.mining.is_metadata`).

Apply (pass 2): a record loses its learned lines (exact, whole-line matches, as ``drop_line``
``lines:`` does), unless that would leave it empty; it names each learned rule that removed
something in ``rules`` (``learned/<site>/<n>``) and the stage in ``steps``. A removed line is
gone, so applying again changes nothing. The learned rules are written to the output folder as
``learned-rules/<site>.yaml``, a pack ``cleaner check-rules`` loads, ready to review and copy.

Memory: the state holds at most ``learn_sample`` documents' short distinct lines per site (the
sample bounds each site, not the number of sites); sealed, only the learned lines.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cleaner.authoring.mining import body_runs, is_metadata, min_pages
from cleaner.authoring.yamlwrite import scalar, text_block
from cleaner.errors import CleanerError
from cleaner.stages import Drop
from cleaner.steps.normalize import collapse_blank_lines, count_spaced_words
from cleaner.words import count_words, has_cjk

MAX_LINE_CHARS = 300  # longer lines are paragraphs, never learned (and not sampled)
EXAMPLES = 3  # example documents' line neighbourhoods shown per site in the pack
_MAGIC = "cleaner-learn-chrome-1"

# A document in the sample: its digest (the sample's order), its lines outside body runs, and
# its lines inside them (distinct, short, sorted).
Doc = tuple[str, tuple[str, ...], tuple[str, ...]]


def site_of(record: dict[str, Any]) -> str | None:
    """The site a record's chrome belongs to: its ``site``, else its URL's host (no ``www.``)."""
    site = record.get("site")
    if site:
        return str(site)
    url = record.get("url")
    if not url:
        return None
    try:
        host = urlsplit(str(url)).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def _doc(record: dict[str, Any]) -> Doc:
    lines = [line for line in record["text"].split("\n") if line]
    inside = body_runs(lines)
    short = [(i, line) for i, line in enumerate(lines) if len(line) <= MAX_LINE_CHARS]
    key = hashlib.blake2b(
        f"{record['id']}\0{record['text']}".encode("utf-8", "surrogatepass"), digest_size=8
    ).hexdigest()
    body = {line for i, line in short if i in inside}
    outside = {line for _, line in short} - body
    return key, tuple(sorted(outside)), tuple(sorted(body))


@dataclass
class Site:
    """One site's document count and its bottom-k sample, by digest."""

    n: int = 0
    docs: dict[str, Doc] = field(default_factory=dict)

    def merge(self, other: Site, sample: int) -> None:
        self.n += other.n
        self.docs.update(other.docs)
        if len(self.docs) > sample:
            self.docs = {k: self.docs[k] for k in sorted(self.docs)[:sample]}


@dataclass
class LearnState:
    """Per site: documents and sample (while scanning); after ``seal``, ``rules``: per site,
    line -> rule number, with ``evidence`` (line -> sampled documents it is on) for the pack."""

    sample: int
    sites: dict[str, Site] = field(default_factory=dict)
    rules: dict[str, dict[str, int]] = field(default_factory=dict)
    evidence: dict[str, dict[str, int]] = field(default_factory=dict)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # site -> (docs, sampled)

    def add(self, site: str, doc: Doc) -> None:
        mine = self.sites.setdefault(site, Site())
        mine.merge(Site(1, {doc[0]: doc}), self.sample)

    def merge(self, other: LearnState) -> LearnState:
        for site, theirs in other.sites.items():
            self.sites.setdefault(site, Site()).merge(theirs, self.sample)
        return self

    def to_bytes(self) -> bytes:
        data = {
            "magic": _MAGIC,
            "sample": self.sample,
            "sites": {
                s: [site.n, [list(site.docs[k]) for k in sorted(site.docs)]]
                for s, site in sorted(self.sites.items())
            },
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes) -> LearnState:
        try:
            obj = json.loads(data)
            if obj.get("magic") != _MAGIC:
                raise ValueError
            state = cls(int(obj["sample"]))
            for s, (n, docs) in obj["sites"].items():
                state.sites[s] = Site(n, {k: (k, tuple(out), tuple(body)) for k, out, body in docs})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CleanerError(
                "a saved learn-chrome state is damaged (run again without --resume)"
            ) from exc
        return state


class LearnChrome:
    """The corpus stage behind ``--learn-chrome`` (see the module docstring)."""

    name = "learn-chrome"
    drops = ""  # it drops nothing: no side file

    def __init__(self, min_docs: int, share: int, sample: int) -> None:
        self.min_docs = min_docs
        self.share = share
        self.sample = sample

    def empty(self) -> LearnState:
        return LearnState(self.sample)

    def scan(self, records: Iterable[dict[str, Any]]) -> LearnState:
        state = self.empty()
        for record in records:
            site = site_of(record)
            if site is not None:
                state.add(site, _doc(record))
        return state

    def load(self, data: bytes) -> LearnState:
        state = LearnState.from_bytes(data)
        state.sample = self.sample
        return state

    def seal(self, state: LearnState) -> LearnState:
        sealed = self.empty()
        for name, site in sorted(state.sites.items()):
            sampled = len(site.docs)
            sealed.sizes[name] = (site.n, sampled)
            if site.n < self.min_docs:
                continue
            df: Counter[str] = Counter()
            body: set[str] = set()
            for _, outside, inside in site.docs.values():
                df.update(outside)
                df.update(inside)
                body.update(inside)
            least = min_pages(sampled, self.share / 100)
            learned = sorted(
                (line for line, n in df.items() if n >= least),
                key=lambda line: (-df[line], line),
            )
            learned = [line for line in learned if line not in body and not is_metadata(line)]
            if learned:
                sealed.rules[name] = {line: i for i, line in enumerate(learned, 1)}
                sealed.evidence[name] = {line: df[line] for line in learned}
        return sealed

    def apply(self, record: dict[str, Any], state: LearnState) -> dict[str, Any] | Drop:
        site = site_of(record)
        rules = state.rules.get(site) if site is not None else None
        if not rules:
            return record
        lines = record["text"].split("\n")
        hits = [i for i, line in enumerate(lines) if line in rules]
        if not hits or len(hits) == sum(1 for line in lines if line):
            return record  # nothing learned here, or nothing would be left: kept as it is
        removed: Counter[int] = Counter()
        edits: Counter[int] = Counter()
        for i in hits:
            removed[rules[lines[i]]] += len(lines[i])
            edits[rules[lines[i]]] += 1
        drop = set(hits)
        text = "\n".join(collapse_blank_lines([x for i, x in enumerate(lines) if i not in drop]))
        pack = f"learned/{site}"
        entries = [
            {"rule": f"{pack}/{n}", "pack": pack, "removed_chars": removed[n], "edits": edits[n]}
            for n in sorted(removed)
        ]
        step = {"step": "learn_chrome", "removed_chars": len(record["text"]) - len(text)}
        return {
            **record,
            "n_chars": len(text),
            "n_words": count_words(text) if has_cjk(text) else count_spaced_words(text),
            "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            "rules": [*record["rules"], *entries],
            "steps": [*record["steps"], step],
            "text": text,
        }

    # -- keyed (Ray): the learned lines depend on no order, so the verdicts are the same -----

    def scan_keyed(self, pairs: Iterable[tuple[int, dict[str, Any]]]) -> LearnState:
        return self.scan(record for _, record in pairs)

    def load_keyed(self, data: bytes) -> LearnState:
        return self.load(data)

    def seal_keyed(self, state: LearnState) -> LearnState:
        return self.seal(state)

    def apply_keyed(
        self, record: dict[str, Any], key: int, state: LearnState
    ) -> dict[str, Any] | Drop:
        return self.apply(record, state)

    # -- the learned rules, for review ---------------------------------------------------------

    def files(self, state: LearnState) -> dict[str, str]:
        """``learned-rules/<site>.yaml`` for each site that learned something, and a
        ``learned-rules/README.txt`` that says what each site learned or why not."""
        out: dict[str, str] = {}
        notes = [
            f"Learned by `cleaner run --learn-chrome` (learn_min_docs {self.min_docs}, "
            f"learn_share {self.share}%, learn_sample {self.sample}).",
            "site\tdocuments\tsampled\tlearned lines",
        ]
        for site, (n, sampled) in sorted(state.sizes.items()):
            rules = state.rules.get(site, {})
            why = "" if n >= self.min_docs else f" (fewer than {self.min_docs} documents)"
            notes.append(f"{site}\t{n}\t{sampled}\t{len(rules)}{why}")
            if rules:
                out[f"{_file_name(site)}.yaml"] = self._pack(site, rules, state, n, sampled)
        out["README.txt"] = "\n".join(notes) + "\n"
        return out

    def _pack(
        self, site: str, rules: dict[str, int], state: LearnState, n: int, sampled: int
    ) -> str:
        least = min_pages(sampled, self.share / 100)
        name = f"learned.{_file_name(site)}"
        head = [
            f"# Chrome of {site} learned by `cleaner run --learn-chrome` from {n} documents",
            f"# ({sampled} sampled): each line was on at least {least} sampled documents and",
            "# inside a run of long paragraphs on none. Records name these rules",
            f"# learned/{site}/<n>. Review, then copy into rules/sites/ to keep them.",
            f"pack: {scalar(name)}",
            f"description: {scalar(f'Chrome of {site} learned from {n} documents.')}",
            "scope: site",
            "match:",
            f"  domains: [{scalar(site)}]",
            "rules:",
        ]
        evidence = state.evidence[site]
        for line, i in sorted(rules.items(), key=lambda item: item[1]):
            share = math.floor(100 * evidence[line] / sampled)
            head += [
                f"  # on {evidence[line]} of {sampled} sampled documents ({share}%)",
                f"  - id: learned-{i}",
                "    kind: drop_line",
                f"    description: {scalar(f'Recurring line, learned/{site}/{i}.')}",
                f"    line: {scalar(line)}",
                "    examples:",
            ]
            first = text_block("input", f"{line}\nText that stays.", 8)
            first[0] = "      - " + first[0].lstrip()
            head += [*first, *text_block("output", "Text that stays.", 8)]
        return "\n".join(head) + "\n"


def _file_name(site: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", site.lower()).strip("-.") or "site"
