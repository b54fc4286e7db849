"""trafilatura's fallback (readability/justext comparison) against its fast mode, per page type.

    python -m bench.html_fallback collect   # per page: both texts, their CPU time, the page type
    python -m bench.html_fallback gate      # which page types skip the fallback, held out by fold

Issue 14 point 4 (speed): trafilatura as cleaner calls it spends part of each page comparing
its own extraction with readability's and justext's. Its ``fast`` mode skips that comparison.
``collect`` runs both on every WCXB development page (both folders, with the gold text) and
every AEB page, on cleaner's parse, and keeps the texts, the CPU seconds of each and the page
type cleaner's classifier gives before extraction. ``gate`` chooses, on four of WCXB's five
site folds (``bench.page_types.fold_of``), the page types whose pages lose no word F1 when the
fallback is skipped, and scores the fifth fold with that choice; AEB (news, not in any fold)
is scored with the choice made on all five folds. Figures: ``bench/results/html-speed.txt``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.corpora import aeb_f1, bow_f1, iter_aeb, read_html_bytes
from bench.page_types import FOLDS, fold_of, iter_pages, site_of
from cleaner.html.charset import decode_page
from cleaner.html.dates import Rendered, render_text
from cleaner.html.dom import parse_tree
from cleaner.html.pagetype import page_type
from cleaner.html.profiles import TrafilaturaSettings, run_trafilatura

OUT = Path(__file__).resolve().parent / "out" / "html-fallback.jsonl"


def _pages() -> Iterator[tuple[str, str, str, Path, str]]:
    """(corpus, id, url, html path, gold text)."""
    for p in iter_pages():
        yield "wcxb", p.id, p.url, p.html_path, p.gold_text
    for a in iter_aeb():
        yield "aeb", a.id, a.url, a.html_path, a.gold_text


def _run(tree: Any, url: str | None, fast: bool) -> tuple[str, float]:
    start = time.process_time()
    try:
        text = run_trafilatura(tree, url, TrafilaturaSettings(), fast=fast) or ""
    except Exception:  # a failure is an empty output, as in the pipeline
        text = ""
    return text, time.process_time() - start


def _signals(rendered: Rendered) -> dict[str, int]:
    """What the page offers before extraction: its visible text's size, two ways."""
    return {
        "shown_chars": len(rendered.shown or ""),
        "line_chars": sum(len(line) for line in rendered.lines),
    }


def signals() -> None:
    """Add the signals to rows collected without them (a re-parse; no extraction)."""
    rows = [json.loads(line) for line in OUT.read_text(encoding="utf-8").split("\n") if line]
    paths = {pid: path for _, pid, _, path, _ in _pages()}
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            if "shown_chars" not in row:
                tree = parse_tree(decode_page(read_html_bytes(paths[row["id"]])).text or "")
                row.update(_signals(render_text(tree)) if tree is not None else {})
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def collect() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for i, (corpus, pid, url, path, gold) in enumerate(_pages()):
            html = decode_page(read_html_bytes(path)).text or ""
            tree = parse_tree(html)
            if tree is None:
                continue
            rendered = render_text(tree)
            kind = page_type(tree, url or None, rendered.shown)
            # alternate the order so the machine's load falls on both sides
            order = (False, True) if i % 2 == 0 else (True, False)
            runs = {fast: _run(tree, url or None, fast) for fast in order}
            row = {
                "corpus": corpus,
                "id": pid,
                "site": site_of(url),
                "type": kind.name,
                **_signals(rendered),
                "gold": gold,
                "full": runs[False][0],
                "fast": runs[True][0],
                "full_s": runs[False][1],
                "fast_s": runs[True][1],
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if i % 100 == 0:
                print(i, flush=True)


def _rows() -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in OUT.read_text(encoding="utf-8").split("\n") if line]
    for r in rows:
        r["f1_full"] = bow_f1(r["full"], r["gold"])
        r["f1_fast"] = bow_f1(r["fast"], r["gold"])
    return rows


# A rule: run the fallback when the fast text is under ``floor`` characters or under ``share``
# of the page's visible text (``line_chars``); None: no fast run, the fallback on every page.
Rule = tuple[int, float] | None
Gate = dict[str, Rule]  # by page type; "*" for every type
FLOORS = (0, 250, 500, 1000, 1500, 2000, 3000)
SHARES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
GRID: tuple[Rule, ...] = (None, *((f, s) for f in FLOORS for s in SHARES))
LOSS = 0.002  # the word F1 a rule may lose on its training pages (about a third of the noise)
ALWAYS: Gate = {"*": None}


def _rule(row: dict[str, Any], gate: Gate) -> Rule:
    return gate.get(row["type"], gate.get("*"))


def rerun(row: dict[str, Any], gate: Gate) -> bool:
    rule = _rule(row, gate)
    if rule is None:
        return True
    floor, share = rule
    n = len(row["fast"])
    return n < floor or n < share * row["line_chars"]


def _text(row: dict[str, Any], gate: Gate) -> str:
    return str(row["full"] if rerun(row, gate) else row["fast"])


def _f1(rows: list[dict[str, Any]], gate: Gate) -> float:
    return statistics.fmean(float(r["f1_full" if rerun(r, gate) else "f1_fast"]) for r in rows)


def _secs(rows: list[dict[str, Any]], gate: Gate) -> float:
    """CPU seconds: the fast run where the page's rule has one, then the full run if it says."""
    total = 0.0
    for r in rows:
        fast = _rule(r, gate) is not None
        total += (float(r["fast_s"]) if fast else 0.0) + (
            float(r["full_s"]) if rerun(r, gate) else 0.0
        )
    return total


def _cheapest(rows: list[dict[str, Any]]) -> Rule:
    """The cheapest rule losing at most ``LOSS`` word F1 on these pages (None loses nothing)."""
    full = _f1(rows, ALWAYS)
    ok = [rule for rule in GRID if _f1(rows, {"*": rule}) >= full - LOSS]
    return min(ok, key=lambda rule: (_secs(rows, {"*": rule}), rule is not None, rule or (0, 0)))


def choose(rows: list[dict[str, Any]], per_type: bool) -> Gate:
    if not per_type:
        return {"*": _cheapest(rows)}
    types = sorted({r["type"] for r in rows})
    gate: Gate = {t: _cheapest([r for r in rows if r["type"] == t]) for t in types}
    gate["*"] = None  # a type no training page had: the plain path
    return gate


def _shingle_f1(rows: list[dict[str, Any]], gate: Gate) -> float:
    return aeb_f1((_text(r, gate), r["gold"]) for r in rows).f1


def _show(gate: Gate) -> str:
    return " ".join(f"{t}:{'-' if r is None else f'{r[0]}/{r[1]}'}" for t, r in gate.items())


def gate() -> None:
    rows = _rows()
    wcxb = [r for r in rows if r["corpus"] == "wcxb" and r["gold"].strip()]
    aeb = [r for r in rows if r["corpus"] == "aeb"]
    print(f"{len(wcxb)} WCXB pages with gold text, {len(aeb)} AEB pages")
    fast_only: Gate = {"*": (0, 0.0)}
    for per_type in (False, True):
        print(
            f"\n== one rule {'per page type' if per_type else 'for every page'} "
            f"(floor chars / share of the visible text; -: always the fallback)"
        )
        print(
            f"{'fold':5} {'pages':>5} {'F1 full':>8} {'gated':>6} {'fast':>6} {'reruns':>7} "
            f"{'time':>6}  rule chosen on the other folds"
        )
        held: list[dict[str, Any]] = []
        for k in range(FOLDS):
            train = [r for r in wcxb if fold_of(r["site"]) != k]
            test = [r for r in wcxb if fold_of(r["site"]) == k]
            chosen = choose(train, per_type)
            for r in test:
                r["held"] = chosen
            held += test
            again = sum(rerun(r, chosen) for r in test) / len(test)
            print(
                f"{k:<5} {len(test):5} {_f1(test, ALWAYS):8.3f} {_f1(test, chosen):6.3f} "
                f"{_f1(test, fast_only):6.3f} {again:7.3f} "
                f"{_secs(test, chosen) / _secs(test, ALWAYS):6.3f}  {_show(chosen)}"
            )
        f_held = statistics.fmean(
            float(r["f1_full" if rerun(r, r["held"]) else "f1_fast"]) for r in held
        )
        t_held = sum(_secs([r], r["held"]) for r in held)
        print(
            f"{'held out':10} {_f1(held, ALWAYS):8.3f} {f_held:6.3f} {_f1(held, fast_only):6.3f} "
            f"{'':7} {t_held / _secs(held, ALWAYS):6.3f}"
        )
        chosen = choose(wcxb, per_type)
        print(f"chosen on all five folds: {_show(chosen)}")
        print(
            f"  training (all WCXB): F1 full {_f1(wcxb, ALWAYS):.4f} gated {_f1(wcxb, chosen):.4f}, "
            f"reruns {sum(rerun(r, chosen) for r in wcxb) / len(wcxb):.3f}, time "
            f"{_secs(wcxb, chosen) / _secs(wcxb, ALWAYS):.3f} of full"
        )
        if aeb:
            print(
                f"  AEB (held out: no rule fitted on it) shingle F1: full "
                f"{_shingle_f1(aeb, ALWAYS):.4f}, gated {_shingle_f1(aeb, chosen):.4f}, fast "
                f"{_shingle_f1(aeb, fast_only):.4f}; reruns "
                f"{sum(rerun(r, chosen) for r in aeb) / len(aeb):.3f}, time "
                f"{_secs(aeb, chosen) / _secs(aeb, ALWAYS):.3f} of full"
            )
        types: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in held:
            types[r["type"]].append(r)
        print(
            f"  held out by type: {'type':14} {'n':>5} {'full':>6} {'gated':>6} {'fast':>6} "
            f"{'time':>6}"
        )
        for t, rs in sorted(types.items()):
            f_t = statistics.fmean(
                float(r["f1_full" if rerun(r, r["held"]) else "f1_fast"]) for r in rs
            )
            t_t = sum(_secs([r], r["held"]) for r in rs) / _secs(rs, ALWAYS)
            print(
                f"{'':20}{t:14} {len(rs):5} {_f1(rs, ALWAYS):6.3f} {f_t:6.3f} "
                f"{_f1(rs, fast_only):6.3f} {t_t:6.3f}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("collect", "signals", "gate"))
    args = parser.parse_args(argv)
    {"collect": collect, "signals": signals, "gate": gate}[args.what]()


if __name__ == "__main__":
    main()
