"""What the document pipeline is made of: the ``Doc`` a step takes and gives back, the ``Step``
protocol, the one fixpoint loop, and the per-step account a record carries.

A step is pure: it returns a new ``Doc`` (or the same one, when it has nothing to do) or a
``Reject``, and reads or writes no file. The runner, not the step, notes which step changed the
text and by how many characters, so no step can forget to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cleaner.config import Config
from cleaner.engine.rounds import Rounds
from cleaner.engine.ruleset import ChromePhase, Edit, RuleSet, Selection, Tracer
from cleaner.html.extract import HtmlText
from cleaner.quality.filters import QualityFilters
from cleaner.record import RawArticle, Reason, Record, Reject
from cleaner.steps.language import Detector
from cleaner.steps.validate import Validator


@dataclass(frozen=True)
class PageResult:
    """A page's article text before the text rules, with its selection (see html_text)."""

    html: HtmlText
    selection: Selection


class Context(Protocol):
    """What the steps read from the cleaner that runs them (``cleaner.pipeline.Cleaner``).

    Declared here, so that the steps depend on what they use and not on the module that
    assembles them."""

    rules: RuleSet
    config: Config
    detector: Detector
    validator: Validator
    site_packs: frozenset[str]
    quality: QualityFilters | None

    def repair_checked(
        self,
        text: str,
        settled: set[str] | None = None,
        lines: list[str] | None = None,
        clean: set[str] | None = None,
        data: bytes | None = None,
    ) -> tuple[str, list[str], bool]: ...

    def html_text(
        self, html: str, url: str | None = None, site: str | None = None
    ) -> PageResult: ...


@dataclass(frozen=True)
class Doc:
    """One article on its way through the steps. Frozen: a step that changes it returns a copy."""

    raw: RawArticle
    ctx: Context = field(compare=False)  # the compiled rules and settings the steps use
    text: str | None = None  # None until decoded; for a page, its HTML until extraction
    chars_in: int = 0
    encoding: str = "utf-8"
    encoding_from: str | None = None  # how a page's charset was chosen
    page: HtmlText | None = None
    selection: Selection | None = None
    fields: dict[str, str] = field(default_factory=dict)
    fields_from: dict[str, str] = field(default_factory=dict)
    edits: tuple[Edit, ...] = ()
    repairs: tuple[str, ...] = ()
    changed: tuple[tuple[str, int], ...] = ()  # (step, chars removed) per step that changed text
    url: str | None = None
    canonical_url: str | None = None
    extractor: str | None = None
    lang: str | None = None
    lang_score: float | None = None
    record: Record | None = None
    # Working state, not document state: who listens (explain), the fixpoint's round, the
    # lines repair knows ftfy leaves alone (and those it found clean) and the chrome rules'
    # memo (caches shared by the rounds of one document).
    tracer: Tracer | None = field(default=None, compare=False)
    round: int = field(default=1, compare=False)
    settled: set[str] = field(default_factory=set, compare=False)
    clean: set[str] = field(default_factory=set, compare=False)  # lines repair found clean
    chrome: ChromePhase | None = field(default=None, compare=False, repr=False)
    # The text's lines, when a step has them at hand (splitting a long text again costs more
    # than most steps): ``but`` drops them whenever the text changes without them.
    line_cache: list[str] | None = field(default=None, compare=False, repr=False)
    # A text the normalise step would leave as it is (the very object: a changed text is a new
    # one), so the step need not look again.
    normal: str | None = field(default=None, compare=False, repr=False)
    # Likewise a text repair (and scrub) would leave as it is: the repair step need not look.
    repaired: str | None = field(default=None, compare=False, repr=False)
    # The text and its UTF-8, which the rule sets scan (kept with the very text it encodes).
    utf8_cache: tuple[str, bytes | None] | None = field(default=None, compare=False, repr=False)
    # A copy of the document kept on the way, to run the rest of the steps on it again (see
    # ``keep``): the step it is kept before, the copy, and, in the copy, where it stands.
    keep: str | None = field(default=None, compare=False)
    kept: Doc | None = field(default=None, compare=False, repr=False)
    stands: Stand | None = field(default=None, compare=False)

    def but(self, **changes: Any) -> Doc:
        """A copy with ``changes``. Copies the instance dict: ``dataclasses.replace`` goes
        through ``__init__`` and its field checks, which costs more than most steps do."""
        if not _FIELDS.issuperset(changes):
            unknown = changes.keys() - _FIELDS
            raise TypeError(f"Doc has no field {', '.join(sorted(unknown))}")
        # A dict copied whole (sized once), then set as the copy's own: filling an empty one
        # key by key grows it three times over. ``dict()``, not ``.copy()``: a copy of an
        # instance's shared-key (split) dict stays split, and CPython's attribute fast paths
        # refuse a split dict set as ``__dict__``, so every ``doc.x`` of such a copy would take
        # the slow generic lookup (tests/test_doc_copy.py).
        values = dict(self.__dict__)
        if "text" in changes and "line_cache" not in changes:
            values["line_cache"] = None
        values.update(changes)
        new = object.__new__(Doc)
        object.__setattr__(new, "__dict__", values)
        return new

    @property
    def lines(self) -> list[str]:
        """The text as the rules see it: normalised text joins its lines with single breaks.
        Callers must not change the list (it is shared with the steps after them)."""
        if self.line_cache is None:
            lines = self.text.split("\n") if self.text else []
            object.__setattr__(self, "line_cache", lines)  # a cache of the frozen text
            return lines
        return self.line_cache

    @property
    def utf8(self) -> bytes | None:
        """The text's UTF-8, encoded once for the steps that scan it; None when the text holds
        a lone surrogate (before repair), which the scanners then take as a str."""
        cache = self.utf8_cache
        if cache is not None and cache[0] is self.text:
            return cache[1]
        try:
            data = self.text.encode("utf-8") if self.text is not None else None
        except UnicodeEncodeError:
            data = None
        object.__setattr__(self, "utf8_cache", (self.text, data))  # a cache of the frozen text
        return data


_FIELDS = frozenset(f.name for f in dataclasses.fields(Doc))


@dataclass(frozen=True)
class Stand:
    """Where a kept copy stands: before the step ``step`` (in a fixpoint: in its first round,
    after ``quiet`` steps in a row that left the text as it was)."""

    step: str
    quiet: int = 0


def _keep(doc: Doc, stand: Stand, changed: tuple[tuple[str, int], ...]) -> Doc:
    """``doc`` holding a copy of itself as it stands (once: the copy is made the first time)."""
    copy = doc.but(
        keep=None,
        kept=None,
        stands=stand,
        changed=changed,
        # Its own working sets: the rest of this clean adds to them.
        settled=set(doc.settled),
        clean=set(doc.clean),
    )
    return doc.but(keep=None, kept=copy)


class Step(Protocol):
    """One step of the pipeline; its docstring's first line is what ``cleaner steps`` shows."""

    @property
    def name(self) -> str: ...

    def __call__(self, doc: Doc) -> Doc | Reject: ...


def reject(doc: Doc, *reasons: Reason, record: dict[str, object] | None = None) -> Reject:
    """The reject of ``doc`` for ``reasons`` (with the record it would have been, if made)."""
    return Reject(doc.raw.id, doc.raw.source, reasons, record)


def summary(step: Step) -> str:
    """The first line of the step's docstring."""
    return (type(step).__doc__ or "").strip().splitlines()[0]


def describe(steps: Sequence[Step], depth: int = 0) -> list[tuple[int, str, str]]:
    """(depth, name, summary) of each step in order, a fixpoint's own steps one level deeper:
    what ``cleaner steps`` and docs/pipeline.md show."""
    out: list[tuple[int, str, str]] = []
    for step in steps:
        out.append((depth, step.name, summary(step)))
        if isinstance(step, Fixpoint):
            out += describe(step.steps, depth + 1)
    return out


def run(steps: Sequence[Step], doc: Doc) -> tuple[Doc, Reject | None]:
    """Run ``steps`` in order; stop at the first reject, returned beside the ``Doc`` it saw.
    A ``doc.keep`` naming one of them (or one of a fixpoint's) gets the document as it stood
    before it, in ``kept``, for ``resume``."""
    for step in steps:
        if step.name == doc.keep:
            doc = _keep(doc, Stand(step.name), doc.changed)
        out = step(doc)
        if isinstance(out, Reject):
            return doc, out
        if out is not doc and not isinstance(step, Fixpoint):
            out = _account(step.name, doc, out)
        doc = out
    return doc, None


def resume(steps: Sequence[Step], doc: Doc) -> tuple[Doc, Reject | None]:
    """``run`` on a copy ``run`` kept (``doc.stands`` says where): the steps from where it
    stands on, as if the steps before had run again and done what they did."""
    stand = doc.stands
    if stand is None:
        raise ValueError("resume: the document was not kept on the way (no 'stands')")
    doc = doc.but(stands=None)
    for k, step in enumerate(steps):
        if step.name == stand.step:
            return run(steps[k:], doc)
        if isinstance(step, Fixpoint) and stand.step in step.names:
            out = step.resume(doc, stand)
            if isinstance(out, Reject):
                return doc, out
            return run(steps[k + 1 :], out)
    raise ValueError(f"resume: no step '{stand.step}' (valid: {', '.join(names(steps))})")


def names(steps: Sequence[Step]) -> list[str]:
    """The names ``keep`` may take: every step's, a fixpoint's own ones in its place."""
    return [step.name for step in steps] + [
        name for step in steps if isinstance(step, Fixpoint) for name in step.names
    ]


def _account(name: str, before: Doc, after: Doc) -> Doc:
    """Note that step ``name`` changed the text, summed over the rounds of the fixpoint."""
    if before.text is None or after.text is None or after.text == before.text:
        return after
    removed = len(before.text) - len(after.text)
    account = dict(after.changed)
    account[name] = account.get(name, 0) + removed
    return after.but(changed=tuple(account.items()))


@dataclass(frozen=True)
class Fixpoint:
    """Run the steps below in turn, round after round, until none changes the text."""

    name: str
    steps: tuple[Step, ...]
    # A safety bound, not a setting: the loop ends on its own (see ``__call__``), and a text
    # still changing after this many rounds is a reject (``no_fixpoint``), never cut short.
    rounds: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)

    def __call__(self, doc: Doc) -> Doc | Reject:
        return self._rounds(doc, Stand(self.name))

    def resume(self, doc: Doc, stand: Stand) -> Doc | Reject:
        """The loop from a copy kept before its step ``stand.step`` in the first round: the
        steps before it are not run again, and the round goes on as it went."""
        return self._rounds(doc, stand)

    def _rounds(self, doc: Doc, stand: Stand) -> Doc | Reject:
        # Each step is a function of the text (fields and selection only add what earlier
        # rounds did not find), so once every step has seen the text as it now is and left it
        # alone, another round would change nothing: the loop stops there, mid-round if need
        # be. It ends: normalise and the chrome rules only remove characters, and repair
        # (ftfy to its own fixpoint, line by line) changes a line again only when they did.
        schedule = Rounds(len(self.steps), self.rounds)
        if doc.round != 1:
            doc = doc.but(round=1)
        # The account (``_account``'s) is kept here and noted once: no step inside reads it.
        account, noted = dict(doc.changed), False
        # Resumed: the steps before ``start`` ran in the first round of the clean that kept the
        # copy; the schedule hears of the last of them that changed the text (``quiet`` runs
        # before the start), so it goes on as it went then.
        start = self.names.index(stand.step) if stand.step != self.name else 0
        changer = start - 1 - stand.quiet
        quiet = 0  # steps in a row that left the text as it was, for a copy kept in round 1
        for i, round_no in schedule:
            if round_no == 1 and i < start:
                if i == changer:
                    schedule.changed()
                continue
            if round_no != doc.round:
                doc = doc.but(round=round_no)
            step = self.steps[i]
            if doc.keep == step.name and round_no == 1:
                doc = _keep(doc, Stand(step.name, quiet), tuple(account.items()))
            out = step(doc)
            if isinstance(out, Reject):
                return out
            if out is not doc and out.text != doc.text:
                if doc.text is not None and out.text is not None:
                    removed = len(doc.text) - len(out.text)
                    account[step.name] = account.get(step.name, 0) + removed
                    noted = True
                schedule.changed()
                quiet = 0
            else:
                quiet += 1
            doc = out
        if noted:
            doc = doc.but(changed=tuple(account.items()))
        return doc if schedule.settled else _unsettled(self, doc)


def _unsettled(fix: Fixpoint, doc: Doc) -> Reject:
    changed = ", ".join(name for name, _ in doc.changed) or "none"
    return Reject(
        doc.raw.id,
        doc.raw.source,
        (
            Reason(
                "no_fixpoint",
                f"the text still changed after {fix.rounds} rounds of the '{fix.name}' step "
                f"(steps that changed it: {changed}): cleaning the output again would change "
                "it, so it is not written",
            ),
        ),
    )


def flatten(steps: Sequence[Step]) -> list[Step]:
    """Every step, the fixpoint's own ones in its place: the order in which they first run."""
    out: list[Step] = []
    for step in steps:
        out += flatten(step.steps) if isinstance(step, Fixpoint) else [step]
    return out
