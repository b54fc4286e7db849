"""Where HTML pages lose words between the extractor's text and the record (issue 14, point 1).

    python -m bench.pipeline_loss run [--per-type 30] [--set html.page_types=extract] [--tag T]
    python -m bench.pipeline_loss report [--tag T]

``run`` takes a sample of WCXB pages stratified by type and site (at most one page a site,
``--per-type`` of each of the seven types, in the order of a hash of the page id, so the sample
does not follow the corpus's file order), and for each page records: the word F1 of the
extractor's text (``Cleaner.article_text``: read, HTML step, repair) and of the record's text
(0 when rejected, with the reject's code), and for every chrome rule that fired (the tracer's
before/after lines) the word F1 it moved and the gold and non-gold words it removed. What is
left between the two F1s (normalising, fields, rounds after the first) is ``other``.

``report`` sums it per page type and rule, for the folds of ``bench.page_types`` (by site).
Rows go to ``bench/out/pipeline-loss/<tag>.jsonl``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.corpora import bow_f1, read_html_bytes
from bench.page_types import fold_of, iter_pages
from cleaner.html.pagetype import PAGE_TYPES
from cleaner.record import RawArticle, Record

OUT = Path(__file__).resolve().parent / "out" / "pipeline-loss"
_TOKEN_RE = re.compile(r"\w+")  # bow_f1's tokens


def bag(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN_RE.findall(text))


class LossTracer:
    """Hears every chrome rule that changes the lines and keeps what it did to gold words."""

    def __init__(self, gold: str) -> None:
        self.gold = gold
        self.gold_bag = bag(gold)
        self.rules: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])

    def chrome(self, rule: Any, round_no: int, before: list[str], after: list[str]) -> None:
        a, b = "\n".join(before), "\n".join(after)
        bag_a, bag_b = bag(a), bag(b)
        hit_a = (bag_a & self.gold_bag).total()
        hit_b = (bag_b & self.gold_bag).total()
        row = self.rules[rule.id]
        row[0] += bow_f1(b, self.gold) - bow_f1(a, self.gold)
        row[1] += hit_a - hit_b  # gold words removed
        row[2] += (bag_a.total() - bag_b.total()) - (hit_a - hit_b)  # other words removed

    def extract(self, rule: Any, value: str, used: bool) -> None:
        pass


def sample(per_type: int) -> list[Any]:
    """``per_type`` pages of each type, one a site; 0: every page with gold text (hash order:
    a run stopped early is a uniform sample)."""
    pages = [p for p in iter_pages() if p.gold_text.strip()]
    pages.sort(key=lambda p: hashlib.sha256(p.id.encode()).hexdigest())
    if per_type == 0:
        return pages
    taken: Counter[str] = Counter()
    sites: set[str] = set()
    out = []
    for p in pages:
        if taken[p.page_type] >= per_type or p.site in sites:
            continue
        taken[p.page_type] += 1
        sites.add(p.site)
        out.append(p)
    return out


def _settings(items: list[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for item in items:
        key, value = item.split("=", 1)
        section, name = key.split(".", 1)
        parsed: Any = value
        if value in ("true", "false"):
            parsed = value == "true"
        elif value.lstrip("-").isdigit():
            parsed = int(value)
        settings.setdefault(section, {})[name] = parsed
    return settings


def run(
    per_type: int, settings: list[str], tag: str, with_blocks: bool, record_only: bool = False
) -> None:
    """``with_blocks`` (with ``--set html.page_types=blocks``): each page's block model is the
    one fitted without its site's fold (``bench.blocks folds``), so the figure is held out."""
    import contextlib
    from unittest import mock

    from bench.blocks import DATA
    from cleaner.html import blocks
    from cleaner.pipeline import Cleaner

    rules = Path(__file__).resolve().parent.parent / "rules"
    cleaner = Cleaner.from_paths([rules], None, ((_settings(settings), "bench"),))
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / f"{tag}.jsonl").open("w", encoding="utf-8") as out:
        for page in sample(per_type):
            data = read_html_bytes(page.html_path)
            raw = RawArticle(page.id, page.id, data, url=page.url or None, html=True)
            with contextlib.ExitStack() as stack:
                if with_blocks:
                    model = json.loads((DATA / f"fold-{fold_of(page.site)}.json").read_text())
                    stack.enter_context(mock.patch.object(blocks, "_model", lambda m=model: m))
                # record_only: the record's figure alone (half the time: one extraction)
                text = "" if record_only else cleaner.article_text(raw) or ""
                tracer = LossTracer(page.gold_text)
                result = cleaner.clean(raw, tracer=tracer).result
            record = result if isinstance(result, Record) else None
            reject = None if isinstance(result, Record) else result.reasons[0].code
            row = {
                "id": page.id,
                "type": page.page_type,
                "fold": fold_of(page.site),
                "raw": None if record_only else bow_f1(text, page.gold_text),
                "record": bow_f1(record.text, page.gold_text) if record else 0.0,
                "reject": reject,
                "guess": record.page_type if record else None,
                "extractor": record.extractor if record else None,
                "rules": {k: [round(v[0], 5), v[1], v[2]] for k, v in tracer.rules.items()},
            }
            out.write(json.dumps(row) + "\n")
            out.flush()


def report(tags: list[str], folds: set[int] | None) -> None:
    for tag in tags:
        rows = [json.loads(line) for line in (OUT / f"{tag}.jsonl").open()]
        if folds is not None:
            rows = [r for r in rows if r["fold"] in folds]
        print(f"\n== {tag}: {len(rows)} pages" + (f", folds {sorted(folds)}" if folds else ""))
        if any(r["raw"] is None for r in rows):  # --record-only: the record's figure per type
            for t in PAGE_TYPES:
                got = [r["record"] for r in rows if r["type"] == t]
                print(f"{t:14} {len(got):5} {statistics.fmean(got):.3f}" if got else t)
            print(f"{'all':14} {len(rows):5} {statistics.fmean(r['record'] for r in rows):.4f}")
            continue
        print(f"{'type':14} {'pages':>5} {'raw':>6} {'record':>6} {'reject':>7} {'rules':>7} other")
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_type[r["type"]].append(r)
        for t in (*PAGE_TYPES, "all"):
            rs = rows if t == "all" else by_type.get(t, [])
            if not rs:
                continue
            raw = statistics.fmean(r["raw"] for r in rs)
            rec = statistics.fmean(r["record"] for r in rs)
            rej = statistics.fmean(-r["raw"] if r["reject"] else 0.0 for r in rs)
            rule = statistics.fmean(
                0.0 if r["reject"] else sum(v[0] for v in r["rules"].values()) for r in rs
            )
            other = rec - raw - rej - rule
            print(f"{t:14} {len(rs):5} {raw:6.3f} {rec:6.3f} {rej:+7.3f} {rule:+7.3f} {other:+.3f}")
        rejects = Counter((r["type"], r["reject"]) for r in rows if r["reject"])
        print(
            "rejects (type, code): "
            + ", ".join(f"{t}/{c} {n}" for (t, c), n in rejects.most_common())
        )
        per_rule: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0, 0])
        per_rule_type: dict[tuple[str, str], float] = defaultdict(float)
        for r in rows:
            if r["reject"]:
                continue
            for k, (d, g, o) in r["rules"].items():
                acc = per_rule[k]
                acc[0] += d / len(rows)
                acc[1] += g
                acc[2] += o
                acc[3] += 1
                per_rule_type[(k, r["type"])] += d / len(by_type[r["type"]])
        print(f"{'rule':34} {'F1 moved':>8} {'gold out':>8} {'other out':>9} pages  per type")
        for k, (d, g, o, n) in sorted(per_rule.items(), key=lambda kv: kv[1][0])[:15]:
            cells = " ".join(f"{t[:4]}{per_rule_type[(k, t)]:+.3f}" for t in PAGE_TYPES)
            print(f"{k[:34]:34} {d:+8.4f} {int(g):8} {int(o):9} {n:5}  {cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("run", "report"))
    parser.add_argument("--per-type", type=int, default=30, help="0: every page")
    parser.add_argument("--set", action="append", default=[], help="SECTION.KEY=VALUE")
    parser.add_argument("--tag", action="append", default=[])
    parser.add_argument("--blocks", action="store_true", help="run: held-out block models")
    parser.add_argument("--record-only", action="store_true", help="run: no extractor text")
    parser.add_argument("--folds", help="report: comma-separated folds")
    args = parser.parse_args(argv)
    if args.command == "run":
        run(args.per_type, args.set, (args.tag or ["default"])[0], args.blocks, args.record_only)
    else:
        folds = {int(f) for f in args.folds.split(",")} if args.folds else None
        report(args.tag or ["default"], folds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
