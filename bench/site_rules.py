"""Site packs on the ctf corpus: `cleaner suggest` drafts, reviewed packs, generic packs alone,
and trafilatura on the HTML for comparison.

For each of the five ctf sites the input is the plain-text scrape of each page (bench.corpora
``scrape_text``) and the truth is the hand-checked ``.txt`` beside it. Figures (line counts summed
over the pages, see ``bench.corpora.line_metrics``):

- chrome removal: share of scrape lines absent from the truth that cleaning removed;
- content loss: share of truth lines cleaning removed;
- shingle F1 (AEB definition, ``bench.corpora.aeb_f1``) of the cleaned text against the truth.

Configurations: ``generic`` (generic packs only); ``suggested`` (generic + the unedited draft
built by suggest from all the site's pages); ``reviewed`` (generic + the site's pack in
rules/sites/, whose text rules were reviewed by hand from such a draft);
``holdout A->B`` / ``B->A`` (draft built from one half of the pages, even or odd positions,
scored on the other half); ``trafilatura`` (its default extraction on the HTML; it rewraps
text, so a scrape line counts as kept when its words are in the output, see
``token_line_metrics``).

    python -m bench.site_rules [--sites S ...] [--no-trafilatura] [--drafts DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpora import (
    CtfPage,
    LineMetrics,
    aeb_f1,
    classify_lines,
    ctf_sites,
    iter_ctf,
    line_metrics,
    read_html_bytes,
    scrape_text,
    sum_line_metrics,
)
from cleaner.authoring.suggest import suggest
from cleaner.config import Config
from cleaner.engine.load import Pack, load_pack_text, load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
TARGETS = {"suggested": (0.80, 0.01), "reviewed": (0.95, 0.005)}


@dataclass
class Page:
    name: str
    html: bytes
    scrape: str
    gold: str


@dataclass
class Score:
    label: str
    pages: int
    lines: LineMetrics
    f1: float
    rejected: int = 0
    seconds: float = 0.0

    def row(self) -> str:
        m = self.lines
        return (
            f"{self.label:<24} {self.pages:>4}  chrome removed {m['chrome_removal']:6.1%}  "
            f"content lost {m['content_loss']:6.2%}  shingle F1 {self.f1:.3f}"
            + (f"  rejected {self.rejected}" if self.rejected else "")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "pages": self.pages,
            **self.lines,
            "shingle_f1": round(self.f1, 4),
            "rejected": self.rejected,
            "seconds": round(self.seconds, 2),
        }


def domain_of_site(site: str) -> str:
    return site.removeprefix("www.")


def load_pages(site: str) -> list[Page]:
    pages = []
    for p in iter_ctf(site):
        html = read_html_bytes(p.html_path)
        pages.append(Page(_name(p), html, scrape_text(html), p.gold_text))
    return pages


def _name(p: CtfPage) -> str:
    return f"{p.site}/{p.year}/{p.name}"


def generic_packs() -> list[Pack]:
    return [p for p in load_packs([RULES]) if p.scope == "generic"]


def site_packs_for(domain: str) -> list[Pack]:
    """The site packs in rules/ that a page of ``domain`` selects (the reviewed packs)."""
    return [
        p
        for p in load_packs([RULES])
        if p.scope == "site" and any(domain == d or domain.endswith("." + d) for d in p.domains)
    ]


def make_cleaner(packs: Sequence[Pack]) -> Cleaner:
    return Cleaner(RuleSet(packs), Config.from_rules_dir([RULES]))


def token_line_metrics(scrape: str, output: str, gold: str) -> LineMetrics:
    """Line metrics for an extractor that rewraps text (trafilatura): a scrape line counts as
    kept when the output holds it, judged like content against the gold (4-token runs,
    ``classify_lines``), since its lines never equal the scrape's."""
    lines = [" ".join(line.split()) for line in scrape.splitlines() if line.strip()]
    content = classify_lines(lines, gold)
    kept = classify_lines(lines, output)
    n_content = sum(content)
    removed = [not k for k in kept]
    return sum_line_metrics(
        [
            LineMetrics(
                content=n_content,
                chrome=len(lines) - n_content,
                content_removed=sum(c and r for c, r in zip(content, removed, strict=True)),
                chrome_removed=sum(not c and r for c, r in zip(content, removed, strict=True)),
                chrome_removal=0.0,  # recomputed by sum_line_metrics
                content_loss=0.0,
            )
        ]
    )


def score(
    label: str,
    pages: Sequence[Page],
    clean: Callable[[Page], str | None],
    metric: Callable[[str, str, str], LineMetrics] = line_metrics,
) -> Score:
    start = time.perf_counter()
    metrics: list[LineMetrics] = []
    pairs: list[tuple[str, str]] = []
    rejected = 0
    for page in pages:
        text = clean(page)
        if text is None:
            rejected += 1
            text = ""
        metrics.append(metric(page.scrape, text, page.gold))
        pairs.append((text, page.gold))
    return Score(
        label,
        len(pages),
        sum_line_metrics(metrics),
        aeb_f1(pairs).f1,
        rejected,
        time.perf_counter() - start,
    )


def with_cleaner(cleaner: Cleaner, domain: str) -> Callable[[Page], str | None]:
    def clean(page: Page) -> str | None:
        outcome = cleaner.clean(RawArticle(page.name, page.name, page.scrape, site=domain))
        return outcome.result.text if isinstance(outcome.result, Record) else None

    return clean


def draft_pack(domain: str, pages: Sequence[Page], generic: Sequence[Pack]) -> tuple[Pack, str]:
    groups = RuleSet(generic).generic
    draft = suggest(domain, [p.scrape for p in pages], generic=[groups], others=generic)
    return load_pack_text(draft.yaml, f"<draft {domain}>", generic), draft.yaml


def trafilatura_text(page: Page) -> str | None:
    import trafilatura

    return trafilatura.extract(page.html) or ""


def fingerprint_hits(pack: Pack, pages: Sequence[Page]) -> int:
    """Pages without a URL that the pack's fingerprints select."""
    rules = RuleSet([pack])
    return sum(pack.name in rules.select(p.scrape).packs for p in pages)


def run_site(
    site: str, generic: list[Pack], trafilatura: bool, drafts: Path | None
) -> dict[str, Any]:
    domain = domain_of_site(site)
    pages = load_pages(site)
    scores: list[Score] = []
    scores.append(score("generic", pages, with_cleaner(make_cleaner(generic), domain)))

    start = time.perf_counter()
    pack, yaml_text = draft_pack(domain, pages, generic)
    build = time.perf_counter() - start
    if drafts is not None:
        drafts.mkdir(parents=True, exist_ok=True)
        (drafts / f"{domain}.yaml").write_text(yaml_text, "utf-8")
    scores.append(score("suggested", pages, with_cleaner(make_cleaner([*generic, pack]), domain)))

    reviewed = site_packs_for(domain)
    if reviewed:
        scores.append(
            score("reviewed", pages, with_cleaner(make_cleaner([*generic, *reviewed]), domain))
        )

    halves = (pages[0::2], pages[1::2])
    for name, (train, test) in (("A->B", halves), ("B->A", halves[::-1])):
        half_pack, _ = draft_pack(domain, train, generic)
        cleaner = make_cleaner([*generic, half_pack])
        scores.append(score(f"holdout {name}", test, with_cleaner(cleaner, domain)))
    if trafilatura:
        scores.append(score("trafilatura (HTML)", pages, trafilatura_text, token_line_metrics))
    return {
        "site": site,
        "domain": domain,
        "pages": len(pages),
        "draft_rules": len(pack.rules),
        "draft_seconds": round(build, 2),
        "fingerprint_pages": fingerprint_hits(pack, pages),
        "scores": [s.to_dict() for s in scores],
        "_scores": scores,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", nargs="*", help="ctf sites (default: all five)")
    parser.add_argument("--no-trafilatura", action="store_true", help="skip the comparison")
    parser.add_argument("--drafts", type=Path, help="write each unedited draft pack here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    sites = args.sites or ctf_sites()
    generic = generic_packs()
    results = []
    totals: dict[str, list[Score]] = {}
    for site in sites:
        result = run_site(site, generic, not args.no_trafilatura, args.drafts)
        results.append(result)
        print(
            f"\n== {site}: {result['pages']} pages; draft of {result['draft_rules']} rules in "
            f"{result['draft_seconds']} s; its fingerprints select {result['fingerprint_pages']}"
            f" of {result['pages']} pages that have no URL"
        )
        for s in result.pop("_scores"):
            print(s.row())
            totals.setdefault(s.label, []).append(s)
    print("\n== all sites (line counts summed; F1 = mean of the sites' F1)")
    for label, scores in totals.items():
        merged = Score(
            label,
            sum(s.pages for s in scores),
            sum_line_metrics(s.lines for s in scores),
            sum(s.f1 for s in scores) / len(scores),
            sum(s.rejected for s in scores),
        )
        target = TARGETS.get(label)
        verdict = ""
        if target is not None:
            ok = (
                merged.lines["chrome_removal"] >= target[0]
                and merged.lines["content_loss"] <= target[1]
            )
            verdict = f"  target >={target[0]:.0%} / <={target[1]:.1%}: {'met' if ok else 'MISSED'}"
        print(merged.row() + verdict)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
