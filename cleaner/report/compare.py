"""``cleaner report --compare``: how a run differs from an earlier one, and ``--fail-on``
conditions that make CI fail on a regression.

A condition is ``METRIC OP NUMBER`` (``written_pct<-2``, ``rule:share-widgets:removed_pts>10``):
each metric is declared once in :data:`METRICS` (its words for ``--help`` and for the error a
wrong name gets), and every metric is a change from the earlier run to this one, read from the
two ``summary.json`` files. ``_pct`` metrics are relative changes in percent; ``_pts`` metrics
are changes of a share, in percentage points.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cleaner.errors import CleanerError

Summary = dict[str, Any]


def _pct(old: float, new: float) -> float:
    if old == 0:
        return 0.0 if new == 0 else 100.0
    return (new - old) / old * 100.0


def _share(part: float, whole: float) -> float:
    return part / whole * 100.0 if whole else 0.0


def _removed(s: Summary) -> float:
    return _share(s["chars_in"] - s["chars_out"], s["chars_in"])


def _rule(s: Summary, rule: str, key: str) -> float:
    return float(s.get("rules", {}).get(rule, {}).get(key, 0))


def _count(key: str) -> Callable[[Summary, Summary], float]:
    return lambda old, new: _pct(old.get(key, 0), new.get(key, 0))


def _reject_rate(s: Summary) -> float:
    return _share(s["rejects_written"], s["articles_read"])


@dataclass(frozen=True)
class Metric:
    help: str
    value: Callable[..., float]  # (old, new) or, with a parameter, (old, new, name)
    param: str | None = None  # the part between the colons: a rule id, a reason code


METRICS: dict[str, Metric] = {
    "read_pct": Metric("change of articles read, %", _count("articles_read")),
    "written_pct": Metric("change of records written, %", _count("records_written")),
    "rejected_pct": Metric("change of rejects written, %", _count("rejects_written")),
    "duplicates_pct": Metric("change of duplicates dropped, %", _count("duplicates_written")),
    "chars_out_pct": Metric("change of characters written, %", _count("chars_out")),
    "rejects_pts": Metric(
        "change of the share of articles rejected, points",
        lambda old, new: _reject_rate(new) - _reject_rate(old),
    ),
    "removed_pts": Metric(
        "change of the share of characters removed, points",
        lambda old, new: _removed(new) - _removed(old),
    ),
    "rule:ID:removed_pts": Metric(
        "change of the share of characters rule ID removes, points",
        lambda old, new, r: (
            _share(_rule(new, r, "removed_chars"), new["chars_in"])
            - _share(_rule(old, r, "removed_chars"), old["chars_in"])
        ),
        "ID",
    ),
    "rule:ID:documents_pct": Metric(
        "change of the documents rule ID touched, %",
        lambda old, new, r: _pct(_rule(old, r, "documents"), _rule(new, r, "documents")),
        "ID",
    ),
    "reason:CODE:pts": Metric(
        "change of the share of articles rejected for CODE, points",
        lambda old, new, c: (
            _share(new["reject_reasons"].get(c, 0), new["articles_read"])
            - _share(old["reject_reasons"].get(c, 0), old["articles_read"])
        ),
        "CODE",
    ),
}
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(r"\s*(?P<metric>[^<>=\s]+)\s*(?P<op><=|>=|<|>)\s*(?P<num>[-+]?[0-9.]+)\s*")


@dataclass(frozen=True)
class Condition:
    text: str
    metric: str  # the declared name (``rule:ID:removed_pts``)
    param: str | None  # the rule id or reason code
    op: str
    limit: float

    def value(self, old: Summary, new: Summary) -> float:
        m = METRICS[self.metric]
        return m.value(old, new, self.param) if m.param else m.value(old, new)

    def holds(self, old: Summary, new: Summary) -> bool:
        return OPS[self.op](self.value(old, new), self.limit)


def parse_condition(text: str) -> Condition:
    """``METRIC OP NUMBER``; a wrong one says what is valid."""
    valid = f"(valid metrics: {', '.join(METRICS)}; operators: {' '.join(OPS)})"
    m = _CONDITION.fullmatch(text)
    if m is None:
        raise CleanerError(f"--fail-on '{text}': not METRIC OP NUMBER {valid}")
    name, param = m["metric"], None
    parts = name.split(":")
    if len(parts) == 3 and parts[1]:
        declared = [k for k, v in METRICS.items() if v.param and k.split(":")[::2] == parts[::2]]
        if declared:
            name, param = declared[0], parts[1]
    if name not in METRICS or (METRICS[name].param and param is None):
        raise CleanerError(f"--fail-on '{text}': unknown metric '{m['metric']}' {valid}")
    try:
        limit = float(m["num"])
    except ValueError:
        raise CleanerError(f"--fail-on '{text}': '{m['num']}' is not a number {valid}") from None
    return Condition(text.strip(), name, param, m["op"], limit)


def metrics_help() -> str:
    return "; ".join(f"{name}: {m.help}" for name, m in METRICS.items())


def comparison(old: Summary, new: Summary) -> dict[str, Any]:
    """The comparison page's rows: every summary-wide metric, and the rules and reasons of
    either run with their changes."""
    overall = [
        {"metric": name, "help": m.help, "value": m.value(old, new)}
        for name, m in METRICS.items()
        if m.param is None
    ]
    counts = [
        ("articles read", "articles_read"),
        ("records written", "records_written"),
        ("rejects written", "rejects_written"),
        ("duplicates dropped", "duplicates_written"),
        ("characters in", "chars_in"),
        ("characters out", "chars_out"),
    ]
    totals = [
        {"name": label, "key": key, "old": old.get(key, 0), "new": new.get(key, 0)}
        for label, key in counts
    ]
    rules = []
    for rule in sorted(set(old.get("rules", {})) | set(new.get("rules", {}))):
        rules.append(
            {
                "rule": rule,
                "old_docs": int(_rule(old, rule, "documents")),
                "new_docs": int(_rule(new, rule, "documents")),
                "removed_pts": METRICS["rule:ID:removed_pts"].value(old, new, rule),
            }
        )
    rules.sort(key=lambda r: (-abs(r["removed_pts"]), r["rule"]))
    reasons = [
        {
            "code": code,
            "old": old["reject_reasons"].get(code, 0),
            "new": new["reject_reasons"].get(code, 0),
            "pts": METRICS["reason:CODE:pts"].value(old, new, code),
        }
        for code in sorted(set(old["reject_reasons"]) | set(new["reject_reasons"]))
    ]
    return {"overall": overall, "totals": totals, "rules": rules, "reasons": reasons}
