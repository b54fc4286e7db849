"""Chrome learned from the corpus (``--learn-chrome``): per site, ``cleaner suggest``'s miner
drafts a pack from a sample of the site's documents, and pass 2 runs its rules on every
document of the site.

Scan (pass 1, on any worker): per site (the record's ``site``, else its URL's host), the number
of documents and a sample of their texts: the ``learn_sample`` documents with the smallest
digests of id and text. A bottom-k sample: merging two states keeps the same documents whatever
the order, grouping, worker count or Ray partitioning, so what is learned never depends on them.

Seal: a site with at least ``learn_min_docs`` documents gets the draft that
:func:`cleaner.authoring.suggest.suggest` writes from its sample, at ``learn_share`` percent
(header and footer cuts, recurring lines, lines that differ only in their numbers
(:mod:`cleaner.authoring.shapes`) and spans; no field rules: the records' fields are set). Any
rule that would touch a line inside a run of long paragraphs
(:func:`cleaner.authoring.mining.body_runs`) on a sampled document (for a cut: whose marker line
is inside one) is written commented out and not run: a line that is article text somewhere is
never learned. So are the other rules the miner doubts, except whole-line rules (and, with
``trust_shapes``, shapes that repeat on a page: whole-line patterns whose every variant on every
sampled page was checked): for those the body runs are the stronger evidence (the miner's doubt
comes from its estimate of each page's article window, which takes in the short lines between
paragraphs: "Story highlights", "ADVERTISEMENT").

In place of the generic line model (:mod:`cleaner.stages.learnalt`): the samples are the texts
of each document cleaned without the model, and a site whose pack has at least
``learn_model_rules`` live rules gets its documents' clean without the model in pass 2, its
pack saying ``disable_generic``.

Apply (pass 2): the live rules run on the record's lines as a site pack's chrome rules do
(unless they would leave nothing); each rule that changed the text is named in ``rules`` as
``learned/<site>/<rule id>``, and the stage in ``steps``. The rules are fixpoints, so applying
again changes nothing. The packs are written to ``learned-rules/<site>.yaml`` in the output
folder: what ran, with counts and real examples, ready to review and copy into ``rules/sites/``.

Memory: a scan holds at most ``learn_sample`` texts per site of its batch. The run's merged
state is spilled to its work folder (:mod:`cleaner.stages.learnspill`) and sealed a partition of
sites at a time, so memory does not grow with the number of sites; sealed, the state holds the
packs' YAML (sites that learned something) and compiles at most :data:`COMPILED` of them at
once. Without a spill folder (the Python API on its own) the merged state stays in memory.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.authoring.draft import CUTS, Candidate, Draft, make_rule, render
from cleaner.authoring.mining import body_runs
from cleaner.authoring.suggest import normalise_domain, prepare, suggest
from cleaner.engine.kinds.base import CHROME
from cleaner.engine.kinds.lines import DropLine
from cleaner.engine.kinds.spans import StripSpan
from cleaner.engine.load import Rule, load_pack_text
from cleaner.engine.regex import matched_lines
from cleaner.engine.ruleset import RuleGroup, run_chrome
from cleaner.errors import CleanerError
from cleaner.io.readers import Item
from cleaner.stages import Drop
from cleaner.stages.learnalt import ALT, clean_without, model_packs, resume_step, site_of
from cleaner.stages.learnspill import SPILL_MAGIC, LearnSpill, Site
from cleaner.steps.normalize import count_spaced_words, normalize_lines
from cleaner.words import count_words, has_cjk

_MAGIC = "cleaner-learn-chrome-2"
COMPILED = 256  # sites whose compiled rules a process keeps (records come in any site order)


def _key(record: dict[str, Any]) -> str:
    data = f"{record['id']}\0{record['text']}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass
class LearnState:
    """Per site: documents and sample (while scanning); after ``seal``, ``packs`` (site -> the
    learned pack's YAML) and ``sizes`` (site -> documents, sampled, live rules)."""

    sample: int
    sites: dict[str, Site] = field(default_factory=dict)
    packs: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    compiled: dict[str, RuleGroup] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # Compiled rules stay in the process that built them (RE2 objects do not pickle).
        return {**self.__dict__, "compiled": {}}

    def add(self, site: str, record: dict[str, Any]) -> None:
        record = record.get(ALT) or record  # the text without the line model, when it differs
        key = _key(record)
        self.sites.setdefault(site, Site()).merge(Site(1, {key: record["text"]}), self.sample)

    def merge(self, other: LearnState) -> LearnState:
        for site, theirs in other.sites.items():
            self.sites.setdefault(site, Site()).merge(theirs, self.sample)
        return self

    def to_bytes(self) -> bytes:
        data = {
            "magic": _MAGIC,
            "sites": {s: [site.n, sorted(site.docs.items())] for s, site in self.sites.items()},
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes, sample: int) -> LearnState:
        try:
            obj = json.loads(data)
            if obj.get("magic") != _MAGIC:
                raise ValueError
            state = cls(sample)
            for s, (n, docs) in obj["sites"].items():
                state.sites[s] = Site(int(n), {str(k): str(t) for k, t in docs})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CleanerError(
                "a saved learn-chrome state is damaged (run again without --resume)"
            ) from exc
        return state

    def group(self, site: str) -> RuleGroup | None:
        """The site's live chrome rules, compiled once per process while they are among the
        :data:`COMPILED` sites used last."""
        yaml = self.packs.get(site)
        if yaml is None:
            return None
        group = self.compiled.pop(site, None)
        if group is None:
            group = RuleGroup(_chrome(load_pack_text(yaml, _pack_path(site)).rules))
        self.keep(site, group)
        return group

    def keep(self, site: str, group: RuleGroup) -> None:
        """Note ``group`` as the site's compiled rules, the most recently used."""
        if site not in self.compiled and len(self.compiled) >= COMPILED:
            del self.compiled[next(iter(self.compiled))]  # the least recently used
        self.compiled[site] = group  # last: the most recently used


def _pack_path(site: str) -> str:
    return f"learned-rules/{_file_name(site)}.yaml"


def _chrome(rules: Iterable[Rule]) -> list[Rule]:
    return [r for r in rules if r.kind.phase == CHROME]


def _touches_body(
    rule: Rule, pages: list[list[str]], bodies: list[Counter[str]], body_lines: list[str]
) -> bool:
    """Whether the rule removes or changes a line inside a body run of some page.

    ``body_lines``: the distinct lines of all body runs. A line rule that matches lines by a
    line-local regex (:func:`_may_change`) can only touch the pages holding a body line the
    regex matches, so only those pages are run."""
    group = [RuleGroup([rule])]
    suspects = _may_change(rule, body_lines)
    for lines, body in zip(pages, bodies, strict=True):
        if not body or (suspects is not None and suspects.isdisjoint(body)):
            continue
        out, _ = run_chrome(group, lines)
        if out == lines:  # nothing removed
            continue
        left = Counter(out)
        if any(left[line] < n for line, n in body.items()):
            return True
    return False


def _may_change(rule: Rule, lines: list[str]) -> set[str] | None:
    """Of ``lines``, a superset of those the rule can remove or change on any page: the lines
    its regex matches, for ``drop_line`` (no ``followed_by``: that drops the next line too)
    and ``strip_span`` with a line-local regex. Both change only lines the regex matches
    (position guards and ``max_words`` only narrow that), and a line they leave is left in
    every later round. None: any line, for the other kinds."""
    kind = rule.kind
    if isinstance(kind, DropLine):
        if kind.followed_by is not None:
            return None
    elif not isinstance(kind, StripSpan):
        return None
    regex = kind.regex
    if not regex.line_local:
        return None
    return matched_lines(regex, lines)


REPEATS = 2  # lines a page, on average, of a doubted shape that runs (see _repeated_shape)


def _repeated_shape(c: Candidate) -> bool:
    """Whether ``c`` is a shape (lines that differ only in their numbers: a whole-line pattern
    in the ``lines`` section) that comes :data:`REPEATS` times a page on average. A shape the
    miner doubts sits in its estimate of the article window; once a page there it is the
    article's own line (its headline, its dateline), repeated it is a list's (comments' stamps
    and numbers, tickers)."""
    return c.section == "lines" and "pattern" in c.options and c.hits >= REPEATS * c.pages


def _without_body_lines(c: Candidate, bodies: list[Counter[str]]) -> bool:
    """Take the lines found inside a body run out of a ``drop_line`` block, its examples
    rerun; False when none is left."""
    bad = {line for line in c.options["lines"] if any(line in body for body in bodies)}
    if not bad:
        return True
    kept = [line for line in c.options["lines"] if line not in bad]
    if not kept:
        return False
    c.options = {**c.options, "lines": kept}
    c.line_pages = {line: c.line_pages[line] for line in kept}
    group = [RuleGroup([make_rule(c.id, c.kind, c.options)])]
    examples = []
    for text_in, _ in c.examples:
        out, _ = run_chrome(group, normalize_lines(text_in))
        examples.append((text_in, "\n".join(out)))
    c.examples = examples
    return True


class LearnChrome:
    """The corpus stage behind ``--learn-chrome`` (see the module docstring)."""

    name = "learn-chrome"
    drops = ""  # it drops nothing: no side file

    def __init__(
        self,
        min_docs: int,
        share: int,
        sample: int,
        model_rules: int = 0,
        trust_shapes: bool = True,
    ) -> None:
        self.min_docs = min_docs
        self.share = share
        self.sample = sample
        # A site whose pack has at least this many live rules is cleaned without the generic
        # line model (0: never); see :mod:`cleaner.stages.learnalt`.
        self.model_rules = model_rules
        # Whether a doubted shape (lines that differ only in their numbers, repeated on a page)
        # that touches no body run runs, as a doubted block of whole lines does (chosen leaving one
        # ctf site out: bench/results/learn-chrome.txt).
        self.trust_shapes = trust_shapes
        self.model: tuple[str, ...] = ()  # the line model's generic packs (``bind``)
        # The step before which pass 1 keeps each document for ``companion`` (``bind``).
        self.keep: str | None = None
        self.spill: Path | None = None

    def bind(self, cleaner: Any) -> None:
        """The run's cleaner, before pass 1: which generic packs run the line model."""
        self.model = model_packs(cleaner) if self.model_rules else ()
        self.keep = resume_step(cleaner, self.model)

    def companion(self, cleaner: Any, item: Item, record: dict[str, Any], kept: Any = None) -> Any:
        """Pass 1, where the document was cleaned (``kept``: as it stood before the step
        :attr:`keep`): its record without the line model, kept beside the first (None when the
        same or not needed)."""
        return clean_without(cleaner, item, record, self.model, kept)

    def model_off(self, site: str, state: LearnState) -> bool:
        """Whether the site's learned rules replace the line model (enough of them)."""
        return bool(self.model) and state.sizes.get(site, (0, 0, 0))[2] >= self.model_rules

    def empty(self) -> LearnState:
        return LearnState(self.sample)

    def scan(self, records: Iterable[dict[str, Any]]) -> LearnState:
        state = self.empty()
        for record in records:
            site = site_of(record)
            if site is not None:
                state.add(site, record)
        return state

    def spill_to(self, folder: Path) -> None:
        """Merge the scans into files in ``folder`` (:mod:`cleaner.stages.learnspill`), not in
        memory: the run's engines call this with their work folder."""
        self.spill = folder / "learn"

    def spilled(self) -> LearnSpill:
        """The empty merged state of a run, on disk in the folder of :meth:`spill_to`."""
        if self.spill is None:
            raise CleanerError("learn-chrome: spilled() before spill_to()")  # pragma: no cover
        return LearnSpill(self.spill, self.sample)

    def load(self, data: bytes) -> Any:
        if data.startswith(SPILL_MAGIC):
            return LearnSpill.from_bytes(data, self.spill, self.sample)
        return LearnState.from_bytes(data, self.sample)

    def seal(self, state: LearnState | LearnSpill) -> LearnState:
        sealed = self.empty()
        sites = state.sites() if isinstance(state, LearnSpill) else sorted(state.sites.items())
        for name, site in sites:
            texts = [site.docs[k] for k in sorted(site.docs)]
            draft = self._learn(name, texts) if site.n >= self.min_docs else None
            yaml, live = None, 0
            if draft is not None:
                # Parsed once, as the pack that says disable_generic (the same rules either
                # way); its compiled rules are kept for apply in this process.
                kept = draft.disable_generic
                draft.disable_generic = self.model or kept
                yaml = render(draft)
                rules = _chrome(load_pack_text(yaml, _pack_path(name)).rules)
                live = len(rules)
                if self.model and live < self.model_rules:
                    draft.disable_generic = kept
                    yaml = render(draft)
                elif live:
                    sealed.keep(name, RuleGroup(rules))
            sealed.sizes[name] = (site.n, len(texts), live)
            if yaml is not None and live:
                sealed.packs[name] = yaml
        return sealed

    def _learn(self, site: str, texts: list[str]) -> Draft | None:
        """The draft for one site's sample, with the rules that touch a body run held back."""
        pages = [p for p in prepare(texts) if p]
        try:
            domain = normalise_domain(site)
            draft = suggest(
                domain,
                texts,
                share=self.share / 100,
                with_fields=False,
                with_shapes=True,
                pages=pages,
                check=False,  # the seal loads the pack it renders
            )
        except ValueError:  # not a domain, or fewer than 3 texts
            return None
        draft.candidates = [c for c in draft.candidates if c.section != "fields"]
        bodies = [Counter(p[i] for i in body_runs(p)) for p in pages]
        body_lines = sorted({line for body in bodies for line in body})
        for c in draft.candidates:
            if c.section in CUTS:
                # A cut's marker is the line learned; what lies beyond it the miner already
                # judged from each page's estimated article text.
                touched = any(c.options["line"] in body for body in bodies)
            elif "lines" in c.options:  # a block of lines: only the ones in a body run go
                touched = not _without_body_lines(c, bodies)
            else:
                # Live or doubted (a doubted whole-line rule may be trusted below).
                rule = make_rule(c.id, c.kind, c.options)
                touched = _touches_body(rule, pages, bodies, body_lines)
            if touched:
                c.confidence = 0.0  # written commented out, for review, never run
            elif c.doubted and "lines" in c.options:
                # Whole lines, none ever inside a body run (see the module docstring).
                c.trusted = "never inside a body run"
            elif self.trust_shapes and c.doubted and _repeated_shape(c):
                # Every variant on every sampled page was run above: none inside a body run.
                c.trusted = "never inside a body run"
        return draft

    def apply(self, record: dict[str, Any], state: LearnState) -> dict[str, Any] | Drop:
        alt = record.pop(ALT, None)  # pass 1's clean without the line model, if it differs
        site = site_of(record)
        group = state.group(site) if site is not None else None
        if site is None or group is None:
            return record
        base = alt if alt is not None and self.model_off(site, state) else record
        lines, edits = run_chrome([group], normalize_lines(base["text"]))
        text = "\n".join(lines)
        if not edits or text == base["text"] or not text.strip():
            return base  # nothing learned here, or nothing would be left: kept as it is
        record = base
        pack = f"learned/{site}"
        entries = [
            {
                "rule": f"{pack}/{e.rule}",
                "pack": pack,
                "removed_chars": e.removed_chars,
                "edits": e.edits,
            }
            for e in edits
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

    # -- keyed (Ray): what is learned depends on no order, so the verdicts are the same ------

    def scan_keyed(self, pairs: Iterable[tuple[int, dict[str, Any]]]) -> LearnState:
        return self.scan(record for _, record in pairs)

    def load_keyed(self, data: bytes) -> Any:
        return self.load(data)

    def seal_keyed(self, state: LearnState | LearnSpill) -> LearnState:
        return self.seal(state)

    def apply_keyed(
        self, record: dict[str, Any], key: int, state: LearnState
    ) -> dict[str, Any] | Drop:
        return self.apply(record, state)

    # -- the learned packs, for review ---------------------------------------------------------

    def files(self, state: LearnState) -> dict[str, str]:
        """``learned-rules/<site>.yaml`` for each site that learned something, and a
        ``learned-rules/README.txt`` that says what each site learned or why not."""
        out: dict[str, str] = {}
        notes = [
            f"Learned by `cleaner run --learn-chrome` (learn_min_docs {self.min_docs}, "
            f"learn_share {self.share}%, learn_sample {self.sample}).",
            "site\tdocuments\tsampled\tlive rules",
        ]
        for site, (n, sampled, live) in sorted(state.sizes.items()):
            why = "" if n >= self.min_docs else f" (fewer than {self.min_docs} documents)"
            notes.append(f"{site}\t{n}\t{sampled}\t{live}{why}")
            if site in state.packs:
                head = (
                    f"# Learned by `cleaner run --learn-chrome` from {sampled} of the {n} "
                    f"documents of {site};\n# records name these rules learned/{site}/<id>.\n"
                )
                out[f"{_file_name(site)}.yaml"] = head + state.packs[site]
        out["README.txt"] = "\n".join(notes) + "\n"
        return out


def _file_name(site: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", site.lower()).strip("-.") or "site"
