"""Compiled packs: site dispatch in O(1) per document, and one RE2 set per rule group.

A document pays for the generic group plus the site packs that match it, never for the other
site packs: a domain is a dict lookup, fingerprints are one RE2 set over all packs.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast
from urllib.parse import urlsplit

from cleaner.engine.hosts import is_host_name
from cleaner.engine.kinds import (
    CHROME,
    EXTRACT,
    FILTER,
    HTML_PHASES,
    PHASES,
    ChromeKind,
    Extract,
    FilterKind,
    FilterResult,
    RuleKind,
)
from cleaner.engine.load import Pack, Rule, load_packs
from cleaner.engine.regex import CompiledPool, LineMatches, PatternSet
from cleaner.engine.rounds import Rounds
from cleaner.record import Edit as Edit  # re-exported: the engine names what rules did
from cleaner.steps.normalize import collapse_blank_lines

# Peeling chrome can uncover more chrome (a new last line): the pipeline's one fixpoint loop
# repeats the text steps until nothing changes, which is what makes cleaning idempotent. Every
# chrome round that changes the lines removes characters (chrome kinds only remove), so the
# loop ends; this bound only guards against a bug, far above what any real text needs.
MAX_ROUNDS = 1000
# How many sites' selections a rule set keeps (a worker's memory must not follow the number of
# sites in a corpus): past this the memo starts again.
SELECTIONS_KEPT = 4096


class Tracer(Protocol):
    """Told about every rule that acts, in order (``cleaner explain``, ``rules-report``).

    The hot path passes no tracer and pays one ``is None`` test per rule that fires.
    """

    def chrome(self, rule: Rule, round_no: int, before: list[str], after: list[str]) -> None:
        """A chrome rule changed the lines (``after`` is already blank-line collapsed)."""

    def extract(self, rule: Rule, value: str, used: bool) -> None:
        """An extract rule found a value; ``used`` is False when an earlier rule won the field."""


class RuleGroup:
    """Rules applied together, kept by phase, with one RE2 set telling which of them can fire
    on a text. With a ``pool``, the pool may drop the set's compiled form (a site pack's)."""

    def __init__(self, rules: Sequence[Rule], *, pool: CompiledPool | None = None) -> None:
        self.rules = tuple(rules)
        sources: list[str] = []
        self.slot: dict[str, int] = {}
        for rule in self.rules:
            src = rule.kind.prefilter
            if src is not None:
                self.slot[rule.id] = len(sources)
                sources.append(src)
        self.set = PatternSet(sources, pool=pool)
        by_phase: dict[str, list[Rule]] = {phase: [] for phase in PHASES}
        for rule in self.rules:
            by_phase[rule.kind.phase].append(rule)
        self.by_phase = {phase: tuple(rules) for phase, rules in by_phase.items()}
        self.html_rules = [r for r in self.rules if r.kind.phase in HTML_PHASES]
        self.extract_rules = list(self.by_phase[EXTRACT])
        self.extract_fields = frozenset(cast(Extract, r.kind).field for r in self.extract_rules)
        self.chrome_rules = list(self.by_phase[CHROME])
        self.filter_rules = list(self.by_phase[FILTER])
        # Each rule with its kind typed for the phase it declared: the phase says the class.
        self._extract: _Phase[Extract] = _Phase(self.slot, self.extract_rules)
        self._chrome: _Phase[ChromeKind] = _Phase(self.slot, self.chrome_rules)
        self._filters = [(r, cast(FilterKind, r.kind)) for r in self.filter_rules]

    def phase_rules(self, phase: str) -> tuple[Rule, ...]:
        """The group's rules of one phase, in order."""
        return self.by_phase[phase]

    def may_fire(self, rule: Rule, hits: set[int]) -> bool:
        slot = self.slot.get(rule.id)
        return slot is None or slot in hits

    def extract_candidates(self, hits: set[int]) -> list[Rule]:
        return [rule for rule, _ in self._extract.candidates(hits)]

    def chrome_candidates(self, hits: set[int]) -> list[Rule]:
        return [rule for rule, _ in self._chrome.candidates(hits)]


K = TypeVar("K", bound=RuleKind)


class _Phase(Generic[K]):
    """One phase's rules by prefilter slot, and those without one (always candidates)."""

    def __init__(self, slots: dict[str, int], rules: Sequence[Rule]) -> None:
        self.by_slot: dict[int, tuple[int, Rule, K]] = {}
        self.always: list[tuple[int, Rule, K]] = []
        for order, rule in enumerate(rules):
            entry = (order, rule, cast(K, rule.kind))
            slot = slots.get(rule.id)
            if slot is None:
                self.always.append(entry)
            else:
                self.by_slot[slot] = entry

    def candidates(self, hits: set[int]) -> list[tuple[Rule, K]]:
        """The rules whose prefilter hit (plus those without one), in rule order, with their
        kinds. The cost is the number of hits, not the number of rules in the group."""
        by_slot = self.by_slot
        found = [by_slot[s] for s in hits if s in by_slot]
        found += self.always
        found.sort(key=_first)
        return [(rule, kind) for _, rule, kind in found]


def _first(entry: tuple[int, Rule, Any]) -> int:
    return entry[0]


@dataclass(frozen=True)
class Selection:
    """The packs chosen for one document and why (for explain and the summary). The documents
    of one site share one (``RuleSet.select``): nothing changes it after."""

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
    if not host:
        return None
    # A record's site is a host name or nothing: never '..' or '::1' from a malformed URL.
    # (Underscores are not RFC 1123 but real hosts carry them.)
    return host.lower().removeprefix("www.") if is_host_name(host.replace("_", "-")) else None


class RuleSet:
    """The loaded packs, compiled for dispatch. It owns the pool that bounds how many of its
    patterns stay compiled (``pool.resize`` sets the budget)."""

    def __init__(self, packs: Sequence[Pack], pool: CompiledPool | None = None) -> None:
        self.packs = tuple(packs)
        self.pool = pool or CompiledPool()
        self.rules = {r.id: r for p in packs for r in p.rules}
        for rule in self.rules.values():
            for compiled in rule.kind.compiled():
                if compiled.pool is not self.pool:  # loading may have handed it over already
                    compiled.adopt(self.pool)
        generic = [p for p in packs if p.scope == "generic"]
        self.sites = [p for p in packs if p.scope == "site"]
        self.generic = RuleGroup([r for p in generic for r in p.rules])
        self.generic_names = [p.name for p in generic]
        # The generic group less what site packs switch off, one per distinct set of names.
        self._generic_without: dict[frozenset[str], RuleGroup] = {frozenset(): self.generic}
        self.site_groups = {p.name: RuleGroup(p.rules, pool=self.pool) for p in self.sites}
        self._site_by_name = {p.name: p for p in self.sites}
        self._by_site: dict[str, Selection] = {}
        self.by_domain: dict[str, list[Pack]] = {}
        for p in self.sites:
            for d in p.domains:
                self.by_domain.setdefault(d, []).append(p)
        self._fp_owner: list[tuple[Pack, str]] = [
            (p, src) for p in self.sites for src in p.fingerprints
        ]
        self._fingerprints = PatternSet(["(?m)" + src for _, src in self._fp_owner])

    @classmethod
    def from_paths(cls, paths: Iterable[Path | str], normalization: str | None = "NFC") -> RuleSet:
        pool = CompiledPool()
        return cls(load_packs(paths, normalization, pool), pool)

    def select(
        self, text: str | bytes, url: str | None = None, site: str | None = None
    ) -> Selection:
        """Site packs by URL domain (or a known site name), else by fingerprint; then generic.
        ``text`` may be given as UTF-8 (the sets scan bytes: a str is encoded on each scan)."""
        domain = site or domain_of(url)
        if domain:
            # Every document of a site gets the same packs: chosen once per domain.
            chosen = self._by_site.get(domain)
            if chosen is None:
                if len(self._by_site) >= SELECTIONS_KEPT:  # bounded: many sites, one worker
                    self._by_site.clear()
                chosen = self._by_site[domain] = self._choose(self._by_domain(domain), domain)
            return chosen
        matched: dict[str, str] = {}
        for slot in sorted(self._fingerprints.hits(text)):
            p, src = self._fp_owner[slot]
            matched.setdefault(p.name, f"fingerprint {src!r}")
        return self._choose(matched, None)

    def _by_domain(self, domain: str) -> dict[str, str]:
        """The site packs for ``domain`` or a domain it is under, with why."""
        matched: dict[str, str] = {}
        parts = domain.split(".")
        for i in range(len(parts) - 1):
            for p in self.by_domain.get(".".join(parts[i:]), []):
                matched.setdefault(p.name, f"domain {domain}")
        return matched

    def _choose(self, matched: dict[str, str], domain: str | None) -> Selection:
        """The selection for the site packs ``matched``: looked up by name, never a loop over
        every site pack (a document pays only for the packs that match it)."""
        names = sorted(matched)
        chosen = [self._site_by_name[n] for n in names]
        site_name = domain
        if site_name is None and chosen:
            first = chosen[0]
            site_name = first.domains[0] if first.domains else first.name
        off = frozenset(d for p in chosen for d in p.disable_generic)
        generic = [n for n in self.generic_names if n not in off]
        groups = [self.site_groups[n] for n in names] + [self._generic_less(off)]
        reasons = dict(matched)
        reasons.update(dict.fromkeys(generic, "generic"))
        return Selection(groups, site_name, names + generic, reasons)

    def without_generic(self, off: frozenset[str]) -> RuleSet:
        """A view of these rules with the generic packs or rules in ``off`` switched off for
        every document, as a site pack's ``disable_generic`` does where it matches (learned
        chrome's clean without the line model); it shares the compiled rules."""
        view = copy.copy(self)
        view.generic = self._generic_less(off)
        view.generic_names = [n for n in self.generic_names if n not in off]
        view._generic_without = {frozenset(): view.generic}
        view._by_site = {}  # the selections kept hold the full generic group
        return view

    def _generic_less(self, off: frozenset[str]) -> RuleGroup:
        """The generic group without the packs and rules named in ``off``."""
        group = self._generic_without.get(off)
        if group is None:
            rules = [r for r in self.generic.rules if r.pack not in off and r.id not in off]
            group = self._generic_without[off] = RuleGroup(rules)
        return group


def run_extract(
    groups: Sequence[RuleGroup],
    lines: list[str],
    tracer: Tracer | None = None,
    context: Mapping[str, str] | None = None,
    filled: Collection[str] = (),
    text: str | bytes | None = None,
    matches: LineMatches | None = None,
) -> dict[str, tuple[str, str]]:
    """Fill each field from the first rule that yields it; site packs come before generic ones.

    With a tracer, rules for fields already filled run too, so it hears what they would give.
    ``context`` is what the caller knows beside the text (``url``, ``crawl_date``): the
    ``text_date`` kind reads the URL's date path and refuses dates after the crawl. Fields in
    ``filled`` (an earlier round's) are not looked for again, and a group with nothing else to
    fill is not scanned. ``text``, when the caller has it, is ``lines`` joined (or that encoded
    as UTF-8: the sets scan bytes). ``matches``, the document's chrome memo, answers for the
    sets it knows: a superset of the hits, which serves as chrome's does (an extract rule with
    a prefilter finds a value only in a line its prefilter matches)."""
    found: dict[str, tuple[str, str]] = dict.fromkeys(filled, ("", ""))
    if text is None:
        text = "\n".join(lines)
    for group in groups:
        if not group.extract_rules:
            continue
        if tracer is None and group.extract_fields <= found.keys():
            continue
        phase = group._extract
        # The group's pattern set serves every phase; extract rules without a prefilter (the
        # text metadata kinds) are candidates whatever it finds, so it is scanned only for
        # rules that have one.
        if not phase.by_slot:
            hits: set[int] = set()
        elif matches is not None and group.set.line_local:
            hits = matches.set_hits(group.set, lines)
        else:
            hits = group.set.hits(text)
        for rule, kind in phase.candidates(hits):
            taken = kind.field in found
            if taken and tracer is None:
                continue
            value = kind.extract(lines, context)
            if value is None:
                continue
            if tracer is not None:
                tracer.extract(rule, value, not taken)
            if not taken:
                found[kind.field] = (value, rule.id)
    for name in filled:
        del found[name]
    return found


def _chars(lines: list[str]) -> int:
    return sum(map(len, lines))


class ChromePhase:
    """What one document's chrome rounds share: each pattern's matching lines, remembered by
    content (``LineMatches``), and the lines the last round left, so a round scans only the
    contents that rewrites, or the steps run between two rounds, brought in."""

    __slots__ = ("left", "matches", "rewrote", "unnormal")

    def __init__(self, lines: list[str], data: bytes | None = None) -> None:
        # ``data``, when the caller has it, is ``lines`` joined and encoded.
        self.matches = LineMatches(lines, data)
        self.left = lines
        # Whether a rule of the last round may have left normalised lines not normalised.
        self.unnormal = False
        # Whether a rule of the last round rewrote lines rather than only dropping some.
        self.rewrote = False

    def sync(self, lines: list[str]) -> None:
        """``lines`` is what the next round sees: tell the memo the contents it has not seen."""
        if lines is not self.left and lines != self.left:
            self.matches.rewritten(set(lines).difference(self.left))
        self.left = lines


def chrome_round(
    groups: Sequence[RuleGroup],
    lines: list[str],
    phase: ChromePhase | None = None,
    tracer: Tracer | None = None,
    round_no: int = 1,
) -> tuple[list[str], list[Edit]]:
    """Each chrome rule once, in order, on what the rules before it left: one round.

    ``phase`` carries the memo from earlier rounds of the same document. The set hits stay a
    superset (a pattern that matched no line cannot match a subset of those lines), so each
    candidate rule checks for itself.
    """
    if phase is None:
        phase = ChromePhase(lines)
    else:
        phase.sync(lines)
    matches = phase.matches
    phase.unnormal = phase.rewrote = False
    totals: dict[str, Edit] = {}
    chars = _chars(lines)
    for group in groups:
        if not group.chrome_rules:
            continue
        for rule, kind in group._chrome.candidates(matches.set_hits(group.set, lines)):
            new = kind.apply(lines, matches)
            if new is None:
                continue
            new = collapse_blank_lines(new)
            if new == lines:
                continue
            new_chars = _chars(new)
            before = totals.get(rule.id) or Edit(rule.id, rule.pack, 0, 0)
            totals[rule.id] = Edit(
                rule.id, rule.pack, before.removed_chars + chars - new_chars, before.edits + 1
            )
            if tracer is not None:
                tracer.chrome(rule, round_no, lines, new)
            if not kind.only_drops:
                matches.rewritten(set(new).difference(lines))
                phase.rewrote = True
            if not kind.keeps_normal:
                phase.unnormal = True
            lines, chars = new, new_chars
    phase.left = lines
    return lines, list(totals.values())


def run_chrome(
    groups: Sequence[RuleGroup],
    lines: list[str],
    tracer: Tracer | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> tuple[list[str], list[Edit]]:
    """Chrome rules alone, round after round until a round changes nothing: what a rule's
    examples and the authoring tools see. (The pipeline runs ``chrome_round`` in its fixpoint
    loop, between the other text steps.)"""
    totals: dict[str, Edit] = {}
    phase = ChromePhase(lines)
    schedule = Rounds(1, max_rounds)
    for _, round_no in schedule:
        new, edits = chrome_round(groups, lines, phase, tracer, round_no)
        for e in edits:
            old = totals.get(e.rule)
            totals[e.rule] = (
                e
                if old is None
                else Edit(e.rule, e.pack, old.removed_chars + e.removed_chars, old.edits + e.edits)
            )
        if new is not lines:
            schedule.changed()
        lines = new
    return lines, list(totals.values())


def run_filters(
    groups: Sequence[RuleGroup], text: str, fields: dict[str, object]
) -> list[tuple[Rule, FilterResult]]:
    failures: list[tuple[Rule, FilterResult]] = []
    for group in groups:
        for rule, kind in group._filters:
            result = kind.check(text, fields)
            if result is not None:
                failures.append((rule, result))
    return failures
