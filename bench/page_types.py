"""Page types on the whole WCXB development split (wcxb-dev + wcxb-dev-other, 1,497 pages).

    python -m bench.page_types cache      # features and every profile's raw text, per page
    python -m bench.page_types choose     # per type, the profile that scores best held out
    python -m bench.page_types score      # the pipeline, page types off/on, vs trafilatura

Folds are by site (the page URL's host without ``www.``), so a fold's pages come from sites
no other fold has: a score on one fold with choices fitted on the others is a held-out score.
The cache (``bench/out/page-types/cache.jsonl.gz``) keeps the slow part, one trafilatura run per
profile and page, so that choosing and training take seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.corpora import bow_f1, corpora_dir, read_html_bytes
from cleaner.html.charset import decode_page
from cleaner.html.pagetype import PAGE_TYPES, features
from cleaner.html.profiles import (
    DOM_EXTRACTORS,
    TRAFILATURA_PROFILES,
    agreed,
    fresh_tree,
    run_trafilatura,
)

OUT = Path(__file__).resolve().parent / "out" / "page-types"
FOLDERS = ("wcxb-dev", "wcxb-dev-other")
FOLDS = 5


@dataclass(frozen=True)
class TypedPage:
    id: str  # folder/stem
    url: str
    site: str
    page_type: str
    html_path: Path
    gold_text: str


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.") or "(none)"


def fold_of(site: str) -> int:
    """A site's fold: fixed by its name, so every run splits alike."""
    return int(hashlib.sha256(site.encode()).hexdigest()[:8], 16) % FOLDS


def cache_path(folder: str) -> Path:
    return OUT / f"cache-{folder}.jsonl"


def iter_pages(folders: tuple[str, ...] = FOLDERS) -> Iterator[TypedPage]:
    for folder in folders:
        root = corpora_dir() / folder
        for truth_path in sorted((root / "ground-truth").glob("*.json")):
            record = json.loads(truth_path.read_text(encoding="utf-8"))
            url = str(record.get("url") or "")
            kind = (record.get("_internal") or {}).get("page_type") or {}
            yield TypedPage(
                id=f"{folder}/{truth_path.stem}",
                url=url,
                site=site_of(url),
                page_type=str(kind.get("primary") or "article"),
                html_path=root / "html" / f"{truth_path.stem}.html.gz",
                gold_text=str(record["ground_truth"].get("main_content") or ""),
            )


def page_html(page: TypedPage) -> str:
    return decode_page(read_html_bytes(page.html_path)).text or ""


# Article pages are half the split and trafilatura's home ground: only its two main modes run
# on them, which halves the cache's time.
ARTICLE_PROFILES = ("balanced", "precision")


def candidates(html: str, url: str | None, page_type: str) -> dict[str, str]:
    """Every profile's raw text for one page ("" where it finds nothing)."""
    out: dict[str, str] = {}
    tree = fresh_tree(html)  # trafilatura works on a copy; the DOM extractors only read
    for name, extract in DOM_EXTRACTORS.items():
        out[name] = (extract(tree) if tree is not None else None) or ""
    for name, settings in TRAFILATURA_PROFILES.items():
        if page_type == "article" and name not in ARTICLE_PROFILES:
            continue
        try:
            out[name] = (run_trafilatura(tree, url, settings) if tree is not None else None) or ""
        except Exception:  # a failure is an empty output, as in the pipeline
            out[name] = ""
    return out


def build_cache(folder: str, limit: int | None) -> None:
    """Append the folder's pages not yet in its cache (an interrupted run resumes)."""
    OUT.mkdir(parents=True, exist_ok=True)
    cache = cache_path(folder)
    done = set()
    if cache.exists():
        done = {json.loads(line)["id"] for line in cache.read_text("utf-8").splitlines()}
    start = time.perf_counter()
    with cache.open("a", encoding="utf-8") as out:
        for i, page in enumerate(iter_pages((folder,))):
            if limit is not None and i >= limit:
                break
            if page.id in done:
                continue
            html = page_html(page)
            tree = fresh_tree(html)
            row = {
                "id": page.id,
                "site": page.site,
                "type": page.page_type,
                "features": features(tree, page.url or None),
                "texts": candidates(html, page.url or None, page.page_type),
            }
            out.write(json.dumps(row, sort_keys=True) + "\n")
            out.flush()
            if i % 100 == 0:
                print(f"{i} pages, {time.perf_counter() - start:.0f} s", flush=True)


def read_cache() -> list[dict[str, Any]]:
    gold = {p.id: p.gold_text for p in iter_pages()}
    rows = []
    for folder in FOLDERS:
        with cache_path(folder).open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                row["gold"] = gold[row["id"]]
                rows.append(row)
    return rows


def with_fallback(texts: dict[str, str], profile: str) -> str | None:
    """A DOM extractor's text, else the trafilatura profile's (what the pipeline does); None
    when the cache has not run that profile on the page (article pages run two)."""
    if "~" in profile:
        first, _, second = profile.partition("~")
        if second not in texts:
            return None
        return agreed(texts[first] or None, texts[second] or None) or ""
    first, _, second = profile.rpartition("+")
    if second not in texts:
        return None
    return (texts[first] if first else "") or texts[second]


def profile_names(rows: list[dict[str, Any]]) -> list[str]:
    names = sorted({n for r in rows for n in r["texts"]})
    dom = [n for n in names if n in DOM_EXTRACTORS]
    plain = [n for n in names if n not in DOM_EXTRACTORS]
    return (
        plain
        + [f"{d}+{p}" for d in dom for p in ("balanced", "recall_comments", "comments")]
        + [f"{d}~{p}" for d in dom for p in ("balanced", "recall")]
    )


def score_rows(rows: list[dict[str, Any]], names: list[str]) -> None:
    """Each row's word F1 per profile it has, once (``row["f1"]``)."""
    for row in rows:
        row["f1"] = {}
        for name in names:
            text = with_fallback(row["texts"], name)
            if text is not None:
                row["f1"][name] = bow_f1(text, row["gold"])


def f1_table(rows: list[dict[str, Any]], names: list[str]) -> dict[str, dict[str, float]]:
    """Mean word F1 per (type, profile) over the rows with gold text."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["gold"].strip():
            for name, f1 in row["f1"].items():
                sums[row["type"]][name].append(f1)
    return {t: {n: statistics.fmean(v) for n, v in by.items()} for t, by in sums.items()}


def _best(scores: dict[str, float], names: list[str]) -> str:
    # ties go to the earlier name: the plainer profile
    return max(scores, key=lambda n: (scores[n], -names.index(n)))


def _score(row: dict[str, Any], profile: str) -> float:
    f1: float = row["f1"][profile]
    return f1


def choose(
    rows: list[dict[str, Any]], predicted: dict[str, tuple[str, float]] | None = None
) -> None:
    """Per type, the best profile on all pages, and held out: fitted on four folds of sites,
    scored on the fifth (with the true type, and with the classifier's held-out type)."""
    names = profile_names(rows)
    score_rows(rows, names)
    table = f1_table(rows, names)
    print(f"{'type':14} {'pages':>5} " + " ".join(f"{n[:15]:>15}" for n in names))
    counts = Counter(r["type"] for r in rows)
    for t in PAGE_TYPES:
        if t in table:
            cells = (f"{table[t][n]:15.3f}" if n in table[t] else f"{'-':>15}" for n in names)
            print(f"{t:14} {counts[t]:5} " + " ".join(cells))
    best_all = {t: _best(table[t], names) for t in table}
    print("best on all pages:", json.dumps(best_all, sort_keys=True))
    scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for k in range(FOLDS):
        fit = [r for r in rows if fold_of(r["site"]) != k]
        test = [r for r in rows if fold_of(r["site"]) == k and r["gold"].strip()]
        t_fit = f1_table(fit, names)
        best = {t: _best(t_fit[t], names) for t in t_fit}
        for r in test:
            scores["true type"][r["type"]].append(_score(r, best[r["type"]]))
            for floor in (0.0, 0.6, 0.7, 0.8) if predicted else ():
                assert predicted is not None
                # an article page has no cached text for the other types' trafilatura
                # profiles: scored as balanced (what a wrong guess costs is then understated
                # only where the DOM extractor finds nothing)
                guess, confidence = predicted[r["id"]]
                profile = best[guess] if confidence >= floor else "balanced"
                if profile not in r["f1"]:
                    profile = (
                        profile[: -len(profile.rpartition("~")[2])] + "balanced"
                        if "~" in profile
                        else "balanced"
                    )
                scores[f"predicted, p>={floor}"][r["type"]].append(_score(r, profile))
            scores["balanced (today)"][r["type"]].append(_score(r, "balanced"))
            scores["precision"][r["type"]].append(_score(r, "precision"))
    print("held out (choice fitted on the other folds' sites), mean word F1:")
    print(f"{'':18} {'all pages':>9} " + " ".join(f"{t[:8]:>8}" for t in PAGE_TYPES))
    for name, by_type in scores.items():
        every = [v for t in PAGE_TYPES for v in by_type[t]]
        means = " ".join(f"{statistics.fmean(by_type[t]):8.3f}" for t in PAGE_TYPES)
        print(f"{name:18} {statistics.fmean(every):9.3f} {means}  ({len(every)} pages)")


def _cleaners() -> dict[str, Any]:
    from cleaner.pipeline import Cleaner

    rules = Path(__file__).resolve().parent.parent / "rules"
    return {
        mode: Cleaner.from_paths([rules], None, (({"html": {"page_types": mode}}, "bench"),))
        for mode in ("off", "extract")
    }


def score(per_type: int) -> None:
    """The whole pipeline, page types off and on, beside trafilatura (defaults, precision,
    recall), on the first ``per_type`` pages of each type: word F1 per type and seconds per
    page. The shipped classifier has seen these pages (in sample): the held-out figures are
    ``choose``'s."""
    import trafilatura

    from bench.html_quality import clean_page

    cleaners = _cleaners()
    taken: Counter[str] = Counter()
    f1s: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    seconds: dict[str, float] = defaultdict(float)
    found: Counter[tuple[str, str]] = Counter()
    modes = {
        "trafilatura": "",
        "trafilatura precision": "precision",
        "trafilatura recall": "recall",
    }
    for page in iter_pages():
        if taken[page.page_type] >= per_type or not page.gold_text.strip():
            continue
        taken[page.page_type] += 1
        data = read_html_bytes(page.html_path)
        url = page.url or None
        for mode, cleaner in cleaners.items():
            start = time.perf_counter()
            record, _ = clean_page(cleaner, page.id, data, url)
            seconds["cleaner " + mode] += time.perf_counter() - start
            name = f"cleaner, page types {mode}"
            f1s[page.page_type][name].append(bow_f1(record.text if record else "", page.gold_text))
            if mode == "extract" and record is not None:
                found[(page.page_type, record.page_type or "-")] += 1
        for name, favor in modes.items():
            start = time.perf_counter()
            text = (
                trafilatura.extract(
                    data,
                    url=url,
                    favor_precision=favor == "precision",
                    favor_recall=favor == "recall",
                )
                or ""
            )
            seconds[name] += time.perf_counter() - start
            f1s[page.page_type][name].append(bow_f1(text, page.gold_text))
    names = list(next(iter(f1s.values())))
    pages = sum(taken.values())
    print(f"\n== whole pipeline, first {per_type} pages with gold of each type ({pages} pages)")
    print(f"{'type':14} " + " ".join(f"{n[:26]:>26}" for n in names))
    overall: dict[str, list[float]] = defaultdict(list)
    for t in PAGE_TYPES:
        print(f"{t:14} " + " ".join(f"{statistics.fmean(f1s[t][n]):26.3f}" for n in names))
        for n in names:
            overall[n].append(statistics.fmean(f1s[t][n]))
    print(
        f"{'mean of types':14} " + " ".join(f"{statistics.fmean(overall[n]):26.3f}" for n in names)
    )
    print("seconds per page:", {k: round(v / pages, 3) for k, v in sorted(seconds.items())})
    right = sum(v for (t, g), v in found.items() if t == g)
    print(f"page_type right on {right}/{sum(found.values())} records (in sample)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("cache", "choose", "score"))
    parser.add_argument("--per-type", type=int, default=15, help="score: pages per type")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--folder", choices=FOLDERS, help="cache one folder (default: both)")
    args = parser.parse_args(argv)
    if args.command == "cache":
        for folder in [args.folder] if args.folder else FOLDERS:
            build_cache(folder, args.limit)
    elif args.command == "score":
        score(args.per_type)
    else:
        oof = OUT / "oof.json"
        predicted = json.loads(oof.read_text()) if oof.exists() else None
        choose(read_cache(), predicted)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
