"""HTML quality: cleaner's page pipeline against trafilatura and htmldate, on human ground truth.

    python -m bench.html_quality [--corpus aeb wcxb ctf dates page-types] [--limit N]
                                 [--page-types off|label|extract|blocks]

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
  the site name is passed as the article's site); also without the pages in
  ``bench.corpora.CTF_INCONSISTENT_TRUTH``, and held out: each half of a site's pages (even and
  odd positions) cleaned with the site pack reduced to the rules that acted on the other half.
- page-types (not in the default run): word F1 per page type on the whole WCXB dev split,
  cleaner with ``html.page_types`` off and ``extract`` beside trafilatura's three modes, on the
  first ``--limit`` pages of each type (``bench.page_types score``; held-out figures:
  ``python -m bench.page_types choose``).
- dates: the published day (exact) and the title, per corpus (ctf archived captures, WCXB
  article pages, WCXB's other page types) and per half of the sites: every date and title
  choice was made looking at the "tune" half only; the "held out" half is reported beside it.
  htmldate runs with ``original_date=True`` (the published date), fast
  (``extensive_search=False``) and extensive (its default); trafilatura's title is its
  metadata's.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bench.corpora import (
    CTF_INCONSISTENT_TRUTH,
    CtfPage,
    aeb_f1,
    bow_f1,
    ctf_id,
    ctf_sites,
    iter_aeb,
    iter_ctf,
    iter_wcxb,
    read_html_bytes,
)
from cleaner.engine.ruleset import RuleSet
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


def _htmldate(
    extensive: bool = True, original: bool = False
) -> Callable[[bytes, str | None], str | None]:
    from htmldate import find_date

    def date(data: bytes, url: str | None) -> str | None:
        try:
            found = find_date(data, url=url, extensive_search=extensive, original_date=original)
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


def _ctf_page(cleaner: Cleaner, page: CtfPage, data: bytes) -> tuple[str, str, set[str]]:
    """cleaner's text for a ctf page (site name given, as the corpus has no URLs), the reject
    code or extractor, and the rules that acted on it."""
    raw = RawArticle(page.name, page.name, data, site=page.site, html=True)
    outcome = cleaner.clean(raw)
    fired = {edit.rule for edit in outcome.edits}
    result = outcome.result
    if isinstance(result, Record):
        return result.text, result.extractor or "none", fired
    return "", "reject:" + result.reasons[0].code, fired


def _site_packs_seen(cleaner: Cleaner, fired: list[set[str]]) -> Cleaner:
    """The cleaner with its site packs reduced to the rules that acted on the given pages."""
    seen = set().union(*fired)
    packs = [
        p
        if p.scope != "site"
        else dataclasses.replace(p, rules=tuple(r for r in p.rules if r.id in seen))
        for p in cleaner.rules.packs
    ]
    return Cleaner(RuleSet(packs), cleaner.config)


def bench_ctf(cleaner: Cleaner, limit: int | None) -> None:
    extract = _trafilatura()
    print("\n== ctf: shingle scores per site vs the hand-checked .txt (site packs with HTML rules)")
    print(
        f"{'site':18} {'pages':>5} {'cleaner P/R/F1':>22} {'trafilatura P/R/F1':>22}"
        f"  {'F1 consistent':>13}  {'held-out A->B/B->A':>18}  outcomes"
    )
    for site in ctf_sites():
        pages = list(_take(iter_ctf(site), limit))
        data = [read_html_bytes(page.html_path) for page in pages]
        ours: list[tuple[str, str]] = []
        theirs: list[tuple[str, str]] = []
        fired: list[set[str]] = []
        how: Counter[str] = Counter()
        for page, html in zip(pages, data, strict=True):
            text, what, rules = _ctf_page(cleaner, page, html)
            how[what] += 1
            ours.append((text, page.gold_text))
            fired.append(rules)
            theirs.append((extract(html, None), page.gold_text))
        a, b = aeb_f1(ours), aeb_f1(theirs)
        consistent = aeb_f1(
            pair
            for pair, page in zip(ours, pages, strict=True)
            if ctf_id(page) not in CTF_INCONSISTENT_TRUTH
        )
        held_out = []
        for seen, unseen in (
            (fired[0::2], range(1, len(pages), 2)),
            (fired[1::2], range(0, len(pages), 2)),
        ):
            reduced = _site_packs_seen(cleaner, seen)
            held_out.append(
                aeb_f1(
                    (_ctf_page(reduced, pages[i], data[i])[0], pages[i].gold_text) for i in unseen
                ).f1
            )
        print(
            f"{site:18} {len(ours):5} {a.precision:6.3f} {a.recall:6.3f} {a.f1:6.3f}   "
            f"{b.precision:6.3f} {b.recall:6.3f} {b.f1:6.3f}  {consistent.f1:13.3f}  "
            f"{held_out[0]:8.3f} / {held_out[1]:.3f}  {dict(sorted(how.items()))}"
        )


def bench_page_types(cleaner: Cleaner, limit: int | None) -> None:
    """Word F1 per page type on wcxb-dev + wcxb-dev-other (bench/page_types.py)."""
    from bench.page_types import score

    score(limit or 15)


@dataclass(frozen=True)
class DatedPage:
    """A page with a known publication day (or None: undated) and title, for the date bench."""

    corpus: str  # ctf (archived news), wcxb (current articles), other (mixed page types)
    id: str
    site: str
    held_out: bool
    path: Path
    url: str | None
    day: str | None
    titles: tuple[str, ...]  # a right title equals one of them


def iter_dated(corpora: Iterable[str], limit: int | None) -> Iterable[DatedPage]:
    """ctf, wcxb and wcxb-dev-other pages with their truth; sites split in halves (held_out):
    ctf by ``bench.text_metadata.CTF_TUNE``, the others by a hash of the domain."""
    from bench.corpora import corpora_dir
    from bench.text_metadata import CTF_TUNE, _held_out_domain, _title_like, ctf_truth_date
    from cleaner.engine.ruleset import domain_of

    for corpus in corpora:
        if corpus == "ctf":
            for page in _take(iter_ctf(), limit):
                stamp = page.name[:8]
                crawl = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if stamp.isdigit() else None
                truth = ctf_truth_date(page.gold_text)
                day = truth.isoformat() if truth else None
                if day is not None and crawl is not None and day > crawl:
                    day = None  # a header date after the capture is not the page's
                header = [line.strip() for line in page.gold_text.splitlines() if line.strip()]
                titles = tuple(line for line in header[:4] if _title_like(line))
                yield DatedPage(
                    "ctf", ctf_id(page), page.site, page.site not in CTF_TUNE,
                    page.html_path, None, day, titles,
                )  # fmt: skip
            continue
        folder = {"wcxb": "wcxb-dev", "other": "wcxb-dev-other"}[corpus]
        root = corpora_dir() / folder
        for truth_path in _take(sorted((root / "ground-truth").glob("*.json")), limit):
            record = json.loads(truth_path.read_text(encoding="utf-8"))
            gold = record["ground_truth"]
            url = str(record.get("url") or "") or None
            day = gold.get("publish_date") or None
            domain = (domain_of(url) if url else None) or truth_path.stem
            yield DatedPage(
                corpus, truth_path.stem, domain, _held_out_domain(domain),
                root / "html" / f"{truth_path.stem}.html.gz", url,
                day[:10] if isinstance(day, str) and len(day) >= 10 else None,
                (str(gold["title"]),) if gold.get("title") else (),
            )  # fmt: skip


def bench_dates(cleaner: Cleaner, limit: int | None) -> None:
    """Published-day accuracy and title accuracy per corpus, on the tuning half of the sites
    and on the held-out half: cleaner (whole pipeline), htmldate fast and extensive,
    trafilatura's title."""
    # htmldate asked for the original (published) date, as cleaner is.
    fast, extensive = _htmldate(False, original=True), _htmldate(True, original=True)
    meta_title = _trafilatura_title()
    timer = Timer()
    tally: dict[tuple[str, str, str], Counter[str]] = {}
    size = 0
    rejected: list[str] = []
    for page in iter_dated(("ctf", "wcxb", "other"), limit):
        data = read_html_bytes(page.path)
        size += len(data)
        record, how = timer.run("cleaner", clean_page, cleaner, page.id, data, page.url)
        if record is None and page.day:  # its date is lost with the page: extraction's gap
            rejected.append(
                f"{page.corpus} {'held out' if page.held_out else 'tune'} {page.id} {how}"
            )
        dates = {
            "cleaner": record.date_published if record else None,
            "htmldate fast": timer.run("htmldate fast", fast, data, page.url),
            "htmldate extensive": timer.run("htmldate extensive", extensive, data, page.url),
        }
        half = "held out" if page.held_out else "tune"
        for name, got in dates.items():
            c = tally.setdefault((page.corpus, half, name), Counter())
            if page.day:
                c["dated"] += 1
                c["right"] += got is not None and got[:10] == page.day
            else:
                c["undated"] += 1
                c["given"] += got is not None
        if page.titles:
            wanted = {norm(t) for t in page.titles}
            for name, title in (
                ("cleaner", record.title if record else None),
                ("trafilatura", meta_title(data, page.url)),
            ):
                c = tally.setdefault((page.corpus, half, "title " + name), Counter())
                c["n"] += 1
                c["right"] += title is not None and norm(title) in wanted
    print("\n== Published day (exact) and title, by corpus and half of the sites")
    print("ctf = archived 2000-2015, wcxb = current articles, other = wcxb-dev-other (mixed)")
    print(f"{'corpus':6} {'half':8} {'who':22} {'accuracy':>17} {'date where none':>16}")
    for (corpus, half, name), c in sorted(tally.items()):
        if name.startswith("title "):
            print(
                f"{corpus:6} {half:8} {name:22} {c['right'] / max(c['n'], 1):6.3f} "
                f"({c['right']}/{c['n']})"
            )
        else:
            print(
                f"{corpus:6} {half:8} {name:22} {c['right'] / max(c['dated'], 1):6.3f} "
                f"({c['right']:>3}/{c['dated']:>3}) {c['given']:>9}/{c['undated']}"
            )
    print(f"dated pages cleaner rejected ({len(rejected)}):", *sorted(rejected), sep="\n  ")
    print(
        f"speed: cleaner {_rate(timer, 'cleaner', size)} (whole pipeline), htmldate fast "
        f"{_rate(timer, 'htmldate fast', size)}, extensive {_rate(timer, 'htmldate extensive', size)}"
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
    parser.add_argument(
        "--page-types",
        choices=("off", "label", "extract", "blocks"),
        help="html.page_types for cleaner (default: the rules' config); the page-types "
        "corpus runs both off and extract",
    )
    args = parser.parse_args(argv)
    settings = (({"html": {"page_types": args.page_types}}, "--page-types"),)
    cleaner = Cleaner.from_paths([args.rules], None, settings if args.page_types else ())
    benches = {
        "aeb": bench_aeb,
        "wcxb": bench_wcxb,
        "ctf": bench_ctf,
        "dates": bench_dates,
        "page-types": bench_page_types,
    }
    for name in args.corpus:
        benches[name](cleaner, args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
