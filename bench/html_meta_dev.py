"""Dev harness for HTML dates and titles: the page-metadata step only, on the dated pages.

    python -m bench.html_meta_dev [--corpus ctf wcxb other] [--limit N] [--dump FILE]
                                  [--show CORPUS:HALF:WHAT] [--baselines]

Runs ``read_page`` (cleaner's metadata) and, for a page with no published date, htmldate's
fast search as ``html_to_text`` does: the date and title the pipeline's HTML step gives, in
seconds instead of the full bench's half hour (``bench.html_quality --corpus dates`` runs the
whole pipeline, once at the end). htmldate fast and extensive as baselines are computed once
and kept in ``bench/out/html-dates-baselines.json`` (``--baselines`` recomputes them).

``--show ctf:tune:date`` prints the wrong pages of that corpus and half (``date``, ``none``:
dates given where the truth has none, ``title``); look at the tune half only. The held-out
half's figures are printed only with ``--held-out``: iterate on the tune half, and score the
held-out half once, at the end.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.corpora import read_html_bytes
from bench.html_quality import DatedPage, _htmldate, iter_dated, norm
from cleaner.html.charset import decode_page
from cleaner.html.extract import _htmldate as fallback
from cleaner.html.extract import read_page

CACHE = Path(__file__).resolve().parent / "out" / "html-dates-baselines.json"


def _baselines(pages: list[DatedPage], refresh: bool) -> dict[str, dict[str, str | None]]:
    cache: dict[str, dict[str, str | None]] = {}
    if CACHE.exists() and not refresh:
        cache = json.loads(CACHE.read_text(encoding="utf-8"))
    fast, extensive = _htmldate(False, original=True), _htmldate(True, original=True)
    todo = [p for p in pages if f"{p.corpus}/{p.id}" not in cache]
    for page in todo:
        data = read_html_bytes(page.path)
        cache[f"{page.corpus}/{page.id}"] = {
            "fast": fast(data, page.url),
            "extensive": extensive(data, page.url),
        }
    if todo:
        CACHE.parent.mkdir(exist_ok=True)
        CACHE.write_text(json.dumps(cache, sort_keys=True), encoding="utf-8")
    return cache


def run(pages: list[DatedPage]) -> tuple[list[dict[str, Any]], float]:
    """Each page's metadata result, and the CPU seconds the metadata step took."""
    rows = []
    spent = 0.0
    for page in pages:
        html = decode_page(read_html_bytes(page.path)).text or ""
        start = time.process_time()
        got = read_page(html, page.url)
        meta = got.meta
        published, how = meta.fields.get("date_published"), meta.fields_from.get("date_published")
        if published is None and got.tree is not None:
            published = fallback(got.tree, page.url or meta.canonical_url, meta.crawl_date)
            how = "htmldate" if published else None
        spent += time.process_time() - start
        rows.append(
            {
                "corpus": page.corpus, "id": page.id, "site": page.site,
                "half": "held out" if page.held_out else "tune", "url": page.url,
                "day": page.day, "titles": list(page.titles),
                "published": published, "how": how, "crawl": meta.crawl_date,
                "updated": meta.fields.get("date_updated"),
                "title": meta.fields.get("title"), "title_from": meta.fields_from.get("title"),
            }
        )  # fmt: skip
    return rows, spent


def _title_right(row: dict[str, Any]) -> bool:
    return norm(row["title"]) in {norm(t) for t in row["titles"]}


def score(
    rows: list[dict[str, Any]], base: dict[str, dict[str, str | None]], held_out: bool
) -> None:
    tally: dict[tuple[str, str, str], Counter[str]] = {}
    for row in rows:
        if row["half"] != "tune" and not held_out:
            continue
        b = base.get(f"{row['corpus']}/{row['id']}", {})
        for who, got in (
            ("cleaner", row["published"]),
            ("hd fast", b.get("fast")),
            ("hd extensive", b.get("extensive")),
        ):
            c = tally.setdefault((row["corpus"], row["half"], who), Counter())
            if row["day"]:
                c["dated"] += 1
                c["right"] += got is not None and got[:10] == row["day"]
                # The truth is often the date a page shows as updated: kept apart, but counted.
                upd = row["updated"] if who == "cleaner" else None
                c["either"] += (got or "")[:10] == row["day"] or (upd or "")[:10] == row["day"]
            else:
                c["undated"] += 1
                c["given"] += got is not None
        if row["titles"]:
            c = tally.setdefault((row["corpus"], row["half"], "title"), Counter())
            c["dated"] += 1
            c["right"] += _title_right(row)
    for (corpus, half, who), c in sorted(tally.items()):
        given = f"{c['given']:>4}/{c['undated']}" if who != "title" else ""
        either = f"  published or updated {c['either']:>3}" if who == "cleaner" else ""
        print(
            f"{corpus:6} {half:8} {who:13} {c['right'] / max(c['dated'], 1):6.3f} "
            f"({c['right']:>3}/{c['dated']:>3}) {given}{either}"
        )


def show(rows: list[dict[str, Any]], base: dict[str, dict[str, str | None]], what: str) -> None:
    corpus, half, kind = what.split(":")
    for row in rows:
        if row["corpus"] != corpus or row["half"] != half:
            continue
        b = base.get(f"{row['corpus']}/{row['id']}", {})
        if kind == "date" and row["day"] and (row["published"] or "")[:10] != row["day"]:
            print(
                f"{row['id']:40} truth {row['day']} got {row['published']} ({row['how']}) "
                f"ext {b.get('extensive')} fast {b.get('fast')} crawl {row['crawl']} {row['url']}"
            )
        elif kind == "none" and not row["day"] and row["published"]:
            print(f"{row['id']:40} got {row['published']} ({row['how']}) {row['url']}")
        elif kind == "title" and row["titles"] and not _title_right(row):
            print(f"{row['id']:40} [{row['title_from']}] {row['title']!r}")
            print(f"{'':40} truth {row['titles']!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=["ctf", "wcxb", "other"])
    parser.add_argument("--limit", type=int)
    parser.add_argument("--dump", help="write each page's result as JSON lines here")
    parser.add_argument("--show", action="append", default=[])
    parser.add_argument("--baselines", action="store_true", help="recompute htmldate's dates")
    parser.add_argument("--held-out", action="store_true", help="score the held-out half too")
    args = parser.parse_args(argv)
    pages = list(iter_dated(args.corpus, args.limit))
    base = _baselines(pages, args.baselines)
    rows, spent = run(pages)
    score(rows, base, args.held_out)
    print(f"metadata step: {spent:.1f} CPU s for {len(rows)} pages")
    for what in args.show:
        show(rows, base, what)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
