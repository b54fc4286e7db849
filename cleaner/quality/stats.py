"""``cleaner stats``: the quality signals of a corpus, summed up so thresholds can be chosen.

Per filter and signal: percentiles, how many documents each current threshold drops, and the
threshold that would drop a target share. Pure: it reads the signals of records and returns
numbers; the command (``cleaner.cli.stats``) cleans the input and prints them.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cleaner.quality.families import FLAG, MIN, Check
from cleaner.quality.filters import QualityFilter, QualityFilters

PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


def percentile(ordered: array[float], p: float) -> float:
    """The nearest-rank percentile of sorted values (one of the values: exact, deterministic)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def suggest(ordered: array[float], bound: str, rate: float) -> float | None:
    """The threshold that drops at most ``rate`` of the documents (a ``max`` drops values
    above it, a ``min`` values below it)."""
    if not ordered or bound == FLAG:
        return None
    n = len(ordered)
    if bound == MIN:
        return ordered[min(n - 1, math.floor(rate * n))]
    return ordered[max(0, math.ceil((1 - rate) * n) - 1)]


@dataclass
class Collected:
    """Every document's signals, one array of numbers per filter and signal (8 bytes each)."""

    filters: QualityFilters
    documents: int = 0
    rejected: int = 0  # rejected by the steps before the quality filters (or unreadable)
    values: dict[tuple[str, str], array[float]] = field(default_factory=dict)
    drops: dict[tuple[str, str, str], int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        quality = record.get("quality") or {}
        lang = record.get("lang")
        self.documents += 1
        for f in self.filters.filters:
            signals = quality.get(f.id)
            if signals is None:
                continue
            for name, value in signals.items():
                self.values.setdefault((f.id, name), array("d")).append(float(value))
            failing = f.failing(signals, lang)
            if failing:
                self.dropped[f.id] = self.dropped.get(f.id, 0) + 1
            for check in _failed_checks(f, failing):
                key = (f.id, check.signal, check.option)
                self.drops[key] = self.drops.get(key, 0) + 1

    def report(self, rate: float) -> dict[str, Any]:
        out: dict[str, Any] = {
            "documents": self.documents,
            "rejected_before": self.rejected,
            "target_drop": rate,
            "filters": {},
        }
        for f in self.filters.filters:
            signals: dict[str, Any] = {}
            for name in _signal_names(f):
                ordered = array("d", sorted(self.values.get((f.id, name), array("d"))))
                checks = [
                    {
                        "option": c.option,
                        "bound": c.bound,
                        "threshold": getattr(f.options, c.option),
                        "drops": self.drops.get((f.id, c.signal, c.option), 0),
                        "suggested": suggest(ordered, c.bound, rate),
                    }
                    for c in f.family.checks
                    if c.signal == name
                ]
                signals[name] = {
                    "percentiles": {f"p{p}": percentile(ordered, p) for p in PERCENTILES},
                    "checks": checks,
                }
            out["filters"][f.id] = {"dropped": self.dropped.get(f.id, 0), "signals": signals}
        return out


def _failed_checks(f: QualityFilter, failing: dict[str, Any]) -> Iterable[Check]:
    return (c for c in f.family.checks if c.signal in failing)


def _signal_names(f: QualityFilter) -> list[str]:
    names = [c.signal for c in f.family.checks]
    return list(dict.fromkeys(names))


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:.4g}"


def render(report: dict[str, Any]) -> str:
    """The report as text: one table per filter (the same bytes for the same corpus)."""
    n = report["documents"]
    rate = report["target_drop"]
    lines = [
        f"{n:,} documents with signals ({report['rejected_before']:,} rejected before the "
        f"quality filters); suggested thresholds drop at most {rate:.1%}"
    ]
    head = ["signal", *(f"p{p}" for p in PERCENTILES), "option", "now", "drops", "suggested"]
    for fid, f in report["filters"].items():
        share = f["dropped"] / n if n else 0.0
        lines += ["", f"{fid}: {f['dropped']:,} dropped ({share:.1%})"]
        rows = [head]
        for name, s in f["signals"].items():
            pcts = [_num(v) for v in s["percentiles"].values()]
            for c in s["checks"] or [{}]:
                drops = c.get("drops")
                rows.append(
                    [
                        name,
                        *pcts,
                        f"{c.get('bound', '')} {c.get('option', '')}".strip(),
                        _num(c.get("threshold")),
                        "-" if drops is None else f"{drops:,} ({drops / n if n else 0:.1%})",
                        _num(c.get("suggested")),
                    ]
                )
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines += [
            "  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
            for r in rows
        ]
    return "\n".join(lines) + "\n"
