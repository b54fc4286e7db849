"""Counting one batch into a :class:`RunAggregate`, with the before/after windows of the rule
samples it keeps.

A window is made only for the few articles a batch keeps as samples (per rule, the smallest
hashes of the id): the article is cleaned again with a tracer (as ``cleaner explain`` does),
and the lines the rule removed or changed are cut to a short window. The batch's samples are a
superset of the run's, so the run's samples are the same whatever the batching.
"""

from __future__ import annotations

from collections.abc import Iterable

from cleaner.authoring.explain import explain
from cleaner.engine.kinds.base import CHROME
from cleaner.pipeline import Cleaner, Outcome
from cleaner.record import RawArticle, Record, Reject
from cleaner.report.aggregate import WINDOW_CHARS, WINDOW_LINES, RunAggregate, site_of

Counted = tuple[RawArticle | Reject, Outcome | Reject]


def count(agg: RunAggregate, item: RawArticle | Reject, counted: Outcome | Reject) -> None:
    if isinstance(counted, Reject):  # unreadable, or an internal error: no outcome
        url = item.url if isinstance(item, RawArticle) else None
        reasons = [(r.code, r.message) for r in counted.reasons]
        agg.add_reject(counted.id, site_of(None, url), 0, reasons, [], counted.source)
        return
    edits = [(e.rule, e.edits) for e in counted.edits]
    result = counted.result
    if isinstance(result, Record):
        agg.add_record(result.id, site_of(result.site, result.url), counted.chars_in, result, edits)
        for e in counted.edits:
            if agg.wants_sample(e.rule, result.id):
                agg.add_rule_sample(e.rule, result.id, result.site or "", [])
    else:
        url = item.url if isinstance(item, RawArticle) else None
        site = item.site if isinstance(item, RawArticle) else None
        reasons = [(r.code, r.message) for r in result.reasons]
        agg.add_reject(
            result.id, site_of(site, url), counted.chars_in, reasons, edits, result.source
        )
        if all(r.field == "quality" for r in result.reasons):  # the quality step's reject
            agg.filtered += 1


def fill_windows(agg: RunAggregate, cleaner: Cleaner, items: Iterable[RawArticle]) -> None:
    """Make the windows of the samples this batch kept (``items``: the batch's articles)."""
    # Only a line rule's work shows as a window (the tracer sees the chrome rounds); the HTML
    # phase's rules keep their sample without one, and cost no second cleaning.
    wanted = {
        s[1]
        for rule, samples in agg.rule_samples.items()
        if _is_line_rule(cleaner, rule)
        for s in samples
        if not s[3]
    }
    if not wanted:
        return
    windows: dict[str, dict[str, list[list[str]]]] = {}
    for item in items:
        if item.id in wanted and item.id not in windows:
            windows[item.id] = _windows(cleaner, item)
    for rule, samples in agg.rule_samples.items():
        for sample in samples:
            if not sample[3]:
                sample[3] = windows.get(sample[1], {}).get(rule, [])


def _is_line_rule(cleaner: Cleaner, rule_id: str) -> bool:
    rule = cleaner.rules.rules.get(rule_id)
    return rule is not None and rule.kind.phase == CHROME


def _windows(cleaner: Cleaner, item: RawArticle) -> dict[str, list[list[str]]]:
    """Per rule, the first lines it removed ("-") or wrote in their place ("+")."""
    try:
        trace = explain(cleaner, item).trace
    except Exception:  # the run counted this article already; a sample is not worth a stop
        return {}
    out: dict[str, list[list[str]]] = {}
    for step in trace.steps:
        lines = out.setdefault(step.rule.id, [])
        for d in step.diff:
            if len(lines) < WINDOW_LINES:
                lines.append([d.op, d.text[:WINDOW_CHARS]])
    return out
