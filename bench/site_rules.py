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
scored on the other half); ``reviewed, consistent truth`` (the reviewed packs without the pages
in ``bench.corpora.CTF_INCONSISTENT_TRUTH``); ``reviewed held-out A->B`` / ``B->A`` (the
reviewed pack reduced to the rules that fire on at least one page of one half, scored on the
other half: what a reviewer who had only seen that half could have written); ``trafilatura``
(its default extraction on the HTML; it rewraps text, so a scrape line counts as kept when its
words are in the output, see ``token_line_metrics``).

    python -m bench.site_rules [--sites S ...] [--no-trafilatura] [--drafts DIR] [--json FILE]
                               [--reviewed-only] [--lost] [--kept-chrome]

``--lost`` lists, per site and page, every hand-checked line the reviewed pack removes and the
rule that removed it: the work list of a pack reviewer. ``--kept-chrome`` lists the other half
of that work: per site and page, every scrape line the reviewed pack keeps that is not
hand-checked text.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpora import (
    CTF_INCONSISTENT_TRUTH,
    LineMetrics,
    aeb_f1,
    classify_lines,
    ctf_id,
    ctf_sites,
    iter_ctf,
    kept_chrome_lines,
    line_metrics,
    lost_lines,
    read_html_bytes,
    scrape_text,
    sum_line_metrics,
)
from cleaner.authoring.explain import Trace
from cleaner.authoring.suggest import suggest
from cleaner.config import Config
from cleaner.engine.load import Pack, load_pack_text, load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
TARGETS = {
    "suggested": (0.80, 0.01),
    "reviewed": (0.95, 0.005),
    "reviewed, consistent truth": (0.95, 0.005),
}


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
            f"{self.label:<28} {self.pages:>4}  chrome removed {m['chrome_removal']:6.1%}  "
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
        pages.append(Page(ctf_id(p), html, scrape_text(html), p.gold_text))
    return pages


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
    kept = classify_lines(lines, output)
    content = classify_lines(lines, gold, kept)
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


def fired_rules(cleaner: Cleaner, domain: str, pages: Sequence[Page]) -> list[set[str]]:
    """For each page, the ids of the rules that changed its text."""
    fired = []
    for page in pages:
        outcome = cleaner.clean(RawArticle(page.name, page.name, page.scrape, site=domain))
        fired.append({edit.rule for edit in outcome.edits})
    return fired


def print_lost(cleaner: Cleaner, domain: str, pages: Sequence[Page]) -> int:
    """Print each hand-checked line cleaning removed: page, the rule that removed it, the line.

    The rule is the first one whose diff drops a line equal to it (after whitespace
    normalisation); pages with inconsistent truth are marked ``*``. Returns the line count.
    """
    count = 0
    for page in pages:
        text = with_cleaner(cleaner, domain)(page)
        lost = lost_lines(page.scrape, text or "", page.gold)
        if not lost:
            continue
        trace = Trace()
        cleaner.clean(RawArticle(page.name, page.name, page.scrape, site=domain), tracer=trace)
        removed_by: dict[str, str] = {}
        for step in trace.steps:
            for d in step.diff:
                if d.op == "-":
                    removed_by.setdefault(" ".join(d.text.split()), step.rule.id)
        mark = " *" if page.name in CTF_INCONSISTENT_TRUTH else ""
        print(f"-- {page.name}{mark}")
        for line in lost:
            rule = removed_by.get(line, "(rejected)" if text is None else "?")
            print(f"   {rule:<32} | {line}")
        count += len(lost)
    return count


def print_kept_chrome(cleaner: Cleaner, domain: str, pages: Sequence[Page]) -> int:
    """Print each chrome line cleaning kept, per page (``*`` marks inconsistent truth).

    Returns the line count."""
    count = 0
    for page in pages:
        text = with_cleaner(cleaner, domain)(page)
        kept = kept_chrome_lines(page.scrape, text or "", page.gold)
        if not kept:
            continue
        mark = " *" if page.name in CTF_INCONSISTENT_TRUTH else ""
        print(f"-- {page.name}{mark}: {len(kept)}")
        for line in kept:
            print(f"   | {line}")
        count += len(kept)
    return count


def supported_by(packs: Sequence[Pack], fired: Sequence[set[str]]) -> list[Pack]:
    """The packs reduced to the rules that fired on at least one of the given pages."""
    seen = set().union(*fired)
    return [dataclasses.replace(p, rules=tuple(r for r in p.rules if r.id in seen)) for p in packs]


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
    site: str,
    generic: list[Pack],
    trafilatura: bool,
    drafts: Path | None,
    *,
    reviewed_only: bool = False,
    lost: bool = False,
    kept_chrome: bool = False,
) -> dict[str, Any]:
    domain = domain_of_site(site)
    pages = load_pages(site)
    scores: list[Score] = []
    result: dict[str, Any] = {"site": site, "domain": domain, "pages": len(pages)}
    if not reviewed_only:
        scores.append(score("generic", pages, with_cleaner(make_cleaner(generic), domain)))
        start = time.perf_counter()
        pack, yaml_text = draft_pack(domain, pages, generic)
        result["draft_rules"] = len(pack.rules)
        result["draft_seconds"] = round(time.perf_counter() - start, 2)
        result["fingerprint_pages"] = fingerprint_hits(pack, pages)
        if drafts is not None:
            drafts.mkdir(parents=True, exist_ok=True)
            (drafts / f"{domain}.yaml").write_text(yaml_text, "utf-8")
        suggested = make_cleaner([*generic, pack])
        scores.append(score("suggested", pages, with_cleaner(suggested, domain)))

    reviewed = site_packs_for(domain)
    if reviewed:
        cleaner = make_cleaner([*generic, *reviewed])
        if lost:
            print(
                f"\n== {site}: hand-checked lines the reviewed pack removes (* = inconsistent truth)"
            )
            print_lost(cleaner, domain, pages)
        if kept_chrome:
            print(f"\n== {site}: chrome lines the reviewed pack keeps (* = inconsistent truth)")
            print_kept_chrome(cleaner, domain, pages)
        scores.append(score("reviewed", pages, with_cleaner(cleaner, domain)))
        consistent = [p for p in pages if p.name not in CTF_INCONSISTENT_TRUTH]
        scores.append(
            score("reviewed, consistent truth", consistent, with_cleaner(cleaner, domain))
        )
        fired = fired_rules(cleaner, domain, pages)
        for label, seen, unseen in (
            ("A->B", fired[0::2], pages[1::2]),
            ("B->A", fired[1::2], pages[0::2]),
        ):
            held_out = make_cleaner([*generic, *supported_by(reviewed, seen)])
            scores.append(
                score(f"reviewed held-out {label}", unseen, with_cleaner(held_out, domain))
            )

    if not reviewed_only:
        halves = (pages[0::2], pages[1::2])
        for name, (train, test) in (("A->B", halves), ("B->A", halves[::-1])):
            half_pack, _ = draft_pack(domain, train, generic)
            cleaner = make_cleaner([*generic, half_pack])
            scores.append(score(f"holdout {name}", test, with_cleaner(cleaner, domain)))
        if trafilatura:
            scores.append(score("trafilatura (HTML)", pages, trafilatura_text, token_line_metrics))
    return result | {"scores": [s.to_dict() for s in scores], "_scores": scores}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", nargs="*", help="ctf sites (default: all five)")
    parser.add_argument("--no-trafilatura", action="store_true", help="skip the comparison")
    parser.add_argument("--drafts", type=Path, help="write each unedited draft pack here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--reviewed-only",
        action="store_true",
        help="score only the reviewed packs (and their held-out halves): no drafts, generic, "
        "or trafilatura rows",
    )
    parser.add_argument(
        "--lost",
        action="store_true",
        help="list every hand-checked line the reviewed packs remove, with the rule removing it",
    )
    parser.add_argument(
        "--kept-chrome",
        action="store_true",
        help="list every chrome line (not hand-checked text) the reviewed packs keep, per page",
    )
    args = parser.parse_args(argv)
    sites = args.sites or ctf_sites()
    generic = generic_packs()
    results = []
    totals: dict[str, list[Score]] = {}
    for site in sites:
        result = run_site(
            site,
            generic,
            not args.no_trafilatura,
            args.drafts,
            reviewed_only=args.reviewed_only,
            lost=args.lost,
            kept_chrome=args.kept_chrome,
        )
        results.append(result)
        head = f"\n== {site}: {result['pages']} pages"
        if "draft_rules" in result:
            head += (
                f"; draft of {result['draft_rules']} rules in {result['draft_seconds']} s; its "
                f"fingerprints select {result['fingerprint_pages']} of {result['pages']} pages "
                "that have no URL"
            )
        print(head)
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
