"""New kinds of evidence for the boilerplate model on mixed page types, held out by site.

    CLEANER_CORPORA=... python -m bench.boilerplate_features             # every feature set
    python -m bench.boilerplate_features --sets base,words --types       # some, by page type

A research harness, not the shipped model: nothing here writes ``cleaner/data``. Each page's lines
are scored once (no fixpoint) by a model trained on the other four of the training script's
five site folds (``bench.train_boilerplate._folds``); pages the rule leaves alone (fewer than
8 lines or 3 prose lines) keep every line. Chrome removed and content lost are the cached
labels' line counts (``bench/boilerplate_data.py``), summed over pages.

Each feature set is the shipped model's 40 first-pass features plus some of these, added to
both logistic layers (fitted as ``bench.train_boilerplate`` fits them):

- ``words``: the line's words themselves. For each lowercased token, the number of distinct
  training sites where it occurs in a chrome line and in a content line; its weight is the log
  ratio. Features: the mean, max and min weight over the line's tokens and the share of tokens
  known (seen on at least ``MIN_SITES`` sites). Counted over sites, not lines, so one site's
  menu cannot make a word chrome.
- ``bigrams``: the same over adjacent token pairs.
- ``xsite``: the whole line (casefolded, digits masked): on how many training sites it occurs
  (unlabelled: navigation is shared across sites, content is not), and its chrome/content
  log ratio over sites.
- ``cohesion``: the line's words against its page: the share of its words (3+ letters, not stop
  words) found on another line of the page, the share found in the main block (the longest
  chain of prose lines), and the mean log count of other lines holding them.
- ``repeat``: structural repetition. Each line has a shape (length band, digits, currency,
  end punctuation, first character's class, word-count band); for periods 1-6 the line's run of
  lines with the same shape at that period, the longest over periods 2-6 and period 1 apart.

Training rows never see their own site's counts: a training line's site is taken out of the
counts (exact, since they count sites), and a held-out line's site is not in them at all.
The first run caches every page's labelled lines and shipped features in
``bench/out/boilerplate-features.pkl``; then a set takes 3-20 minutes on the busy 2-core
machine (five fold fits; the word and bigram counts are the slow part), so pass ``--sets``.
The operating points are the training script's budgets: other page types <= 0.025 lost, news
<= 0.008 lost (each set's best threshold on a fine grid), and the joint point: the lowest
threshold meeting both.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import re
import sys
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from bench.boilerplate_data import load_pages
from bench.train_boilerplate import FOLDS, MIN_BODY, MIN_LINES, NEWS, _fit, _folds, _Lines
from cleaner.engine.linemeasures import _language, stopwords
from cleaner.engine.linemodel import LINE_FEATURES, context_features, line_features
from cleaner.steps.normalize import normalize_lines

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "out" / "boilerplate-features.pkl"
MIN_SITES = 3  # a token or line seen on fewer training sites carries no weight
OTHER_LOSS = 0.025
NEWS_LOSS = 0.008
GRID = tuple(round(0.80 + 0.0025 * k, 4) for k in range(80))
_TOKEN = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:usd|eur|gbp)\b", re.IGNORECASE)
_BODY_SHARE = LINE_FEATURES.index("page_body_share")
Floats = np.ndarray


def _tokens(line: str) -> list[str]:
    return _TOKEN.findall(line.casefold())


def _key(line: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("0", line.casefold())).strip()


class _Gold:
    """A page's gold text as the rule would see it: its non-blank lines, all content."""

    def __init__(self, p: _Lines) -> None:
        self.page = p.page
        self.lines = [ln for ln in normalize_lines(p.page["gold"]) if ln]
        self.chrome = [0.0] * len(self.lines)
        self.first = line_features(self.lines) if len(self.lines) >= MIN_LINES else []


class _Page:
    """One page's lines as the new features need them."""

    def __init__(self, p: _Lines | _Gold) -> None:
        self.group = p.page["group"]
        self.tokens = [sorted(set(_tokens(ln))) for ln in p.lines]
        self.bigrams = [
            sorted({f"{a} {b}" for a, b in pairwise(t)}) for t in (_tokens(ln) for ln in p.lines)
        ]
        self.keys = [[_key(ln)] for ln in p.lines]
        self.chrome = [bool(c) for c in p.chrome]
        self.lines = p.lines


def _site_counts(pages: Sequence[_Page], attr: str) -> dict[str, tuple[Counter[str], Counter[str]]]:
    """Per site: the items (tokens, bigrams or line keys) it has in chrome and content lines."""
    out: dict[str, tuple[Counter[str], Counter[str]]] = {}
    for p in pages:
        chrome, content = out.setdefault(p.group, (Counter(), Counter()))
        for items, is_chrome in zip(getattr(p, attr), p.chrome, strict=True):
            (chrome if is_chrome else content).update(items)
    # Sets per site: a site counts once.
    return {g: (Counter(set(a)), Counter(set(b))) for g, (a, b) in out.items()}


class _Evidence:
    """Sites-with-item counts over the training sites, a training line's own site taken out."""

    def __init__(self, sites: dict[str, tuple[Counter[str], Counter[str]]], train: set[str]):
        self.sites = sites
        self.chrome: Counter[str] = Counter()
        self.content: Counter[str] = Counter()
        for g in train:
            a, b = sites[g]
            self.chrome.update(a)
            self.content.update(b)
        self.train = train

    def counts(self, item: str, group: str) -> tuple[int, int]:
        c, o = self.chrome[item], self.content[item]
        if group in self.train:
            a, b = self.sites[group]
            c -= a[item]
            o -= b[item]
        return c, o


def _weights(items: list[str], ev: _Evidence, group: str) -> list[float]:
    out = []
    for t in items:
        c, o = ev.counts(t, group)
        if c + o >= MIN_SITES:
            out.append(math.log((c + 1) / (o + 1)))
    return out


def _bag(page: _Page, attr: str, ev: _Evidence) -> Floats:
    rows = []
    for items in getattr(page, attr):
        w = _weights(items, ev, page.group)
        if w:
            rows.append((sum(w) / len(w), max(w), min(w), len(w) / len(items)))
        else:
            rows.append((0.0, 0.0, 0.0, 0.0))
    return np.array(rows, dtype=float)


def _xsite(page: _Page, ev: _Evidence) -> Floats:
    rows = []
    for (key,) in page.keys:
        c, o = ev.counts(key, page.group)
        rows.append((math.log1p(c + o), math.log((c + 1) / (o + 1)) if c + o >= MIN_SITES else 0.0))
    return np.array(rows, dtype=float)


def _cohesion(page: _Page, first: list[list[float]]) -> Floats:
    lang = _language(page.lines)
    stops = stopwords().get(lang, frozenset())
    words = [[t for t in toks if len(t) >= 3 and t not in stops] for toks in page.tokens]
    df: Counter[str] = Counter()
    for w in words:
        df.update(w)
    body = [f[LINE_FEATURES.index("in_main_block")] > 0 for f in first]
    main_words: Counter[str] = Counter()
    for w, b in zip(words, body, strict=True):
        if b:
            main_words.update(w)
    rows = []
    for w, b in zip(words, body, strict=True):
        if not w:
            rows.append((0.0, 0.0, 0.0, 1.0))
            continue
        others = [df[t] - 1 for t in w]
        in_main = [main_words[t] - (1 if b else 0) > 0 for t in w]
        rows.append(
            (
                sum(1 for x in others if x > 0) / len(w),
                sum(in_main) / len(w),
                sum(math.log1p(x) for x in others) / len(w),
                0.0,
            )
        )
    return np.array(rows, dtype=float)


def _shape(line: str) -> tuple[int, ...]:
    first = line[0]
    cls = 0 if first.isupper() else 1 if first.islower() else 2 if first.isdigit() else 3
    words = len(line.split())
    return (
        min(int(math.log2(len(line) + 1)), 8),
        int(any(ch.isdigit() for ch in line)),
        int(bool(_CURRENCY.search(line))),
        int(line.rstrip()[-1] in ".!?:"),
        cls,
        0 if words <= 2 else 1 if words <= 5 else 2 if words <= 12 else 3,
    )


def _repeat(page: _Page) -> Floats:
    shapes = [_shape(ln) for ln in page.lines]
    n = len(shapes)
    runs = np.zeros((n, 6))
    for k in range(1, 7):
        for i in range(n):
            left = i
            while left - k >= 0 and shapes[left - k] == shapes[i]:
                left -= k
            right = i
            while right + k < n and shapes[right + k] == shapes[i]:
                right += k
            runs[i, k - 1] = (right - left) // k + 1
    best = runs[:, 1:].max(axis=1)
    return np.column_stack([np.log(runs[:, 0]), np.log(best), np.log(runs[:, 1:]).mean(axis=1)])


FAMILIES = ("words", "bigrams", "xsite", "cohesion", "repeat")
SETS: dict[str, tuple[str, ...]] = {
    "base": (),
    "words": ("words",),
    "bigrams": ("words", "bigrams"),
    "xsite": ("xsite",),
    "cohesion": ("cohesion",),
    "repeat": ("repeat",),
    "words+xsite": ("words", "xsite"),
    "words+cohesion": ("words", "cohesion"),
    "all": FAMILIES,
    "all-but-xsite": ("words", "bigrams", "cohesion", "repeat"),
}


def _load() -> tuple[list[_Lines], list[int]]:
    if CACHE.exists():
        pages, folds = pickle.loads(CACHE.read_bytes())
        return pages, folds
    pages = [_Lines(p) for p in load_pages()]
    folds = _folds(pages)
    CACHE.write_bytes(pickle.dumps((pages, folds)))
    return pages, folds


def _scored(p: _Lines | _Gold) -> bool:
    """Whether the rule scores this page at all (its gates)."""
    if not p.first or len(p.lines) < MIN_LINES:
        return False
    return round(p.first[0][_BODY_SHARE] * len(p.lines)) >= MIN_BODY


def _extra(
    fams: tuple[str, ...],
    page: _Page,
    first: list[list[float]],
    evidence: dict[str, _Evidence],
    static: dict[str, Floats],
) -> Floats:
    cols: list[Floats] = [np.zeros((len(first), 0))]
    for fam in fams:
        if fam in ("words", "bigrams"):
            cols.append(_bag(page, "tokens" if fam == "words" else "bigrams", evidence[fam]))
        elif fam == "xsite":
            cols.append(_xsite(page, evidence["xsite"]))
        else:
            cols.append(static[fam])
    return np.hstack(cols)


def _layers(x1: Floats, pages: list[tuple[Floats, Floats]], y: Floats) -> dict[str, Any]:
    line = _fit(x1, y)
    x2 = []
    for first, extra in pages:
        own = _logits(first, extra, line)
        ctx = np.array(context_features(list(own), first.tolist()))
        x2.append(np.hstack([ctx, extra]))
    return {"line": line, "context": _fit(np.vstack(x2), y)}


def _logits(first: Floats, extra: Floats, layer: dict[str, Any]) -> Floats:
    x = np.hstack([first, extra])
    z = (x - np.array(layer["mean"])) / np.array(layer["scale"])
    out: Floats = float(layer["bias"]) + z @ np.array(layer["weights"])
    return out


def _probs(first: Floats, extra: Floats, model: dict[str, Any]) -> Floats:
    own = _logits(first, extra, model["line"])
    ctx = np.array(context_features(list(own), first.tolist()))
    z = _logits(ctx, extra, model["context"])
    out: Floats = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return out


def _static(fams: tuple[str, ...], p: _Lines | _Gold, page: _Page) -> dict[str, Floats]:
    """The features that need no training counts."""
    out = {}
    if "cohesion" in fams:
        out["cohesion"] = _cohesion(page, p.first)
    if "repeat" in fams:
        out["repeat"] = _repeat(page)
    return out


def held_out(
    fams: tuple[str, ...],
    lines: list[_Lines],
    pages: list[_Page],
    folds: list[int],
    sites: dict[str, dict[str, tuple[Counter[str], Counter[str]]]],
    gold: list[_Gold] | None = None,
) -> tuple[list[Floats | None], list[Floats | None]]:
    """Each page's chrome probabilities from the model trained without its fold (None: the
    rule leaves the page alone), and its gold text's when ``gold`` is given."""
    attr = {"words": "tokens", "bigrams": "bigrams", "xsite": "keys"}
    probs: list[Floats | None] = [None] * len(lines)
    gold_probs: list[Floats | None] = [None] * len(lines)
    used = [i for i, p in enumerate(lines) if _scored(p)]
    static = {i: _static(fams, lines[i], pages[i]) for i in used}
    for k in range(FOLDS):
        train_groups = {pages[i].group for i in used if folds[i] != k}
        evidence = {f: _Evidence(sites[attr[f]], train_groups) for f in fams if f in attr}

        def rows(
            p: _Lines | _Gold, page: _Page, st: dict[str, Floats], ev: dict[str, _Evidence]
        ) -> tuple[Floats, Floats]:
            return np.array(p.first), _extra(fams, page, p.first, ev, st)

        train_rows = [rows(lines[i], pages[i], static[i], evidence) for i in used if folds[i] != k]
        x1 = np.vstack([np.hstack(r) for r in train_rows])
        y = np.concatenate([np.array(lines[i].chrome) for i in used if folds[i] != k])
        model = _layers(x1, train_rows, y)
        for i in used:
            if folds[i] == k:
                probs[i] = _probs(*rows(lines[i], pages[i], static[i], evidence), model)
        for i, g in enumerate(gold or ()):
            if folds[i] == k and _scored(g):
                page = _Page(g)
                gold_probs[i] = _probs(*rows(g, page, _static(fams, g, page), evidence), model)
        print(f"  {'+'.join(fams) or 'base'}: fold {k} done", file=sys.stderr, flush=True)
    return probs, gold_probs


def gold_lost(
    gold: list[_Gold], probs: list[Floats | None], corpora: tuple[str, ...], t: float
) -> float:
    """Share of the gold lines of ``corpora`` the held-out models delete at ``t``."""
    total = lost = 0
    for g, pr in zip(gold, probs, strict=True):
        if g.page["corpus"] in corpora:
            total += len(g.lines)
            lost += 0 if pr is None else int((pr >= t).sum())
    return lost / max(total, 1)


Curve = dict[float, tuple[float, float]]


def curve(lines: list[_Lines], probs: list[Floats | None], index: list[int]) -> Curve:
    """Chrome removed and content lost by threshold over the pages in ``index``."""
    chrome = content = 0
    removed: dict[float, list[int]] = {t: [0, 0] for t in GRID}
    for i in index:
        y = np.array(lines[i].chrome, dtype=bool)
        chrome += int(y.sum())
        content += int((~y).sum())
        pr = probs[i]
        if pr is None:
            continue
        for t in GRID:
            drop = pr >= t
            removed[t][0] += int((drop & y).sum())
            removed[t][1] += int((drop & ~y).sum())
    return {t: (a / max(chrome, 1), b / max(content, 1)) for t, (a, b) in removed.items()}


def best(c: Curve, budget: float) -> tuple[float, float, float]:
    """The most chrome removed at a threshold losing at most ``budget``: (removed, lost, t)."""
    ok = [(r, lost, t) for t, (r, lost) in c.items() if lost <= budget]
    return max(ok) if ok else (0.0, 0.0, 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ",".join(SETS))
    ap.add_argument("--types", action="store_true", help="also by page type and language")
    ap.add_argument("--gold", action="store_true", help="also the gold lines deleted (slower)")
    args = ap.parse_args(argv)
    lines, folds = _load()
    pages = [_Page(p) for p in lines]
    print(f"{len(lines)} pages loaded", file=sys.stderr, flush=True)
    sites = {a: _site_counts(pages, a) for a in ("tokens", "bigrams", "keys")}
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    gold = [_Gold(p) for p in lines] if args.gold else None
    news = [i for i, p in enumerate(lines) if p.page["corpus"] in NEWS]
    other = [i for i, p in enumerate(lines) if p.page["corpus"] == "other"]
    print(
        f"{'set':<14} {'other <= 0.025 lost':<24} {'news <= 0.008 lost':<24} "
        "joint threshold: other / news"
    )
    for name in wanted:
        probs, gold_probs = held_out(SETS[name], lines, pages, folds, sites, gold)
        c_other, c_news = curve(lines, probs, other), curve(lines, probs, news)
        o, n = best(c_other, OTHER_LOSS), best(c_news, NEWS_LOSS)
        joint = [t for t in GRID if c_other[t][1] <= OTHER_LOSS and c_news[t][1] <= NEWS_LOSS]
        tj = min(joint) if joint else GRID[-1]
        print(
            f"{name:<14} {o[0]:.3f} at {o[1]:.4f} ({o[2]:.4f})  {n[0]:.3f} at {n[1]:.4f} "
            f"({n[2]:.4f})  {tj:.4f}: {c_other[tj][0]:.3f} at {c_other[tj][1]:.4f} / "
            f"{c_news[tj][0]:.3f} at {c_news[tj][1]:.4f}",
            flush=True,
        )
        if gold is not None:
            print(
                f"    gold lost at {tj:.4f}: ctf+aeb "
                f"{gold_lost(gold, gold_probs, ('ctf', 'aeb'), tj):.5f}, wcxb "
                f"{gold_lost(gold, gold_probs, ('wcxb',), tj):.5f}"
            )
        if args.types:
            _by_type(lines, probs, other, news, tj)
        with open(ROOT / "bench" / "out" / f"bpfeat-{name}.pkl", "wb") as fh:
            pickle.dump(probs, fh)
    return 0


def _by_type(
    lines: list[_Lines], probs: list[Floats | None], other: list[int], news: list[int], t: float
) -> None:
    """At the joint threshold: other page types by type, then both sets by language (the words'
    weights are counted over sites of every language)."""
    types = sorted({lines[i].page["page_type"] for i in other})
    for ptype in types:
        idx = [i for i in other if lines[i].page["page_type"] == ptype]
        r, lost = curve(lines, probs, idx)[t]
        print(f"    {ptype:<14} removed {r:.3f} lost {lost:.4f}")
    for name, index in (("other", other), ("news", news)):
        langs: dict[str, list[int]] = {}
        for i in index:
            lang = "en" if _language(lines[i].lines) == "en" else "not en"
            langs.setdefault(lang, []).append(i)
        for lang, idx in sorted(langs.items()):
            r, lost = curve(lines, probs, idx)[t]
            print(f"    {name} {lang:<8} removed {r:.3f} lost {lost:.4f} ({len(idx)} pages)")


if __name__ == "__main__":
    sys.exit(main())
