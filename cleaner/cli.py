"""The command line: ``cleaner run``, ``test-rules``, ``check-rules``, and the authoring tools
``explain``, ``suggest``, ``new-site`` and ``rules-report``.

Exit codes: 0 done; 1 rejects present under --strict (or failing examples, or findings under
``rules-report --strict``); 2 usage or rule errors; 3 the run stopped before its end (the output
could not be written, or a worker process died): what it committed is kept for ``--resume``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

from cleaner.config import Config
from cleaner.engine.load import load_pack_text, load_packs
from cleaner.errors import CleanerError, RuleError, RuleErrors, RunStopped
from cleaner.io.paths import check_output_location
from cleaner.io.readers import JsonlKeys, read_inputs
from cleaner.io.writers import COMPRESSIONS, FORMATS, OutputOptions
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Reject, printable
from cleaner.run import RunOptions, RunStats, progress_wanted, run
from cleaner.testing import iter_results

EXIT_OK, EXIT_REJECTS, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


def _rules_paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in (args.rules or ["rules"])]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise CleanerError(f"rules folder '{missing[0]}' not found; pass --rules DIR")
    return paths


def cmd_run(args: argparse.Namespace) -> int:
    paths = _rules_paths(args)
    check_output_location(args.inputs, args.output, args.rejects, allow=args.allow_output_in_input)
    keys = JsonlKeys(text=args.text_key, id=args.id_key, url=args.url_key, html=args.html_key)
    output = OutputOptions(
        shard_size=args.shard_size,
        compression=args.compression,
        format=args.format,
        rejects_path=args.rejects,
    )
    if args.workers < 0:
        raise CleanerError(f"-j must be 0 (one worker per CPU) or more, not {args.workers}")
    # On Ray, 0 means one actor per CPU of the cluster, which only Ray can tell.
    workers = args.workers if args.engine == "ray" else args.workers or os.cpu_count() or 1
    options = RunOptions(
        workers=workers,
        resume=args.resume,
        progress=not args.no_progress and progress_wanted(),
        keys=keys,
        output=output,
    )
    cleaner = Cleaner.from_paths(paths, args.schema)
    try:
        if args.engine == "ray":
            from cleaner.ray_engine import run_ray

            stats = run_ray(cleaner, args.inputs, args.output, options)
        else:
            stats = run(cleaner, args.inputs, args.output, options)
    except OSError as exc:
        # Inputs that cannot be read become rejects; an OSError here is the output failing.
        where = printable(exc.filename or args.output)
        raise RunStopped(f"cannot write to '{where}': {exc.strerror or exc}", args.output) from exc
    print(one_line_summary(stats), file=sys.stderr)
    return EXIT_REJECTS if args.strict and stats.tally.rejected else EXIT_OK


def one_line_summary(stats: RunStats) -> str:
    t = stats.tally
    reasons = ", ".join(f"{code} {n:,}" for code, n in t.reasons.most_common(3))
    secs = max(stats.seconds, 1e-9)
    mb = stats.bytes_read / 1e6
    resumed = f"; resumed after {stats.resumed_items:,} committed" if stats.resumed_items else ""
    return (
        f"cleaner: {t.read:,} read, {t.written:,} written, {t.rejected:,} rejected"
        + (f" ({reasons})" if reasons else "")
        + f"; {mb:,.1f} MB in {stats.seconds:.1f} s, {mb / secs:,.1f} MB/s"
        + f"{resumed}"
    )


def cmd_check_rules(args: argparse.Namespace) -> int:
    paths = _rules_paths(args)
    if args.fix:
        from cleaner.engine.spelling import respell_files

        for change in respell_files(paths):  # old option spellings, comments kept
            print(f"fixed {change}")
    packs = load_packs(paths)
    Config.from_rules_dir(paths)
    n_rules = sum(len(p.rules) for p in packs)
    print(f"{len(packs)} packs, {n_rules} rules: OK")
    return EXIT_OK


def cmd_test_rules(args: argparse.Namespace) -> int:
    packs = load_packs(_rules_paths(args))
    passed = failed = 0
    for result in iter_results(packs):
        if result.passed:
            passed += 1
            if args.verbose:
                print(result)
        else:
            failed += 1
            print(result)
    print(f"{passed} passed, {failed} failed")
    return EXIT_REJECTS if failed else EXIT_OK


def _articles(inputs: Sequence[str], args: argparse.Namespace) -> Iterator[RawArticle | Reject]:
    keys = JsonlKeys(text=args.text_key, id=args.id_key, url=args.url_key)
    return read_inputs(inputs, keys)


def cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.authoring.explain import explain, render_text

    cleaner = Cleaner.from_paths(_rules_paths(args))
    items = _articles([args.input], args)
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


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise CleanerError(f"'{path}' exists; pass --force to overwrite it")


def cmd_suggest(args: argparse.Namespace) -> int:
    from cleaner.authoring.suggest import normalise_domain, suggest
    from cleaner.engine.ruleset import RuleSet, domain_of

    try:
        domain = normalise_domain(args.site)
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    out = Path(args.output) if args.output else None
    if out is not None:
        _refuse_overwrite(out, args.force)
    paths = _rules_paths(args)
    cleaner = Cleaner.from_paths(paths)
    others = [
        p
        for p in cleaner.rules.packs
        if p.name != domain and (out is None or Path(p.path).resolve() != out.resolve())
    ]
    texts: list[str] = []
    unreadable = elsewhere = 0
    for item in _articles(args.inputs, args):
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
    try:
        draft = suggest(
            domain,
            texts,
            generic=[RuleSet(cleaner.rules.packs).generic],
            others=others,
            share=args.min_share,
            path=str(out or "<stdout>"),
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
        + f"; a line recurs from {draft.threshold} pages; {len(draft.candidates)} rules: "
        + ", ".join(f"{counts[s]} {s}" for s in ("header", "footer", "lines", "spans") if counts[s])
        + f"; fingerprints on {draft.fingerprint_pages} of {draft.n_pages} pages"
        + (f"; wrote {out}" if out else ""),
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_new_site(args: argparse.Namespace) -> int:
    from cleaner.authoring.scaffold import skeleton
    from cleaner.authoring.suggest import normalise_domain

    try:
        domain = normalise_domain(args.domain)
    except ValueError as exc:
        raise CleanerError(str(exc)) from None
    rules_dir = Path((args.rules or ["rules"])[0])
    out = Path(args.output) if args.output else rules_dir / "sites" / f"{domain}.yaml"
    _refuse_overwrite(out, args.force)
    packs = load_packs([rules_dir]) if rules_dir.exists() else []
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

    cleaner = Cleaner.from_paths(_rules_paths(args))

    def articles(inputs: Sequence[str]) -> Iterator[RawArticle]:
        for item in _articles(inputs, args):
            if isinstance(item, RawArticle):
                yield dataclasses.replace(item, site=args.site) if args.site else item

    report = build_report(
        cleaner, articles(args.inputs), articles(args.clean or []), max_share=args.max_share
    )
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_report(report))
    findings = report.dead() or report.broad() or report.overlaps()
    return EXIT_REJECTS if args.strict and findings else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaner", description="Clean scraped articles into validated JSONL."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def rules_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--rules",
            action="append",
            metavar="DIR",
            help="rule pack folder or file (repeatable; default: ./rules)",
        )

    p_run = sub.add_parser(
        "run", help="clean articles into OUTDIR/articles.jsonl and rejects.jsonl"
    )
    p_run.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help=".txt, .html/.htm/.html.gz and .jsonl files or folders; "
        "'-' reads JSONL from standard input",
    )
    p_run.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTDIR",
        help="output folder, or '-' to write records to standard output",
    )
    rules_arg(p_run)
    p_run.add_argument(
        "--schema", metavar="FILE", help="JSON Schema replacing the built-in record schema"
    )
    p_run.add_argument(
        "--rejects",
        metavar="FILE",
        help="where rejects go (default OUTDIR/rejects.jsonl; standard error with -o -)",
    )
    p_run.add_argument(
        "--allow-output-in-input",
        action="store_true",
        help="let OUTDIR be, or sit inside, an input folder (its output files are then skipped)",
    )
    p_run.add_argument("--strict", action="store_true", help="exit 1 when any article is rejected")
    p_run.add_argument(
        "--text-key", default="text", help="JSONL field holding the text (default: text)"
    )
    p_run.add_argument(
        "--html-key",
        metavar="KEY",
        help="JSONL field holding an HTML page; the page's article text is extracted",
    )
    p_run.add_argument("--id-key", default="id", help="JSONL field holding the id (default: id)")
    p_run.add_argument(
        "--url-key", default="url", help="JSONL field holding the URL (default: url)"
    )
    scale = p_run.add_argument_group("scale")
    scale.add_argument(
        "-j",
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (default 1; 0 = one per CPU; with --engine ray, cleaning actors, "
        "0 = one per CPU of the cluster); the output is the same for any N",
    )
    scale.add_argument(
        "--shard-size",
        type=int,
        metavar="N",
        help="write articles-00000.jsonl, ... each holding the outcome of N input articles, "
        "with rejects-00000.jsonl beside (default: one articles.jsonl)",
    )
    scale.add_argument(
        "--compression",
        choices=tuple(COMPRESSIONS),
        default="none",
        help="compress the output files (.gz, .zst)",
    )
    scale.add_argument(
        "--format",
        choices=FORMATS,
        default="jsonl",
        help="records as JSONL (default) or Parquet (needs the parquet extra)",
    )
    scale.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted run into the same OUTDIR, keeping its committed shards",
    )
    scale.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local processes (default) or Ray Data (needs the ray extra; RAY_ADDRESS picks "
        "the cluster)",
    )
    scale.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    p_run.set_defaults(func=cmd_run)

    p_check = sub.add_parser("check-rules", help="load and validate every rule pack")
    rules_arg(p_check)
    p_check.add_argument("--fix", action="store_true", help="rewrite old option spellings in place")
    p_check.set_defaults(func=cmd_check_rules)

    p_test = sub.add_parser("test-rules", help="run every rule's examples")
    rules_arg(p_test)
    p_test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    p_test.set_defaults(func=cmd_test_rules)

    def keys_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--text-key", default="text", help="JSONL field holding the text")
        p.add_argument("--id-key", default="id", help="JSONL field holding the id")
        p.add_argument("--url-key", default="url", help="JSONL field holding the URL")

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
        "inputs", nargs="+", metavar="INPUT", help="pages: .txt/.jsonl files or folders, or '-'"
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
    p_report.add_argument("--site", metavar="DOMAIN", help="treat every input as from this site")
    p_report.add_argument("--format", choices=("text", "json"), default="text")
    p_report.add_argument("--strict", action="store_true", help="exit 1 when any rule is flagged")
    rules_arg(p_report)
    keys_args(p_report)
    p_report.set_defaults(func=cmd_rules_report)
    return parser


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # A scheduler's polite stop: unwind like Ctrl-C, so temporary files are removed and
    # nothing half-written is left; exit 128 + 15 as a killed process would.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is not threading.main_thread():  # signals need the main one
        return _main(argv)
    before = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, before)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except RuleErrors as exc:
        for err in exc.errors:
            print(err, file=sys.stderr)
        print(f"cleaner: {len(exc.errors)} rule error(s); nothing was processed", file=sys.stderr)
        return EXIT_USAGE
    except RunStopped as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_STOPPED
    except (RuleError, CleanerError) as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # The output's context managers have already removed their temporary files.
        print(f"cleaner: interrupted{_after_interrupt(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _after_interrupt(args: argparse.Namespace) -> str:
    outdir = getattr(args, "output", None)
    if args.func is not cmd_run or outdir in (None, "-"):
        return ""
    return f"; nothing half-written was left in {outdir}; run it again with --resume to finish"


if __name__ == "__main__":
    sys.exit(main())
