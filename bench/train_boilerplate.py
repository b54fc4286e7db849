"""Train the boilerplate model (``cleaner/data/boilerplate.json``) and report it honestly.

    python -m bench.train_boilerplate            # train, score held-out folds, write both files
    python -m bench.train_boilerplate --check    # exit 1 if the shipped model is not what it writes

Labels: each page's plain-text scrape (``scrape_text``), its lines marked content or chrome
against the gold by ``classify_lines`` (``bench/boilerplate_data.py`` caches them). Two logistic
regressions: one over each line's shallow features (``cleaner.engine.linemodel``), one
over its first-pass logit and its neighbours'. Fitted by Newton's method in numpy: no randomness,
a fixed page order, rounded weights, so two runs write the same bytes.

Held-out figures: pages are grouped by site (ctf) or URL domain (aeb, wcxb), groups are dealt
to five folds in a fixed order, and every page is scored by a model that never saw its site. The
curve (chrome removed vs content lost, by threshold) is ``line_metrics`` on the kept lines, the
model applied exactly as the rule applies it. Results go to ``bench/results/boilerplate.txt``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# One BLAS thread before numpy loads: OpenBLAS's threads fight over a shared machine's cores
# and make each Newton step many times slower; the sums stay in one order (the same bytes).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from bench.boilerplate_data import Page, load_pages
from bench.corpora import LineMetrics, line_metrics, sum_line_metrics
from cleaner.config import Config
from cleaner.engine.kinds.boilerplate import Boilerplate
from cleaner.engine.linemeasures import DATA
from cleaner.engine.linemodel import (
    CONTEXT_FEATURES,
    LINE_FEATURES,
    _logit,
    context_features,
    line_features,
)
from cleaner.engine.linescore import Scorer, drop_chrome
from cleaner.engine.load import load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from cleaner.steps.normalize import normalize_lines

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
MODEL = DATA / "boilerplate.json"
RESULTS = ROOT / "bench" / "results" / "boilerplate.txt"
FOLDS = 5
SEED = 20261204
L2 = 1.0
MIN_LINES = 8
MIN_BODY = 3  # the rule's defaults
THRESHOLDS = (0.93, 0.95, 0.96, 0.97)
# The operating point: the lowest threshold whose held-out content loss stays within the
# issue's goals with a margin for the other generic packs and for sites we have not seen
# (goals: news <= 0.01, other page types <= 0.03). What it then deletes of the hand-checked
# gold text itself is reported (gold lost) and bounded in tests/test_generic_conservative.py.
NEWS_LOSS = 0.008
OTHER_LOSS = 0.025
NEWS = ("ctf", "aeb", "wcxb")


def _fit(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """L2 logistic regression by Newton's method on standardised features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    ridge = L2 * np.eye(z.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + ridge @ w
        hess = (z * (p * (1 - p))[:, None]).T @ z + ridge
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return {
        "bias": round(float(w[0]), 6),
        "weights": [round(float(v), 6) for v in w[1:]],
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
    }


class _Lines:
    """One page's non-blank scrape lines, their first-pass features and labels (1 = chrome)."""

    def __init__(self, page: Page) -> None:
        pairs = [(ln, c) for ln, c in zip(page["lines"], page["content"], strict=True) if ln]
        self.page = page
        self.lines = [ln for ln, _ in pairs]
        self.chrome = [0.0 if c else 1.0 for _, c in pairs]
        self.first = line_features(self.lines) if len(self.lines) >= MIN_LINES else []


def train(pages: Sequence[_Lines]) -> dict[str, Any]:
    used = [p for p in pages if p.first]
    x1 = np.array([row for p in used for row in p.first])
    y = np.array([v for p in used for v in p.chrome])
    line = _fit(x1, y)
    x2 = []
    for p in used:
        own = [_logit(row, line) for row in p.first]
        x2 += context_features(own, p.first)
    context = _fit(np.array(x2), y)
    return {"line": line, "context": context}


def _folds(pages: Sequence[_Lines]) -> list[int]:
    """Each page's fold: whole groups (sites, domains) dealt round-robin in a seeded order."""
    groups = sorted({p.page["group"] for p in pages})
    random.Random(SEED).shuffle(groups)
    fold_of = {g: n % FOLDS for n, g in enumerate(groups)}
    return [fold_of[p.page["group"]] for p in pages]


def _score(pages: Sequence[_Lines], scorer: Scorer, threshold: float) -> list[LineMetrics]:
    return [
        line_metrics(
            p.lines, drop_chrome(p.lines, scorer, threshold, MIN_LINES, MIN_BODY), p.page["gold"]
        )
        for p in pages
    ]


def _pipeline(
    pages: Sequence[_Lines],
    models: list[dict[str, Any]] | None,
    folds: list[int],
    threshold: float = 1.0,
) -> list[LineMetrics]:
    """The default run on each scrape: every rule in ``rules/`` (each page's site packs too),
    the boilerplate rule's model swapped for the page's held-out one at ``threshold``; without
    the boilerplate pack when ``models`` is None."""
    packs = load_packs([RULES])
    if models is None:
        packs = [p for p in packs if p.name != "boilerplate"]
    cleaner = Cleaner(RuleSet(packs), Config.from_rules_dir([RULES]))
    kinds = [r.kind for r in cleaner.rules.rules.values() if isinstance(r.kind, Boilerplate)]
    scorers = [Scorer(m) for m in models or ()]
    out = []
    for page, fold in zip(pages, folds, strict=True):
        for kind in kinds:
            kind.scorer = scorers[fold]
            kind.threshold = threshold
            kind._fixpoint = []  # the last fixpoint was another model's
        site = page.page["group"] if page.page["corpus"] == "ctf" else None
        text = cleaner.clean_text("\n".join(page.page["lines"]), site=site).text
        out.append(line_metrics(page.lines, text, page.page["gold"]))
    return out


def _gold_loss(pages: Sequence[_Lines], model: dict[str, Any], threshold: float) -> float:
    """Share of the ctf and aeb gold lines the model deletes from the gold text itself."""
    lines = lost = 0
    scorer = Scorer(model)
    for p in pages:
        if p.page["corpus"] not in ("ctf", "aeb"):
            continue
        gold = normalize_lines(p.page["gold"])
        kept = drop_chrome(gold, scorer, threshold, MIN_LINES, MIN_BODY)
        lines += sum(1 for x in gold if x)
        lost += sum(1 for x in gold if x) - sum(1 for x in kept if x)
    return lost / lines if lines else 0.0


def _sets(pages: Sequence[_Lines]) -> dict[str, list[int]]:
    """Which pages each reported set holds: news (aeb, ctf, wcxb articles), mixed types."""
    return {
        "news": [i for i, p in enumerate(pages) if p.page["corpus"] in NEWS],
        "ctf+aeb": [i for i, p in enumerate(pages) if p.page["corpus"] in ("ctf", "aeb")],
        "other": [i for i, p in enumerate(pages) if p.page["corpus"] == "other"],
    }


def _row(metrics: list[LineMetrics], index: list[int]) -> LineMetrics:
    return sum_line_metrics(metrics[i] for i in index)


def _fmt(m: LineMetrics) -> str:
    return f"removed {m['chrome_removal']:.3f} lost {m['content_loss']:.4f}"


def _model_text(model: dict[str, Any], threshold: float) -> str:
    shipped = {
        "about": "bench/train_boilerplate.py writes this; cleaner/engine/linemodel.py reads it",
        "line_features": list(LINE_FEATURES),
        "context_features": list(CONTEXT_FEATURES),
        "threshold": threshold,
        **model,
    }
    return json.dumps(shipped, indent=1, sort_keys=True) + "\n"


def _write(model: dict[str, Any], threshold: float, check: bool = False) -> int:
    """Write the shipped model, or with ``check`` say whether the shipped one is current."""
    text = _model_text(model, threshold)
    if check:
        same = MODEL.exists() and MODEL.read_text(encoding="utf-8") == text
        print("model is current" if same else f"{MODEL} is stale: run bench/train_boilerplate.py")
        return 0 if same else 1
    MODEL.write_text(text, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the model file is stale")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the labelled-lines cache")
    args = ap.parse_args(argv)
    pages = [_Lines(p) for p in load_pages(rebuild=args.rebuild)]
    model = train(pages)
    held: dict[float, list[LineMetrics]] = {}
    runs: dict[str, list[LineMetrics]] = {}
    if not args.check:
        folds = _folds(pages)
        held_models = [
            train([p for p, f in zip(pages, folds, strict=True) if f != k]) for k in range(FOLDS)
        ]
        scorers = [Scorer(m) for m in held_models]
        for t in THRESHOLDS:
            held[t] = [_score([p], scorers[f], t)[0] for p, f in zip(pages, folds, strict=True)]
            print(f"threshold {t}: done", file=sys.stderr)
    sets = _sets(pages)
    gold_loss: dict[float, float] = {}
    if held:
        gold_loss = {t: _gold_loss(pages, model, t) for t in THRESHOLDS}
        ok = [
            t
            for t in THRESHOLDS
            if _row(held[t], sets["news"])["content_loss"] <= NEWS_LOSS
            and _row(held[t], sets["other"])["content_loss"] <= OTHER_LOSS
        ]
        threshold = min(ok) if ok else max(THRESHOLDS)
        _write(model, threshold)  # before the slow default runs below
        print(f"model written, threshold {threshold}", file=sys.stderr)
        runs["without the boilerplate pack"] = _pipeline(pages, None, folds)
        runs["with it, held-out models"] = _pipeline(pages, held_models, folds, threshold)
    else:
        threshold = json.loads(MODEL.read_text(encoding="utf-8"))["threshold"]
        return _write(model, threshold, check=True)
    train_scores = _score(pages, Scorer(model), threshold)
    report = _report(pages, sets, held, train_scores, threshold, runs, gold_loss)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
    return 0


def _report(
    pages: Sequence[_Lines],
    sets: dict[str, list[int]],
    held: dict[float, list[LineMetrics]],
    train_scores: list[LineMetrics],
    threshold: float,
    runs: dict[str, list[LineMetrics]],
    gold_loss: dict[float, float],
) -> str:
    n_groups = len({p.page["group"] for p in pages})
    out = [
        "Boilerplate model: chrome lines removed vs content lines lost on plain-text scrapes",
        "(line_metrics, line counts summed over pages; the kind alone, no other rule).",
        f"pages {len(pages)}, groups (sites/domains) {n_groups}, folds {FOLDS} by group;",
        "news = ctf + aeb + wcxb articles; other = wcxb-dev-other (six non-article page types).",
        "",
        "held-out (each page scored by a model trained without its site):",
        "gold lost: share of ctf+aeb gold lines deleted when the gold text itself is cleaned",
        "(shipped model; bounded in tests/test_generic_conservative.py).",
        f"{'threshold':>9}  {'news':<30} {'ctf+aeb':<30} {'other':<30} gold lost",
    ]
    for t in THRESHOLDS:
        cells = [f"{_fmt(_row(held[t], sets[s])):<30}" for s in ("news", "ctf+aeb", "other")]
        mark = "  <- operating point" if math.isclose(t, threshold) else ""
        out.append(f"{t:>9}  {' '.join(cells)} {gold_loss[t]:.4f}{mark}")
    out += ["", f"training fit (all pages, threshold {threshold}):"]
    for name in ("news", "ctf+aeb", "other"):
        out.append(f"  {name:<8} {_fmt(_row(train_scores, sets[name]))}")
    out += ["", "held-out at the operating point, by corpus:"]
    for corpus in ("ctf", "aeb", "wcxb", "other"):
        index = [i for i, p in enumerate(pages) if p.page["corpus"] == corpus]
        out.append(f"  {corpus:<6} {_fmt(_row(held[threshold], index))}")
    out += ["", "held-out at the operating point, wcxb-dev-other by page type:"]
    for ptype in sorted({p.page["page_type"] for p in pages if p.page["corpus"] == "other"}):
        index = [
            i
            for i, p in enumerate(pages)
            if p.page["corpus"] == "other" and p.page["page_type"] == ptype
        ]
        out.append(f"  {ptype:<14} {_fmt(_row(held[threshold], index))}")
    out += [
        "",
        "the default run on plain text (all rules in rules/ as shipped, the boilerplate rule at",
        f"the operating point {threshold}; ctf pages with their site packs):",
    ]
    for name, metrics in runs.items():
        out.append(f"  {name}:")
        for key in ("news", "ctf+aeb", "other"):
            out.append(f"    {key:<8} {_fmt(_row(metrics, sets[key]))}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
