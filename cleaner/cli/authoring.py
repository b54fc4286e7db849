"""The authoring commands: ``explain``, ``suggest``, ``new-site`` and ``rules-report``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from cleaner.cli.common import (
    EXIT_OK,
    EXIT_REJECTS,
    Subparsers,
    articles,
    cleaner_of,
    keys_args,
    project_config,
    refuse_overwrite,
    rules_arg,
)
from cleaner.engine.load import load_pack_text, load_packs
from cleaner.errors import CleanerError
from cleaner.packs import rule_sources
from cleaner.record import RawArticle, Reject

if TYPE_CHECKING:
    from cleaner.pipeline import Cleaner


def cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.authoring.explain import explain, render_text

    cleaner = cleaner_of(args)
    items = articles([args.input], args)
    if args.id is not None:
        item = next((i for i in items if args.id in (i.id, Path(i.source).name)), None)
        if item is None:
            raise CleanerError(f"no article with id '{args.id}' in {args.input}")
    else:
        first = list(islice(items, 2))
        if not first:
            raise CleanerError(f"no article in {args.input}")
        if len(first) > 1:
            raise CleanerError(
                f"{args.input} holds several articles ({first[0].id}, {first[1].id}, ...); "
                "pick one with --id"
            )
        item = first[0]
    if isinstance(item, Reject):
        print(f"{item.id} ({item.source}) cannot be read:", file=sys.stderr)
        for reason in item.reasons:
            print(f"  {reason.code}: {reason.message}", file=sys.stderr)
        return EXIT_REJECTS
    if args.url:
        item = dataclasses.replace(item, url=args.url)
    result = explain(cleaner, item)
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        colour = args.color == "always" or (
            args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        )
        sys.stdout.write(render_text(result, colour=colour, max_lines=args.max_lines))
    return EXIT_OK


def cmd_suggest(args: argparse.Namespace) -> int:
    from cleaner.authoring.suggest import normalise_domain, suggest
    from cleaner.engine.ruleset import RuleSet, domain_of

    try:
        domain = normalise_domain(args.site)
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    out = Path(args.output) if args.output else None
    if out is not None:
        refuse_overwrite(out, args.force)
    cleaner = cleaner_of(args)
    others = [
        p
        for p in cleaner.rules.packs
        if p.name != domain and (out is None or Path(p.path).resolve() != out.resolve())
    ]
    texts: list[str] = []
    days: list[str | None] = []
    unreadable = elsewhere = 0
    for item in articles(args.inputs, args):
        if isinstance(item, Reject):
            unreadable += 1
            continue
        host = domain_of(item.url)
        if host is not None and host != domain and not host.endswith("." + domain):
            elsewhere += 1
            continue
        text = cleaner.article_text(item)
        if text is None:
            unreadable += 1
        else:
            texts.append(text)
            days.append(fetch_day(item))
    try:
        draft = suggest(
            domain,
            texts,
            generic=[RuleSet(cleaner.rules.packs).generic],
            others=others,
            share=args.min_share,
            path=str(out or "<stdout>"),
            days=days,
        )
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    if out is None:
        sys.stdout.write(draft.yaml)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(draft.yaml, "utf-8")
    counts = draft.counts()
    skipped = [
        f"{n} {what}"
        for n, what in ((unreadable, "unreadable"), (elsewhere, "on other domains"))
        if n
    ]
    print(
        f"suggest: {draft.n_pages} pages of {domain}"
        + (f" ({', '.join(skipped)} skipped)" if skipped else "")
        + f"; a line recurs from {draft.threshold} pages; {counts.total()} rules: "
        + ", ".join(f"{counts[s]} {s}" for s in ("header", "footer", "lines", "spans") if counts[s])
        + (f"; {draft.doubted} doubted, written commented out" if draft.doubted else "")
        + f"; fingerprints on {draft.fingerprint_pages} of {draft.n_pages} pages"
        + (f"; wrote {out}" if out else ""),
        file=sys.stderr,
    )
    return EXIT_OK


def fetch_day(item: RawArticle) -> str | None:
    """The day a page was fetched (``YYYY-MM-DD``), from its WARC date or crawl_date meta."""
    from cleaner.steps.document import CRAWL_DATE_KEYS

    for key in CRAWL_DATE_KEYS:
        value = item.meta.get(key)
        if isinstance(value, str) and len(value) >= 10:
            return value[:10]
    return None


def cmd_new_site(args: argparse.Namespace) -> int:
    from cleaner.authoring.scaffold import skeleton
    from cleaner.authoring.suggest import normalise_domain

    try:
        domain = normalise_domain(args.domain)
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    rules_dir = Path((args.rules or ["rules"])[0])
    out = Path(args.output) if args.output else rules_dir / "sites" / f"{domain}.yaml"
    refuse_overwrite(out, args.force)
    # Every pack a run would load, so a domain the defaults already cover is found too.
    known = [s.path for s in rule_sources(None, project=project_config(args))]
    packs = load_packs([*known, rules_dir] if rules_dir.exists() else known)
    for pack in packs:
        if domain in pack.domains and Path(pack.path).resolve() != out.resolve():
            raise CleanerError(f"{domain} is already covered by pack '{pack.name}' ({pack.path})")
    text = skeleton(domain)
    load_pack_text(text, str(out), [p for p in packs if Path(p.path).resolve() != out.resolve()])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    print(f"wrote {out}; next: cleaner suggest --site {domain} PAGES... -o draft.yaml")
    return EXIT_OK


def cmd_rules_report(args: argparse.Namespace) -> int:
    from cleaner.authoring.report import build_report, render_report

    cleaner = cleaner_of(args)
    listed = site_packs(cleaner, args.site) if args.site else None

    def pages(inputs: Sequence[str]) -> Iterator[RawArticle]:
        for item in articles(inputs, args):
            if isinstance(item, RawArticle):
                yield dataclasses.replace(item, site=args.site) if args.site else item

    report = build_report(
        cleaner,
        pages(args.inputs),
        pages(args.clean or []),
        max_share=args.max_share,
        packs=listed,
    )
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_report(report))
    findings = report.dead() or report.broad() or report.overlaps()
    return EXIT_REJECTS if args.strict and findings else EXIT_OK


def site_packs(cleaner: Cleaner, site: str) -> set[str]:
    """The site packs that cover ``site`` (a domain or a URL): what ``--site`` reports on."""
    from cleaner.engine.ruleset import domain_of

    host = domain_of(site) or site.lower().strip(".")
    names = {
        p.name
        for p in cleaner.rules.sites
        if any(host == d or host.endswith("." + d) for d in p.domains)
    }
    if not names:
        known = sorted(d for p in cleaner.rules.sites for d in p.domains)
        raise CleanerError(
            f"rules-report --site: no site pack covers '{host}' (valid: {', '.join(known)})"
        )
    return names


def add_parsers(sub: Subparsers) -> None:
    p_explain = sub.add_parser(
        "explain", help="show which packs matched one article and what each rule did to it"
    )
    p_explain.add_argument("input", metavar="INPUT", help="a .txt or .jsonl file, or '-'")
    p_explain.add_argument("--id", help="the article to explain when INPUT holds several")
    p_explain.add_argument("--url", help="treat the article as coming from this URL")
    p_explain.add_argument("--format", choices=("text", "json"), default="text")
    p_explain.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the diffs (auto: on a terminal, unless NO_COLOR is set)",
    )
    p_explain.add_argument(
        "--max-lines", type=int, default=20, help="diff lines shown per rule (0: all)"
    )
    rules_arg(p_explain)
    keys_args(p_explain)
    p_explain.set_defaults(func=cmd_explain)

    p_suggest = sub.add_parser("suggest", help="draft a site pack from many pages of one site")
    p_suggest.add_argument("--site", required=True, metavar="DOMAIN", help="the site's domain")
    p_suggest.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="pages: files or folders in any format run reads, or '-'",
    )
    p_suggest.add_argument("-o", "--output", metavar="PACK.yaml", help="default: standard output")
    p_suggest.add_argument("--force", action="store_true", help="overwrite the output file")
    p_suggest.add_argument(
        "--min-share",
        type=float,
        default=0.05,
        help="share of the pages a line must occur on to count as recurring (at least 3 "
        "pages; default 0.05)",
    )
    rules_arg(p_suggest)
    keys_args(p_suggest)
    p_suggest.set_defaults(func=cmd_suggest)

    p_new = sub.add_parser("new-site", help="write a site pack skeleton")
    p_new.add_argument("domain", metavar="DOMAIN")
    p_new.add_argument("-o", "--output", metavar="FILE", help="default: RULES/sites/DOMAIN.yaml")
    p_new.add_argument("--force", action="store_true", help="overwrite the output file")
    rules_arg(p_new)
    p_new.set_defaults(func=cmd_new_site)

    p_report = sub.add_parser(
        "rules-report", help="hit counts per rule on a corpus; dead, over-broad, overlapping rules"
    )
    p_report.add_argument("inputs", nargs="+", metavar="INPUT")
    p_report.add_argument(
        "--clean",
        nargs="+",
        metavar="PATH",
        help="texts known to be clean (e.g. ground truth): any rule that changes one is flagged",
    )
    p_report.add_argument(
        "--max-share",
        type=float,
        default=0.5,
        help="flag a rule that takes more than this share of an article's words (default 0.5)",
    )
    p_report.add_argument(
        "--site",
        metavar="DOMAIN",
        help="treat every input as from this site and list only its site pack's rules",
    )
    p_report.add_argument("--format", choices=("text", "json"), default="text")
    p_report.add_argument("--strict", action="store_true", help="exit 1 when any rule is flagged")
    rules_arg(p_report)
    keys_args(p_report)
    p_report.set_defaults(func=cmd_rules_report)
