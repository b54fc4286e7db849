"""Compiled packs: site dispatch in O(1) per document, and one RE2 set per rule group.

A document pays for the generic group plus the site packs that match it, never for the other
site packs: a domain is a dict lookup, fingerprints are one RE2 set over all packs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from cleaner.engine.kinds import ChromeKind, Extract, FilterKind, FilterResult, HtmlKind
from cleaner.engine.load import Pack, Rule, load_packs
from cleaner.engine.regex import LineMatches, PatternSet
from cleaner.steps.normalize import collapse_blank_lines

# Peeling chrome can uncover more chrome (a new last line); rounds repeat until nothing changes,
# which is what makes cleaning idempotent. Real documents settle in two or three rounds.
MAX_ROUNDS = 12


@dataclass(frozen=True)
class Edit:
    """What one rule did to one document."""

    rule: str
    pack: str
    removed_chars: int
    edits: int


class Tracer(Protocol):
    """Told about every rule that acts, in order (``cleaner explain``, ``rules-report``).

    The hot path passes no tracer and pays one ``is None`` test per rule that fires.
    """

    def chrome(self, rule: Rule, round_no: int, before: list[str], after: list[str]) -> None:
        """A chrome rule changed the lines (``after`` is already blank-line collapsed)."""

    def extract(self, rule: Rule, value: str, used: bool) -> None:
        """An extract rule found a value; ``used`` is False when an earlier rule won the field."""


class RuleGroup:
    """Rules applied together, with one RE2 set telling which of them can fire on a text."""

    def __init__(self, rules: Sequence[Rule], *, pooled: bool = False) -> None:
        self.rules = tuple(rules)
        sources: list[str] = []
        self.slot: dict[str, int] = {}
        for rule in self.rules:
            src = rule.kind.prefilter
            if src is not None:
                self.slot[rule.id] = len(sources)
                sources.append(src)
        self.set = PatternSet(sources, pooled=pooled)
        self.html_rules = [r for r in self.rules if isinstance(r.kind, HtmlKind)]
        self.extract_rules = [r for r in self.rules if isinstance(r.kind, Extract)]
        self.chrome_rules = [r for r in self.rules if isinstance(r.kind, ChromeKind)]
        self.filter_rules = [r for r in self.rules if isinstance(r.kind, FilterKind)]
        self._extract = self._by_slot(self.extract_rules)
        self._chrome = self._by_slot(self.chrome_rules)

    def _by_slot(self, rules: list[Rule]) -> tuple[dict[int, tuple[int, Rule]], list[Any]]:
        """Rules of one phase by prefilter slot, and those without one (always candidates)."""
        by_slot: dict[int, tuple[int, Rule]] = {}
        always: list[tuple[int, Rule]] = []
        for order, rule in enumerate(rules):
            slot = self.slot.get(rule.id)
            if slot is None:
                always.append((order, rule))
            else:
                by_slot[slot] = (order, rule)
        return by_slot, always

    @staticmethod
    def _candidates(
        phase: tuple[dict[int, tuple[int, Rule]], list[Any]], hits: set[int]
    ) -> list[Rule]:
        """The rules whose prefilter hit (plus those without one), in rule order. The cost is
        the number of hits, not the number of rules in the group."""
        by_slot, always = phase
        found = [by_slot[s] for s in hits if s in by_slot]
        found += always
        found.sort(key=_first)
        return [rule for _, rule in found]

    def may_fire(self, rule: Rule, hits: set[int]) -> bool:
        slot = self.slot.get(rule.id)
        return slot is None or slot in hits

    def extract_candidates(self, hits: set[int]) -> list[Rule]:
        return self._candidates(self._extract, hits)

    def chrome_candidates(self, hits: set[int]) -> list[Rule]:
        return self._candidates(self._chrome, hits)


def _first(pair: tuple[int, Rule]) -> int:
    return pair[0]


@dataclass
class Selection:
    """The packs chosen for one document and why (for explain and the summary)."""

    groups: list[RuleGroup]
    site: str | None
    packs: list[str]
    reasons: dict[str, str] = field(default_factory=dict)


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    return host.lower().removeprefix("www.") if host else None


class RuleSet:
    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = tuple(packs)
        self.rules = {r.id: r for p in packs for r in p.rules}
        generic = [p for p in packs if p.scope == "generic"]
        self.sites = [p for p in packs if p.scope == "site"]
        self.generic = RuleGroup([r for p in generic for r in p.rules])
        self.generic_names = [p.name for p in generic]
        self.site_groups = {p.name: RuleGroup(p.rules, pooled=True) for p in self.sites}
        self.by_domain: dict[str, list[Pack]] = {}
        for p in self.sites:
            for d in p.domains:
                self.by_domain.setdefault(d, []).append(p)
        self._fp_owner: list[tuple[Pack, str]] = [
            (p, src) for p in self.sites for src in p.fingerprints
        ]
        self._fingerprints = PatternSet(["(?m)" + src for _, src in self._fp_owner])

    @classmethod
    def from_paths(cls, paths: Iterable[Path | str]) -> RuleSet:
        return cls(load_packs(paths))

    def select(self, text: str, url: str | None = None, site: str | None = None) -> Selection:
        """Site packs by URL domain (or a known site name), else by fingerprint; then generic."""
        matched: dict[str, str] = {}
        domain = site or domain_of(url)
        if domain:
            parts = domain.split(".")
            for i in range(len(parts) - 1):
                for p in self.by_domain.get(".".join(parts[i:]), []):
                    matched.setdefault(p.name, f"domain {domain}")
        else:
            for slot in sorted(self._fingerprints.hits(text)):
                p, src = self._fp_owner[slot]
                matched.setdefault(p.name, f"fingerprint {src!r}")
        names = sorted(matched)
        site_name = domain
        if site_name is None and names:
            first = next(p for p in self.sites if p.name == names[0])
            site_name = first.domains[0] if first.domains else first.name
        groups = [self.site_groups[n] for n in names] + [self.generic]
        reasons = dict(matched)
        reasons.update(dict.fromkeys(self.generic_names, "generic"))
        return Selection(groups, site_name, names + self.generic_names, reasons)


def run_extract(
    groups: Sequence[RuleGroup], lines: list[str], tracer: Tracer | None = None
) -> dict[str, tuple[str, str]]:
    """Fill each field from the first rule that yields it; site packs come before generic ones.

    With a tracer, rules for fields already filled run too, so it hears what they would give.
    """
    found: dict[str, tuple[str, str]] = {}
    text = "\n".join(lines)
    for group in groups:
        if not group.extract_rules:
            continue
        for rule in group.extract_candidates(group.set.hits(text)):
            kind = rule.kind
            assert isinstance(kind, Extract)
            taken = kind.field in found
            if taken and tracer is None:
                continue
            value = kind.extract(lines)
            if value is None:
                continue
            if tracer is not None:
                tracer.extract(rule, value, not taken)
            if not taken:
                found[kind.field] = (value, rule.id)
    return found


def _chars(lines: list[str]) -> int:
    return sum(map(len, lines))


def run_chrome(
    groups: Sequence[RuleGroup], lines: list[str], tracer: Tracer | None = None
) -> tuple[list[str], list[Edit]]:
    """Apply chrome rules in order, round after round, until a round changes nothing."""
    totals: dict[str, Edit] = {}
    # The set hits and each rule's matching lines are remembered by line content for the whole
    # phase: later rounds and later rules scan only what rewrites brought in. A set's hits stay
    # a superset (a pattern that matched no line cannot match a subset of those lines), so
    # each candidate rule checks for itself.
    matches = LineMatches(lines)
    chars = _chars(lines)
    for round_no in range(1, MAX_ROUNDS + 1):
        changed = False
        for group in groups:
            if not group.chrome_rules:
                continue
            for rule in group.chrome_candidates(matches.set_hits(group.set, lines)):
                kind = rule.kind
                assert isinstance(kind, ChromeKind)
                new = kind.apply(lines, matches)
                if new is None:
                    continue
                new = collapse_blank_lines(new)
                if new == lines:
                    continue
                new_chars = _chars(new)
                before = totals.get(rule.id) or Edit(rule.id, rule.pack, 0, 0)
                totals[rule.id] = Edit(
                    rule.id,
                    rule.pack,
                    before.removed_chars + chars - new_chars,
                    before.edits + 1,
                )
                if tracer is not None:
                    tracer.chrome(rule, round_no, lines, new)
                if not kind.only_drops:
                    matches.rewritten(set(new).difference(lines))
                lines, chars = new, new_chars
                changed = True
        if not changed:
            break
    return lines, list(totals.values())


def run_filters(
    groups: Sequence[RuleGroup], text: str, fields: dict[str, object]
) -> list[tuple[Rule, FilterResult]]:
    failures: list[tuple[Rule, FilterResult]] = []
    for group in groups:
        for rule in group.filter_rules:
            kind = rule.kind
            assert isinstance(kind, FilterKind)
            result = kind.check(text, fields)
            if result is not None:
                failures.append((rule, result))
    return failures
