"""Dates and titles taken from plain text with no site pack (rules/generic/metadata.yaml).

    CLEANER_CORPORA=/path/to/corpora python -m bench.text_metadata [--limit N]

The input is each page's plain-text scrape (``bench.corpora.scrape_text``), cleaned end to end
by ``Cleaner.clean`` as ``cleaner run`` would (the "text only" columns: what the pipeline does
today), and by the rules alone with the page's URL and crawl date passed in (the "with URL and
crawl date" columns: what they do once the pipeline passes both).

Truth:
* wcxb (article pages): ``publish_date`` (day-precise ones), ``title``, ``url``. A date is
  "written in the text" when the scrape writes that day in any common form.
* ctf: the hand-checked text's first lines hold the title (first line) and the byline and date
  lines; the crawl date is the Wayback timestamp in the file name. A page whose header has no
  date is undated.

Figures: date right on the pages whose date is written in the text; date wrong on dated pages
(a date given that is not the truth); title right on news pages. Patterns and ranking were
fitted on the "tune" sites only; "held out" sites were scored, never looked at while tuning.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

from bench.corpora import corpora_dir, ctf_id, iter_ctf, iter_wcxb, read_html_bytes, scrape_text
from cleaner.engine.kinds import TextDate, TextTitle
from cleaner.engine.ruleset import domain_of
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from cleaner.steps.normalize import normalize_lines

ROOT = Path(__file__).resolve().parent.parent
# ctf sites the rules were fitted on; the others are held out.
CTF_TUNE = ("news.bbc.co.uk", "www.cnn.com", "news.yahoo.com")

_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


@dataclass(frozen=True)
class Page:
    corpus: str
    id: str
    site: str
    held_out: bool
    scrape: str
    url: str | None
    crawl_date: str | None
    truth_date: date | None
    written: bool  # the truth date is written in the scrape
    truth_title: str | None

    site_pack: str | None  # ctf pages are cleaned with their site's pack, as in golden
    # Other lines a right title may equal: the hand-checked header of a ctf page opens with a
    # kicker or section line ("Associated Press", "Vehicles Feature") on some sites, so every
    # header line that is not a date counts.
    also_titles: tuple[str, ...] = ()

    def title_ok(self, got: str | None) -> bool:
        return got is not None and norm_title(got) in {
            norm_title(t) for t in (self.truth_title, *self.also_titles) if t
        }


def _held_out_domain(domain: str) -> bool:
    return hashlib.sha1(domain.encode()).digest()[0] % 2 == 1


def written_forms(d: date) -> list[str]:
    """Ways a page writes ``d`` (lower-cased), to tell whether the text carries its date."""
    full, abbr = _MONTH_NAMES[d.month - 1], _MONTH_NAMES[d.month - 1][:3]
    out = []
    for mon in {full, abbr, abbr + ".", "Sept" if d.month == 9 else abbr}:
        for day in {str(d.day), f"{d.day:02d}"}:
            out += [
                f"{mon} {day}, {d.year}",
                f"{mon} {day} {d.year}",
                f"{day} {mon} {d.year}",
                f"{day} {mon}, {d.year}",
                f"{day}. {mon} {d.year}",
            ]
            for suffix in ("st", "nd", "rd", "th"):
                out += [f"{mon} {day}{suffix}, {d.year}", f"{day}{suffix} {mon} {d.year}"]
    m, dd = f"{d.month:02d}", f"{d.day:02d}"
    for sep in "-/.":
        out += [f"{d.year}{sep}{m}{sep}{dd}", f"{d.year}{sep}{d.month}{sep}{d.day}"]
        out += [f"{m}{sep}{dd}{sep}{d.year}", f"{dd}{sep}{m}{sep}{d.year}"]
        out += [f"{d.month}{sep}{d.day}{sep}{d.year}", f"{d.day}{sep}{d.month}{sep}{d.year}"]
    out += [f"{d.year}年{d.month}月{d.day}日", f"{d.year}年{m}月{dd}日"]
    return [s.lower() for s in out]


def is_written(text: str, d: date) -> bool:
    low = " ".join(text.lower().split())
    return any(form in low for form in written_forms(d))


_GOLD_DATE = re.compile(
    r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? ([0-9]{1,2}),? "
    r"((?:19|20)[0-9]{2})\b|\b([0-9]{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*,? ((?:19|20)[0-9]{2})\b"
)
_GOLD_NUMERIC = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/((?:19|20)[0-9]{2})\b")
_ABBR = [m[:3].lower() for m in _MONTH_NAMES]


def ctf_truth_date(gold: str) -> date | None:
    """The date in the hand-checked header (the lines before the body), if any."""
    header = [line for line in gold.splitlines() if line.strip()][:6]
    for line in header:
        if len(line.split()) > 25:  # a body paragraph: the header is over
            break
        n = _GOLD_NUMERIC.search(line)
        if n is not None and int(n.group(2)) > 12 >= int(n.group(1)):  # unambiguous m/d/y
            return date(int(n.group(3)), int(n.group(1)), int(n.group(2)))
        m = _GOLD_DATE.search(line)
        if m is None:
            continue
        try:
            if m.group(1):
                return date(int(m.group(3)), _ABBR.index(m.group(1).lower()) + 1, int(m.group(2)))
            return date(int(m.group(6)), _ABBR.index(m.group(5).lower()) + 1, int(m.group(4)))
        except ValueError:
            return None
    return None


_WEEKDAY = re.compile(
    r"(?i)^\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? |^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"
)


def _title_like(line: str) -> bool:
    """A header line of the hand-checked text that is not its date line."""
    if not line.strip() or _WEEKDAY.search(line) or len(line.split()) > 25:
        return False
    return not (_GOLD_DATE.search(line) and len(line.split()) <= 12)


def iter_pages(limit: int | None) -> Iterator[Page]:
    for i, ctf in enumerate(iter_ctf()):
        if limit and i >= limit:
            break
        scrape = scrape_text(ctf.html_path.read_bytes())
        stamp = ctf.name[:8]
        crawl = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if stamp.isdigit() else None
        truth = ctf_truth_date(ctf.gold_text)
        if truth is not None and crawl is not None and truth.isoformat() > crawl:
            truth = None  # a header date after the crawl is not the page's date
        header = [line.strip() for line in ctf.gold_text.splitlines() if line.strip()][:4]
        titles = [line for line in header if _title_like(line)]
        yield Page(
            "ctf",
            ctf_id(ctf),
            ctf.site,
            ctf.site not in CTF_TUNE,
            scrape,
            None,
            crawl,
            truth,
            truth is not None and is_written(scrape, truth),
            titles[0] if titles else None,
            ctf.site,
            tuple(titles[1:]),
        )
    for i, w in enumerate(iter_wcxb()):
        if limit and i >= limit:
            break
        scrape = scrape_text(read_html_bytes(w.html_path))
        truth = None
        if w.publish_date and len(w.publish_date) >= 10:
            try:
                truth = date.fromisoformat(w.publish_date[:10])
            except ValueError:
                truth = None
        domain = domain_of(w.url) or w.id
        yield Page(
            "wcxb",
            w.id,
            domain,
            _held_out_domain(domain),
            scrape,
            w.url or None,
            None,
            truth,
            truth is not None and is_written(scrape, truth),
            w.title or None,
            None,
        )


def norm_title(text: str | None) -> str:
    text = (text or "").translate(str.maketrans("‘’“”–—", "''\"\"--")).casefold()
    return " ".join(text.split()).strip(" .:")


@dataclass
class Tally:
    pages: int = 0
    dated: int = 0
    written: int = 0
    right_written: int = 0  # date_published is the truth
    page_right: int = 0  # date_published, or with none date_updated, is the truth
    wrong: int = 0  # a date_published that is not the truth
    updated_other: int = 0  # no date_published, a date_updated that is not the truth
    given_undated: int = 0
    titled: int = 0
    title_right: int = 0
    title_wrong: int = 0

    def add(
        self, page: Page, got_date: str | None, got_updated: str | None, got_title: str | None
    ) -> None:
        self.pages += 1
        if page.truth_date is not None:
            self.dated += 1
            truth = page.truth_date.isoformat()
            right = got_date == truth
            if page.written:
                self.written += 1
                self.right_written += right
                self.page_right += right or (got_date is None and got_updated == truth)
            self.wrong += got_date is not None and not right
            self.updated_other += got_date is None and got_updated not in (None, truth)
        elif got_date is not None:
            self.given_undated += 1
        if page.truth_title:
            self.titled += 1
            if got_title is not None:
                ok = page.title_ok(got_title)
                self.title_right += ok
                self.title_wrong += not ok

    def row(self, name: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a / b:6.1%} ({a}/{b})" if b else "     -"

        return (
            f"{name:<24} published right {pct(self.right_written, self.written):<19} "
            f"page date right {pct(self.page_right, self.written):<19} "
            f"published wrong {pct(self.wrong, self.dated):<17} "
            f"(updated only, not the truth {self.updated_other}) "
            f"title right {pct(self.title_right, self.titled):<20} "
            f"wrong {pct(self.title_wrong, self.titled):<18} "
            f"dates on undated pages {self.given_undated}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", default=str(ROOT / "rules"))
    ap.add_argument("--limit", type=int, help="pages per corpus (a quick look)")
    ap.add_argument("--show", action="append", choices=("wrong", "missed", "title"), default=[])
    args = ap.parse_args(argv)
    if not corpora_dir().is_dir():
        print(f"corpora not found: {corpora_dir()} (set CLEANER_CORPORA)", file=sys.stderr)
        return 1
    cleaner = Cleaner.from_paths([args.rules])
    rules = cleaner.rules.rules
    published = cast(TextDate, rules["text-date-published"].kind)
    updated = cast(TextDate, rules["text-date-updated"].kind)
    title_kind = cast(TextTitle, rules["text-title"].kind)
    tallies: dict[tuple[str, str, str], Tally] = {}
    for page in iter_pages(args.limit):
        raw = RawArticle(page.id, page.id, page.scrape, url=page.url, site=page.site_pack)
        result = cleaner.clean(raw).result
        rec = result if isinstance(result, Record) else None
        text_only = (
            rec.date_published if rec else None,
            rec.date_updated if rec else None,
            rec.title if rec else None,
        )
        lines = normalize_lines(page.scrape)
        context = {k: v for k, v in (("url", page.url), ("crawl_date", page.crawl_date)) if v}
        with_context = (
            published.extract(lines, context),
            updated.extract(lines, context),
            title_kind.extract(lines, context),
        )
        split = "held out" if page.held_out else "tune"
        for mode, (got_date, got_updated, got_title) in (
            ("text only", text_only),
            ("with URL and crawl date", with_context),
        ):
            for corpus in (page.corpus, "all"):
                tallies.setdefault((mode, split, corpus), Tally()).add(
                    page, got_date, got_updated, got_title
                )
        if args.show:
            got_date, _, got_title = text_only
            truth = page.truth_date.isoformat() if page.truth_date else None
            if "wrong" in args.show and got_date is not None and truth and got_date != truth:
                print(f"WRONG {page.corpus} {page.id} got {got_date} truth {truth}")
            if "missed" in args.show and page.written and got_date is None:
                print(f"MISSED {page.corpus} {page.id} truth {truth}")
            if "title" in args.show and page.truth_title and not page.title_ok(got_title):
                print(f"TITLE {page.corpus} {page.id} got {got_title!r} truth {page.truth_title!r}")
    for mode in ("text only", "with URL and crawl date"):
        print(f"\n== {mode}")
        for split in ("tune", "held out"):
            for corpus in ("ctf", "wcxb", "all"):
                tally = tallies.get((mode, split, corpus))
                if tally is not None:
                    print(tally.row(f"{split} {corpus} ({tally.pages})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
