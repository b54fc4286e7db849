"""``cleaner explain``: what the pipeline did to one article, step by step.

Which packs matched and why, every rule that acted (in order, with a line diff), each field with
the rule that produced it, and the final record or reject. The article goes through the same
``Cleaner.clean`` as a run; a tracer only listens.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from cleaner.engine.kinds import Boilerplate
from cleaner.engine.load import Rule
from cleaner.pipeline import Cleaner, Outcome
from cleaner.record import RawArticle, Record


@dataclass(frozen=True)
class DiffLine:
    op: str  # "-" removed, "+" added (a changed line shows as - then +)
    line: int  # 1-based line number: in the text before the rule for "-", after it for "+"
    text: str


@dataclass(frozen=True)
class LineScore:
    line: int  # 1-based, in the text before the rule
    score: float  # chrome score, 0..1
    text: str
    removed: bool


@dataclass(frozen=True)
class Step:
    rule: Rule
    round: int
    removed_chars: int
    diff: tuple[DiffLine, ...]
    # A scoring rule (boilerplate): every non-blank line's score on the text it was given.
    scores: tuple[LineScore, ...] = ()


@dataclass(frozen=True)
class Extraction:
    rule: Rule
    value: str
    used: bool


@dataclass
class Trace:
    """A tracer that keeps every step (for one article: its size is bounded by the article)."""

    steps: list[Step] = field(default_factory=list)
    extractions: list[Extraction] = field(default_factory=list)

    def chrome(self, rule: Rule, round_no: int, before: list[str], after: list[str]) -> None:
        removed = sum(map(len, before)) - sum(map(len, after))
        diff = tuple(line_diff(before, after))
        self.steps.append(Step(rule, round_no, removed, diff, line_scores(rule, before, diff)))

    def extract(self, rule: Rule, value: str, used: bool) -> None:
        self.extractions.append(Extraction(rule, value, used))


def line_diff(before: list[str], after: list[str]) -> list[DiffLine]:
    """The non-blank lines a rule removed or changed, numbered as a reader counts lines."""
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        out += [DiffLine("-", i + 1, before[i]) for i in range(i1, i2) if before[i]]
        out += [DiffLine("+", j + 1, after[j]) for j in range(j1, j2) if after[j]]
    return out


def line_scores(rule: Rule, before: list[str], diff: tuple[DiffLine, ...]) -> tuple[LineScore, ...]:
    """Each line's score when the rule scores lines (only ``boilerplate`` does). The rule
    scores again after each drop, so a line can go with a first score under the threshold."""
    if not isinstance(rule.kind, Boilerplate):
        return ()
    gone = {d.line for d in diff if d.op == "-"}
    return tuple(
        LineScore(i, round(score, 3), before[i - 1], i in gone)
        for i, score in enumerate(rule.kind.scores(before), start=1)
        if score is not None
    )


@dataclass
class Explanation:
    article: RawArticle
    outcome: Outcome
    trace: Trace

    def packs(self) -> list[dict[str, str]]:
        sel = self.outcome.selection
        if sel is None:
            return []
        return [{"pack": name, "why": sel.reasons.get(name, "")} for name in sel.packs]

    def changed_by_step(self) -> list[dict[str, Any]]:
        """The record's ``steps``: each pipeline step that changed the text."""
        result = self.outcome.result
        record = result.to_dict() if isinstance(result, Record) else result.record or {}
        return list(record.get("steps", []))

    def to_dict(self) -> dict[str, Any]:
        result = self.outcome.result
        return {
            "id": self.article.id,
            "source": self.article.source,
            "site": self.outcome.selection.site if self.outcome.selection else None,
            "packs": self.packs(),
            "steps": [
                {
                    "rule": s.rule.id,
                    "pack": s.rule.pack,
                    "kind": s.rule.kind_name,
                    "round": s.round,
                    "removed_chars": s.removed_chars,
                    "diff": [{"op": d.op, "line": d.line, "text": d.text} for d in s.diff],
                    **(
                        {
                            "scores": [
                                {"line": x.line, "score": x.score, "removed": x.removed}
                                for x in s.scores
                            ]
                        }
                        if s.scores
                        else {}
                    ),
                }
                for s in self.trace.steps
            ],
            "fields": [
                {
                    "field": getattr(e.rule.kind, "field", None),
                    "value": e.value,
                    "rule": e.rule.id,
                    "used": e.used,
                }
                for e in self.trace.extractions
            ],
            "record" if isinstance(result, Record) else "reject": result.to_dict(),
        }


def explain(cleaner: Cleaner, article: RawArticle) -> Explanation:
    trace = Trace()
    outcome = cleaner.clean(article, tracer=trace)
    return Explanation(article, outcome, trace)


# --- text rendering -----------------------------------------------------------------------

_COLOURS = {"-": "\x1b[31m", "+": "\x1b[32m", "head": "\x1b[1m", "dim": "\x1b[2m"}
_RESET = "\x1b[0m"


def render_text(ex: Explanation, *, colour: bool = False, max_lines: int = 20) -> str:
    """A report for people; ``max_lines`` caps each rule's diff (0: no cap)."""

    def paint(kind: str, text: str) -> str:
        return f"{_COLOURS[kind]}{text}{_RESET}" if colour else text

    out = [paint("head", f"article {ex.article.id}") + f"  ({ex.article.source})"]
    sel = ex.outcome.selection
    if sel is None:
        out.append("  not cleaned: the input could not be decoded")
    else:
        out += ["", paint("head", "packs"), f"  site: {sel.site or '(none)'}"]
        site_packs = [p for p in ex.packs() if p["why"] != "generic"]
        out += [f"  {p['pack']}: {p['why']}" for p in site_packs]
        if not site_packs:
            out.append("  no site pack matched (no URL domain or fingerprint of a site pack)")
        generic = [p["pack"] for p in ex.packs() if p["why"] == "generic"]
        if generic:
            out.append(f"  generic: {', '.join(generic)}")
    changed = ex.changed_by_step()
    out += ["", paint("head", "steps that changed the text (cleaner steps lists them all)")]
    out += [f"  {s['step']}: {s['removed_chars']} chars removed" for s in changed] or ["  none"]
    out += ["", paint("head", f"rules that acted, in order ({len(ex.trace.steps)})")]
    if not ex.trace.steps:
        out.append("  none")
    for n, step in enumerate(ex.trace.steps, start=1):
        out.append(
            f"  {n}. {step.rule.id} ({step.rule.kind_name}, pack {step.rule.pack}, "
            f"round {step.round}): {step.removed_chars} chars removed"
        )
        shown = step.diff if max_lines <= 0 else step.diff[:max_lines]
        for d in shown:
            out.append(paint(d.op, f"     {d.op} {d.line:>4}: {d.text}"))
        if len(shown) < len(step.diff):
            out.append(paint("dim", f"     ... {len(step.diff) - len(shown)} more lines"))
        if step.scores:
            out.append(f"     chrome score of each line (drops at {_threshold(step)}):")
            for x in step.scores:
                op = "-" if x.removed else " "
                text = f"     {op} {x.line:>4}: {x.score:.3f}  {x.text}"
                out.append(paint("-", text) if x.removed else text)
    out += ["", paint("head", "fields")]
    if not ex.trace.extractions:
        out.append("  none extracted")
    for e in ex.trace.extractions:
        name = getattr(e.rule.kind, "field", "?")
        note = "" if e.used else "  (not used: an earlier rule gave this field)"
        out.append(f"  {name} = {e.value!r}  from {e.rule.id}{note}")
    result = ex.outcome.result
    if isinstance(result, Record):
        out += ["", paint("head", "record"), *_record_lines(result.to_dict())]
    else:
        out += ["", paint("head", "reject")]
        out += [f"  {r.code}: {r.message}" for r in result.reasons]
        if result.record is not None:
            out += _record_lines(result.record)
    return "\n".join(out) + "\n"


def _threshold(step: Step) -> str:
    kind = step.rule.kind
    return f"{kind.threshold:.2f}" if isinstance(kind, Boilerplate) else "?"


def _record_lines(record: dict[str, Any]) -> list[str]:
    """Each field on its own line, the text last and as lines, as a reader checks it."""
    out = [
        f"  {key}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in record.items()
        if key != "text"
    ]
    out.append("  text:")
    out += [f"    {line}" for line in str(record.get("text", "")).split("\n")]
    return out
