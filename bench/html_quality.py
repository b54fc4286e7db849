"""HTML quality: cleaner's page pipeline against trafilatura and htmldate, on human ground truth.

    python -m bench.html_quality [--corpus aeb wcxb ctf] [--limit N]

For every page, ``cleaner`` runs the whole pipeline (charset, metadata, site packs or
trafilatura, then the text packs) with the rules in ``rules/``; a rejected page counts as empty
output. Beside it, on the same pages: trafilatura with its defaults (``extract``) and htmldate
with its defaults (``find_date``).

- AEB: shingle precision / recall / F1 against ``articleBody`` (the benchmark's own score).
- WCXB article pages: mean bag-of-words F1 against ``main_content``; the share of ``with``
  snippets kept and ``without`` snippets removed; date accuracy (exact match with
  ``publish_date`` over the pages that have one, and dates given where the truth has none);
  title exact match after normalisation.
- ctf: shingle F1 per site, with the site packs' HTML rules (the URL is not in the corpus, so
  the site name is passed as the article's site).
"""

from __future__ import annotations

import argparse
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bench.corpora import aeb_f1, bow_f1, ctf_sites, iter_aeb, iter_ctf, iter_wcxb, read_html_bytes
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record

T = TypeVar("T")
RULES = Path(__file__).resolve().parent.parent / "rules"
_FOLD = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def norm(text: str | None) -> str:
    """Casefolded, NFKC, quotes and dashes straightened, whitespace collapsed, end punctuation off."""
    folded = unicodedata.normalize("NFKC", text or "").casefold().translate(_FOLD)
    return " ".join(folded.split()).strip(" .!?:;,")


@dataclass
class Timer:
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def _trafilatura() -> Callable[[bytes, str | None], str]:
    import trafilatura

    def extract(data: bytes, url: str | None) -> str:
        return trafilatura.extract(data, url=url) or ""

    return extract


def _htmldate() -> Callable[[bytes, str | None], str | None]:
    from htmldate import find_date

    def date(data: bytes, url: str | None) -> str | None:
        try:
            found = find_date(data, url=url)
        except Exception:  # a baseline's failure is a missing date, as for any caller
            return None
        return found if isinstance(found, str) else None

    return date


def _trafilatura_title() -> Callable[[bytes, str | None], str | None]:
    from trafilatura import extract_metadata, load_html

    def title(data: bytes, url: str | None) -> str | None:
        tree = load_html(data)
        meta = extract_metadata(tree, default_url=url) if tree is not None else None
        return meta.title if meta is not None else None

    return title


def clean_page(
    cleaner: Cleaner, page_id: str, data: bytes, url: str | None, site: str | None = None
) -> tuple[Record | None, str]:
    """cleaner's record for one page (None when rejected) and the reject code or extractor."""
    result = cleaner.clean(RawArticle(page_id, page_id, data, url=url, site=site, html=True)).result
    if isinstance(result, Record):
        return result, result.extractor or "none"
    return None, "reject:" + result.reasons[0].code


def _rate(timer: Timer, name: str, size: int) -> str:
    secs = timer.seconds.get(name, 0.0)
    return f"{size / 1e6 / secs:.2f} MB/s" if secs else "-"


def bench_aeb(cleaner: Cleaner, limit: int | None) -> None:
    extract = _trafilatura()
    timer = Timer()
    ours: list[tuple[str, str]] = []
    theirs: list[tuple[str, str]] = []
    how: Counter[str] = Counter()
    size = 0
    for page in _take(iter_aeb(), limit):
        data = read_html_bytes(page.html_path)
        size += len(data)
        record, what = timer.run("cleaner", clean_page, cleaner, page.id, data, page.url)
        how[what] += 1
        ours.append((record.text if record else "", page.gold_text))
        theirs.append((timer.run("trafilatura", extract, data, page.url), page.gold_text))
    a, b = aeb_f1(ours), aeb_f1(theirs)
    print(f"\n== AEB: {len(ours)} pages, {size / 1e6:.1f} MB; shingle scores vs articleBody")
    print(f"{'':24} {'P':>6} {'R':>6} {'F1':>6}  speed")
    print(
        f"{'cleaner':24} {a.precision:6.3f} {a.recall:6.3f} {a.f1:6.3f}  {_rate(timer, 'cleaner', size)}"
    )
    print(
        f"{'trafilatura defaults':24} {b.precision:6.3f} {b.recall:6.3f} {b.f1:6.3f}  "
        f"{_rate(timer, 'trafilatura', size)}"
    )
    print("cleaner outcomes:", dict(sorted(how.items())))


def _contains(text: str, snippet: str) -> bool:
    return norm(snippet) in text


def bench_wcxb(cleaner: Cleaner, limit: int | None) -> None:
    extract, find_date, meta_title = _trafilatura(), _htmldate(), _trafilatura_title()
    timer = Timer()
    f1_ours: list[float] = []
    f1_theirs: list[float] = []
    with_kept = Counter[str]()
    without_gone = Counter[str]()
    n_with = n_without = 0
    dates = Counter[str]()
    titles = Counter[str]()
    how: Counter[str] = Counter()
    size = pages = 0
    for page in _take(iter_wcxb(), limit):
        pages += 1
        data = read_html_bytes(page.html_path)
        size += len(data)
        url = page.url or None
        record, what = timer.run("cleaner", clean_page, cleaner, page.id, data, url)
        how[what] += 1
        text = record.text if record else ""
        other = timer.run("trafilatura", extract, data, url)
        if page.gold_text.strip():
            f1_ours.append(bow_f1(text, page.gold_text))
            f1_theirs.append(bow_f1(other, page.gold_text))
        folded = {"cleaner": norm(text), "trafilatura": norm(other)}
        for snippet in page.with_snippets:
            n_with += 1
            for name, value in folded.items():
                with_kept[name] += _contains(value, snippet)
        for snippet in page.without_snippets:
            n_without += 1
            for name, value in folded.items():
                without_gone[name] += not _contains(value, snippet)
        published = record.date_published if record else None
        updated = record.date_updated if record else None
        hd = timer.run("htmldate", find_date, data, url)
        candidates: tuple[tuple[str, str | None], ...] = (
            ("cleaner", published),
            ("cleaner, else date_updated", published or updated),
            ("htmldate defaults", hd),
        )
        for name, date in candidates:
            if page.publish_date:
                dates[name + ":n"] += 1
                dates[name] += (
                    date is not None and date[: len(page.publish_date)] == page.publish_date
                )
            else:
                dates[name + ":none"] += 1
                dates[name + ":given"] += date is not None
        if page.title:
            titles["n"] += 1
            titles["cleaner"] += norm(record.title if record else None) == norm(page.title)
            titles["trafilatura"] += norm(meta_title(data, url)) == norm(page.title)
    print(f"\n== WCXB article pages: {pages} pages, {size / 1e6:.1f} MB")
    print(f"{'':30} {'BoW F1':>7} {'with kept':>10} {'without gone':>13}  speed")
    for name, f1s in (("cleaner", f1_ours), ("trafilatura defaults", f1_theirs)):
        key = name.split()[0]
        print(
            f"{name:30} {statistics.fmean(f1s):7.3f} {with_kept[key] / max(n_with, 1):10.3f} "
            f"{without_gone[key] / max(n_without, 1):13.3f}  {_rate(timer, key, size)}"
        )
    print(f"({len(f1_ours)} pages with main_content; {n_with} with / {n_without} without snippets)")
    print(f"{'date_published':30} {'accuracy':>9} {'dates where truth has none':>27}")
    for name in ("cleaner", "cleaner, else date_updated", "htmldate defaults"):
        n, none = dates[name + ":n"], dates[name + ":none"]
        print(
            f"{name:30} {dates[name] / max(n, 1):9.3f} ({dates[name]}/{n})"
            f" {dates[name + ':given']:>12}/{none}"
        )
    n = titles["n"]
    print(
        f"title exact match (normalised): cleaner {titles['cleaner'] / max(n, 1):.3f}, "
        f"trafilatura metadata {titles['trafilatura'] / max(n, 1):.3f} ({n} pages)"
    )
    print(f"htmldate speed: {_rate(timer, 'htmldate', size)}")
    print("cleaner outcomes:", dict(sorted(how.items())))


def bench_ctf(cleaner: Cleaner, limit: int | None) -> None:
    extract = _trafilatura()
    print("\n== ctf: shingle scores per site vs the hand-checked .txt (site packs with HTML rules)")
    print(f"{'site':18} {'pages':>5} {'cleaner P/R/F1':>22} {'trafilatura P/R/F1':>22}  outcomes")
    for site in ctf_sites():
        ours: list[tuple[str, str]] = []
        theirs: list[tuple[str, str]] = []
        how: Counter[str] = Counter()
        for page in _take(iter_ctf(site), limit):
            data = read_html_bytes(page.html_path)
            record, what = clean_page(cleaner, page.name, data, None, site)
            how[what] += 1
            ours.append((record.text if record else "", page.gold_text))
            theirs.append((extract(data, None), page.gold_text))
        a, b = aeb_f1(ours), aeb_f1(theirs)
        print(
            f"{site:18} {len(ours):5} {a.precision:6.3f} {a.recall:6.3f} {a.f1:6.3f}   "
            f"{b.precision:6.3f} {b.recall:6.3f} {b.f1:6.3f}  {dict(sorted(how.items()))}"
        )


def _take(items: Iterable[T], limit: int | None) -> Iterable[T]:
    for i, item in enumerate(items):
        if limit is not None and i >= limit:
            return
        yield item


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=["aeb", "wcxb", "ctf"])
    parser.add_argument("--limit", type=int, help="pages per corpus (per site for ctf)")
    parser.add_argument("--rules", default=str(RULES), help="rule folder (default: rules/)")
    args = parser.parse_args(argv)
    cleaner = Cleaner.from_paths([args.rules])
    benches = {"aeb": bench_aeb, "wcxb": bench_wcxb, "ctf": bench_ctf}
    for name in args.corpus:
        benches[name](cleaner, args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
