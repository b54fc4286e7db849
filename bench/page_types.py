"""Page types on the whole WCXB development split (wcxb-dev + wcxb-dev-other, 1,497 pages).

    python -m bench.page_types cache      # features and every profile's raw text, per page
    python -m bench.page_types extra      # other extractors' text (resiliparse, justext, ...)
    python -m bench.page_types choose     # per type, the profile that scores best held out
    python -m bench.page_types folds      # each changed profile against last stop's, by fold
    python -m bench.page_types score      # the pipeline, page types off/on, vs trafilatura
    python -m bench.page_types pipeline --try TYPE=PROFILE  # the pipeline, shipped vs trial

Folds are by site (the page URL's host without ``www.``), so a fold's pages come from sites
no other fold has: a score on one fold with choices fitted on the others is a held-out score.
The cache (``bench/out/page-types/cache.jsonl.gz``) keeps the slow part, one trafilatura run per
profile and page, so that choosing and training take seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.corpora import bow_f1, corpora_dir, read_html_bytes
from cleaner.html.charset import decode_page
from cleaner.html.pagetype import PAGE_TYPES, features
from cleaner.html.profiles import (
    DOM_EXTRACTORS,
    MIN_SCORE,
    PROFILE_BY_TYPE,
    TRAFILATURA_PROFILES,
    agreed,
    fresh_tree,
    render,
    run_trafilatura,
)
from cleaner.html.second import both, either, resiliparse_text

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


def extra_path(folder: str) -> Path:
    return OUT / f"extra-{folder}.jsonl"


def _justext(html: str) -> str:
    import justext

    paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def _readability(html: str) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    return render(lxml.html.fromstring(summary)) if summary.strip() else ""


# Other maintained extractors, each on the page's HTML; "resiliparse" is the one the
# pipeline can use (cleaner.html.second), the others are measured here only.
EXTRA_EXTRACTORS = {
    "resiliparse": lambda html: resiliparse_text(html) or "",
    "justext": _justext,
    "readability": _readability,
}


def build_extra(folder: str) -> None:
    """Each extra extractor's text and process time per page (resumes like the cache)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = extra_path(folder)
    done = set()
    if path.exists():
        done = {json.loads(line)["id"] for line in path.read_text("utf-8").splitlines()}
    with path.open("a", encoding="utf-8") as out:
        for i, page in enumerate(iter_pages((folder,))):
            if page.id in done:
                continue
            html = page_html(page)
            texts, seconds = {}, {}
            for name, extract in EXTRA_EXTRACTORS.items():
                start = time.process_time()
                try:
                    texts[name] = extract(html) or ""
                except Exception:  # a failure is an empty output
                    texts[name] = ""
                seconds[name] = round(time.process_time() - start, 5)
            row = {"id": page.id, "texts": texts, "seconds": seconds}
            out.write(json.dumps(row, sort_keys=True) + "\n")
            out.flush()
            if i % 100 == 0:
                print(f"{i} pages", flush=True)


def read_cache() -> list[dict[str, Any]]:
    gold = {p.id: p.gold_text for p in iter_pages()}
    rows = []
    for folder in FOLDERS:
        with cache_path(folder).open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                row["gold"] = gold[row["id"]]
                rows.append(row)
    extra: dict[str, dict[str, Any]] = {}
    for folder in FOLDERS:
        if extra_path(folder).exists():
            with extra_path(folder).open(encoding="utf-8") as f:
                for line in f:
                    got = json.loads(line)
                    extra[got["id"]] = got
    for row in rows:
        if row["id"] in extra:
            row["texts"].update(extra[row["id"]]["texts"])
            row["seconds"] = extra[row["id"]]["seconds"]
    return rows


def with_fallback(texts: dict[str, str], profile: str) -> str | None:
    """A DOM extractor's text, else the trafilatura profile's (what the pipeline does); None
    when the cache has not run that profile on the page (article pages run two)."""
    for how, vote in (("|", either), ("^", _long_either), ("&", both)):
        if how in profile:
            first, _, second = profile.partition(how)
            a, b = with_fallback(texts, first), with_fallback(texts, second)
            if a is None or b is None:
                return None
            return vote(a or None, b or None) or ""
    if "~" in profile:
        first, _, second = profile.partition("~")
        if second not in texts:
            return None
        return agreed(texts[first] or None, texts[second] or None) or ""
    first, _, second = profile.rpartition("+")
    if second not in texts:
        return None
    return (texts[first] if first else "") or texts[second]


def _long_either(first: str | None, second: str | None) -> str | None:
    return either(first, second, LONG_LINE)


LONG_LINE = 10  # words: "^" adds only the second extractor's lines this long


# The profiles the pipeline can run (resiliparse the only second extractor: a few ms a page,
# where justext and readability cost 40-50 ms and won nowhere it did not); ``--all`` scores
# every combination the cache allows (about ten minutes).
SHIPPABLE = (
    "balanced", "precision", "recall", "comments", "posts+balanced", "posts~recall",
    "items~balanced", "resiliparse", "balanced|resiliparse", "balanced^resiliparse",
    "recall^resiliparse", "resiliparse~balanced", "posts+balanced|resiliparse",
    "items~balanced|resiliparse", "items~balanced^resiliparse",
)  # fmt: skip


def profile_names(
    rows: list[dict[str, Any]], every: bool = False, second: bool = True
) -> list[str]:
    if not every:
        return [n for n in SHIPPABLE if second or "resiliparse" not in n]
    names = sorted({n for r in rows for n in r["texts"]})
    dom = [n for n in names if n in DOM_EXTRACTORS]
    plain = [n for n in names if n not in DOM_EXTRACTORS]
    extra = [n for n in EXTRA_EXTRACTORS if n in names]
    plain = [n for n in plain if n not in extra]
    return (
        plain
        + [f"{d}+{p}" for d in dom for p in ("balanced", "recall_comments", "comments")]
        + [f"{d}~{p}" for d in dom for p in ("balanced", "recall")]
        + extra
        + [f"{p}{how}{x}" for x in extra for how in "&|^" for p in ("balanced", "recall")]
        + [f"{x}~balanced" for x in extra]
        + [f"posts+balanced{how}{x}" for x in extra for how in "&|^"]
        + [f"items~balanced{how}{x}" for x in extra for how in "&|^"]
        + [f"balanced{how}{a}&{b}" for how in "|^" for a, b in combinations(extra, 2)]
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


_SETTINGS = re.compile(r"\b(?:recall_comments|recall|comments|precision)\b")


def _on_balanced(profile: str) -> str:
    """The profile with trafilatura's balanced settings (all an article page has cached)."""
    return _SETTINGS.sub("balanced", profile)


def _score(row: dict[str, Any], profile: str) -> float:
    """The row's word F1 with the profile (scored now if the table of names left it out)."""
    if profile not in row["f1"]:
        other = row.setdefault("f1_other", {})
        if profile not in other:
            other[profile] = bow_f1(with_fallback(row["texts"], profile) or "", row["gold"])
        return float(other[profile])
    f1: float = row["f1"][profile]
    return f1


def choose(
    rows: list[dict[str, Any]],
    predicted: dict[str, tuple[str, float]] | None = None,
    every: bool = False,
    second: bool = True,
) -> None:
    """Per type, the best profile on all pages, and held out: fitted on four folds of sites,
    scored on the fifth (with the true type, and with the classifier's held-out type)."""
    names = profile_names(rows, every, second)
    score_rows(rows, names)
    table = f1_table(rows, names)
    counts = Counter(r["type"] for r in rows if r["gold"].strip())
    types = [t for t in PAGE_TYPES if t in table]
    print(f"{'profile':34} " + " ".join(f"{t[:8]:>8}" for t in types))
    print(f"{'(pages)':34} " + " ".join(f"{counts[t]:8}" for t in types))
    for n in names:
        cells = (f"{table[t][n]:8.3f}" if n in table[t] else f"{'-':>8}" for t in types)
        print(f"{n:34} " + " ".join(cells))
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
                profile = best.get(guess, "balanced") if confidence >= floor else "balanced"
                if profile not in r["f1"]:
                    profile = _on_balanced(profile)
                scores[f"predicted, p>={floor}"][r["type"]].append(_score(r, profile))
            guess, confidence = predicted[r["id"]] if predicted else (r["type"], 1.0)
            shipped = PROFILE_BY_TYPE[guess] if confidence >= MIN_SCORE else "balanced"
            if shipped not in r["f1"] and r["type"] == "article":
                shipped = _on_balanced(shipped)
            scores["shipped map (*)"][r["type"]].append(_score(r, shipped))
            scores["balanced (today)"][r["type"]].append(_score(r, "balanced"))
            scores["precision"][r["type"]].append(_score(r, "precision"))
    print("held out (choice fitted on the other folds' sites), mean word F1:")
    print(f"{'':18} {'all pages':>9} " + " ".join(f"{t[:8]:>8}" for t in PAGE_TYPES))
    for name, by_type in scores.items():
        pages = [v for t in PAGE_TYPES for v in by_type[t]]
        means = " ".join(f"{statistics.fmean(by_type[t]):8.3f}" for t in PAGE_TYPES)
        print(f"{name:18} {statistics.fmean(pages):9.3f} {means}  ({len(pages)} pages)")


# Last stop's shipped map, before the second extractor: ``folds`` compares each type's profile
# now with it, fold by fold (a change that wins on most folds' sites is not one site's luck).
PREVIOUS = {
    "article": "balanced",
    "forum": "posts+balanced",
    "product": "balanced",
    "collection": "items~balanced",
    "listing": "items~balanced",
    "documentation": "posts~recall",
    "service": "balanced",
}


def fold_deltas(rows: list[dict[str, Any]]) -> None:
    """Per type whose profile changed, the mean word F1 change on each fold's sites (true
    type), new profile minus PREVIOUS."""
    for t in PAGE_TYPES:
        old, new = PREVIOUS[t], PROFILE_BY_TYPE[t]
        if old == new:
            continue
        per: dict[int, list[float]] = defaultdict(list)
        for r in rows:
            if r["type"] == t and r["gold"].strip():
                a = bow_f1(with_fallback(r["texts"], old) or "", r["gold"])
                b = bow_f1(with_fallback(r["texts"], new) or "", r["gold"])
                per[fold_of(r["site"])].append(b - a)
        cells = " ".join(
            f"fold {k}: {statistics.fmean(v):+.3f} ({len(v)})" for k, v in sorted(per.items())
        )
        print(f"{t:14} {old} -> {new}: {cells}")


def pipeline_compare(trial: dict[str, str], first: int, count: int) -> None:
    """The whole pipeline (html.page_types: extract, text packs after extraction) with the
    shipped map and with ``trial``'s profiles in its place, on pages first+1 .. first+count of
    each type ``trial`` names: a profile chosen on raw extractor text must also win after the
    text packs (the boilerplate line model reads the added lines too)."""
    from bench.html_quality import clean_page
    from cleaner.html import profiles

    cleaner = _cleaners()["extract"]
    shipped = dict(profiles.PROFILE_BY_TYPE)
    taken: Counter[str] = Counter()
    f1s: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for page in iter_pages(("wcxb-dev-other",)):
        if page.page_type not in trial or not page.gold_text.strip():
            continue
        taken[page.page_type] += 1
        if not first < taken[page.page_type] <= first + count:
            continue
        data = read_html_bytes(page.html_path)
        pair = []
        for mapping in (shipped, {**shipped, **trial}):
            profiles.PROFILE_BY_TYPE.update(mapping)
            record, _ = clean_page(cleaner, page.id, data, page.url or None)
            pair.append(bow_f1(record.text if record else "", page.gold_text))
        profiles.PROFILE_BY_TYPE.update(shipped)
        f1s[page.page_type].append((pair[0], pair[1]))
    for t, pairs in f1s.items():
        old = statistics.fmean(a for a, _ in pairs)
        new = statistics.fmean(b for _, b in pairs)
        print(f"{t:14} {len(pairs)} pages: shipped {old:.3f}, {trial[t]} {new:.3f}")


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
    parser.add_argument(
        "command", choices=("cache", "extra", "choose", "folds", "score", "pipeline")
    )
    parser.add_argument(
        "--try",
        dest="trial",
        action="append",
        default=[],
        help="pipeline: TYPE=PROFILE to set against the shipped one",
    )
    parser.add_argument("--first", type=int, default=0, help="pipeline: pages to skip per type")
    parser.add_argument("--per-type", type=int, default=15, help="score: pages per type")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--all", action="store_true", help="choose: every combination")
    parser.add_argument(
        "--no-second", action="store_true", help="choose: without the second extractor"
    )
    parser.add_argument("--folder", choices=FOLDERS, help="cache one folder (default: both)")
    args = parser.parse_args(argv)
    if args.command == "cache":
        for folder in [args.folder] if args.folder else FOLDERS:
            build_cache(folder, args.limit)
    elif args.command == "extra":
        for folder in [args.folder] if args.folder else FOLDERS:
            build_extra(folder)
    elif args.command == "score":
        score(args.per_type)
    elif args.command == "pipeline":
        trial = dict(item.split("=", 1) for item in args.trial)
        pipeline_compare(trial, args.first, args.per_type)
    elif args.command == "folds":
        fold_deltas(read_cache())
    else:
        oof = OUT / "oof.json"
        predicted = json.loads(oof.read_text()) if oof.exists() else None
        choose(read_cache(), predicted, args.all, not args.no_second)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
