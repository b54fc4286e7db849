"""The report page: ``summary.json`` and ``report.json`` of an output folder, made into one
self-contained HTML page (a jinja2 template, matplotlib SVG charts, no script, nothing fetched).

Without ``report.json`` (a run without ``--report``) the page still shows what ``summary.json``
holds: totals, rules and reject reasons.
"""

from __future__ import annotations

import itertools
import json
from importlib import resources
from pathlib import Path
from typing import Any

from cleaner.errors import CleanerError
from cleaner.io.files import pretty_json, write_atomic
from cleaner.report import charts
from cleaner.report.aggregate import (
    LENGTH_EDGES,
    OTHER_SITE,
    SHARE_BUCKETS,
    RunAggregate,
)
from cleaner.report.compare import Condition, comparison

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
SUMMARY = "summary.json"
TOP_SITES = 50
TOP_LANGS = 15
MAX_YEARS = 40


def report_state(agg: RunAggregate | None, cleaner: Any) -> dict[str, Any]:
    """``report.json``: the aggregates, and every rule the run loaded (for the dead rules)."""
    rules = {
        rid: {
            "pack": r.pack,
            "kind": r.kind_name,
            "where": f"{r.path}:{r.line}" if r.line else r.path,
        }
        for rid, r in sorted(cleaner.rules.rules.items())
    }
    state = {"version": 1, "aggregates": (agg or RunAggregate()).to_state(), "rules": rules}
    filters = getattr(cleaner, "quality", None)
    if filters is not None:  # the threshold lines of the quality charts
        state["quality_thresholds"] = quality_thresholds(filters)
    return state


def quality_thresholds(filters: Any) -> dict[str, dict[str, float]]:
    """``{"filter.signal": {"min"|"max": threshold}}`` for every check a filter has on (its
    thresholds for documents in no overridden language)."""
    out: dict[str, dict[str, float]] = {}
    for f in filters.filters:
        for check in f.family.checks:
            limit = getattr(f.options, check.option)
            if isinstance(limit, (int, float)) and not isinstance(limit, bool):
                out.setdefault(f"{f.id}.{check.signal}", {})[check.bound] = float(limit)
    return out


def write_report(outdir: Path, state: dict[str, Any]) -> Path:
    """``report.json`` then ``report.html``, each written whole or not at all."""
    write_atomic(outdir / REPORT_JSON, pretty_json(state, sort_keys=True))
    page = outdir / REPORT_HTML
    write_atomic(page, render_page(outdir).encode("utf-8"))
    return page


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CleanerError(
            f"'{path}': no {what} (is this a finished run's output folder?)"
        ) from None
    except ValueError as exc:
        raise CleanerError(f"'{path}': not JSON: {exc}") from None


def load(outdir: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    summary = _read_json(outdir / SUMMARY, SUMMARY)
    state = (
        _read_json(outdir / REPORT_JSON, REPORT_JSON) if (outdir / REPORT_JSON).exists() else None
    )
    return summary, state


def _template(name: str) -> Any:
    import jinja2

    def source(template: str) -> str:
        return resources.files("cleaner.report").joinpath(template).read_text("utf-8")

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["n"] = lambda v: f"{int(v):,}"
    env.filters["pct"] = lambda v: f"{v:.1f}%"
    env.filters["signed"] = lambda v: f"{v:+.2f}"
    return env.get_template(name)


def _length_labels() -> list[str]:
    def short(n: int) -> str:
        return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k" if n >= 1000 else str(n)

    edges = LENGTH_EDGES
    return [f"{short(a)}-{short(b)}" for a, b in itertools.pairwise(edges)] + [
        f"{short(edges[-1])}+"
    ]


def _thresholds(summary: dict[str, Any], signal: str) -> list[float]:
    """The quality stage's thresholds for a signal, when its summary section gives them."""
    found = summary.get("quality", {})
    found = found.get("thresholds", found) if isinstance(found, dict) else {}
    value = found.get(signal) if isinstance(found, dict) else None
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [float(v) for k, v in sorted(value.items()) if isinstance(v, (int, float))]
    return []


def _charts(summary: dict[str, Any], agg: dict[str, Any] | None) -> list[dict[str, str]]:
    out = []
    langs = sorted(summary.get("languages", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    if langs:
        top = langs[:TOP_LANGS]
        svg = charts.bars(
            [k for k, _ in top], [("records", [v for _, v in top])], xlabel="language"
        )
        out.append({"title": "Languages of the records written", "svg": svg})
    if agg is None:
        return out
    out.append(
        {
            "title": "Length in characters, before and after cleaning",
            "svg": charts.bars(
                _length_labels(),
                [("before", agg["length_before"]), ("after", agg["length_after"])],
                xlabel="characters",
                rotate=True,
            ),
        }
    )
    step = 100 // SHARE_BUCKETS
    out.append(
        {
            "title": "Share of characters removed per cleaned document",
            "svg": charts.bars(
                [f"{i * step}%" for i in range(SHARE_BUCKETS)],
                [("documents", agg["share_removed"])],
                xlabel="removed (bucket start)",
                rotate=True,
            ),
        }
    )
    years = sorted(agg["years"].items())[-MAX_YEARS:]
    if years:
        out.append(
            {
                "title": "Publication dates by year",
                "svg": charts.bars(
                    [y for y, _ in years], [("documents", [n for _, n in years])], rotate=True
                ),
            }
        )
    for signal, counts in agg.get("quality", {}).items():
        keys = list(counts)
        values = [float(k) for k in keys]
        lines = []
        for t in _thresholds(summary, signal):
            pos = sum(1 for v in values if v < t) - 0.5
            lines.append((pos, f"threshold {t:g}"))
        svg = charts.bars(keys, [("documents", list(counts.values()))], lines=lines, rotate=True)
        out.append({"title": f"Quality signal: {signal}", "svg": svg})
    return out


def _sites(agg: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, s in agg["sites"].items():
        cleaned = s["documents"] - s["rejected"]
        langs = sorted(s["langs"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        rows.append(
            {
                "site": name,
                **s,
                "cleaned": cleaned,
                "removed": (s["chars_in"] - s["chars_out"]) / s["chars_in"] * 100
                if s["chars_in"]
                else 0.0,
                "dates_pct": s["dates"] / cleaned * 100 if cleaned else 0.0,
                "titles_pct": s["titles"] / cleaned * 100 if cleaned else 0.0,
                "langs_text": ", ".join(f"{k} {v:,}" for k, v in langs),
                "reasons_text": ", ".join(f"{k} {v:,}" for k, v in sorted(s["reasons"].items())),
            }
        )
    rows.sort(key=lambda r: (r["site"] == OTHER_SITE, -r["documents"], r["site"]))
    return rows[:TOP_SITES]


def _rules(summary: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    agg = state["aggregates"] if state else None
    loaded = state["rules"] if state else {}
    # Each rule's part of what the rules removed: of all input characters, a page corpus's
    # markup would make every rule's share look like zero.
    by_rules = sum(r["removed_chars"] for r in summary["rules"].values()) or 1
    rows = []
    for rid, r in summary["rules"].items():
        info = loaded.get(rid, {})
        rows.append(
            {
                "rule": rid,
                "pack": info.get("pack", ""),
                "kind": info.get("kind", ""),
                "hits": agg["rule_hits"].get(rid, 0) if agg else None,
                "documents": r["documents"],
                "removed_chars": r["removed_chars"],
                "removed_pct": r["removed_chars"] / by_rules * 100,
                "samples": [
                    {"id": s[1], "site": s[2], "window": s[3]}
                    for s in (agg["rule_samples"].get(rid, []) if agg else [])
                ],
            }
        )
    rows.sort(key=lambda r: (-r["removed_chars"], r["rule"]))
    packs = summary.get("packs", {})
    dead = [
        {
            "rule": rid,
            **info,
            "pack_docs": packs.get(info["pack"], {}).get("documents", 0),
        }
        for rid, info in loaded.items()
        if rid not in summary["rules"]
    ]
    dead.sort(key=lambda r: (-r["pack_docs"], r["pack"], r["rule"]))
    return {"rows": rows, "dead": dead}


def _funnel(summary: dict[str, Any], agg: dict[str, Any] | None) -> list[dict[str, Any]]:
    read = summary["articles_read"] or 1
    rejected = summary["rejects_written"]
    filtered = agg.get("filtered", 0) if agg else 0
    dups = summary.get("duplicates_written")
    steps = [
        ("read", "articles_read", summary["articles_read"]),
        ("rejected", "rejects_written", rejected),
        ("cleaned (read - rejected)", None, summary["articles_read"] - rejected),
    ]
    if filtered:
        steps[1] = ("rejected in cleaning", None, rejected - filtered)
        steps.insert(2, ("filtered by the quality filters", None, filtered))
    if dups is not None:
        steps.append(("deduplicated: dropped as duplicates", "duplicates_written", dups))
    steps.append(("written", "records_written", summary["records_written"]))
    return [{"stage": name, "key": key, "n": n, "pct": n / read * 100} for name, key, n in steps]


def render_page(outdir: Path) -> str:
    summary, state = load(outdir)
    agg = state["aggregates"] if state else None
    reasons = []
    for code, n in summary["reject_reasons"].items():
        samples = agg["reject_samples"].get(code, []) if agg else []
        reasons.append(
            {
                "code": code,
                "n": n,
                "samples": [{"id": s[1], "source": s[2], "message": s[3]} for s in samples],
            }
        )
    reasons.sort(key=lambda r: (-r["n"], r["code"]))
    chars_in = summary["chars_in"]
    context = {
        "title": f"cleaner run report: {outdir.resolve().name}",
        "summary": summary,
        "removed_pct": (chars_in - summary["chars_out"]) / chars_in * 100 if chars_in else 0.0,
        "funnel": _funnel(summary, agg),
        "rules": _rules(summary, state),
        "reasons": reasons,
        "sites": _sites(agg) if agg else None,
        "n_sites": len(agg["sites"]) if agg else 0,
        "charts": _charts(
            {"quality": {"thresholds": state.get("quality_thresholds", {})}, **summary}
            if state
            else summary,
            agg,
        ),
        "duplicates": [
            {"id": s[1], "of": s[2], "site": s[3]}
            for s in (agg["duplicate_samples"] if agg else [])
        ],
        "clusters": [
            {"size": -c[0], "id": c[1], "site": c[2]}
            for c in (agg.get("largest_clusters", []) if agg else [])
        ],
        "cluster_sizes": sorted(
            ((int(k), n) for k, n in (agg.get("cluster_sizes", {}) if agg else {}).items())
        ),
        "has_report": state is not None,
    }
    html: str = _template("report.html.j2").render(**context)
    return html


def render_compare(
    outdir: Path, previous: Path, conditions: list[Condition]
) -> tuple[str, list[dict[str, Any]]]:
    """The comparison page, and each condition with its value and whether it failed."""
    new, _ = load(outdir)
    old, _ = load(previous)
    checked = [
        {"text": c.text, "value": c.value(old, new), "failed": c.holds(old, new)}
        for c in conditions
    ]
    context = {
        "title": f"cleaner: {outdir.resolve().name} against {previous.resolve().name}",
        "new_dir": str(outdir),
        "old_dir": str(previous),
        "cmp": comparison(old, new),
        "checked": checked,
    }
    html: str = _template("compare.html.j2").render(**context)
    return html, checked
