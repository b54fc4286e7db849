"""``cleaner report``: the run report of a finished run, or a comparison with an earlier run
whose ``--fail-on`` conditions fail CI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cleaner.cli.common import EXIT_OK, EXIT_REJECTS, Subparsers
from cleaner.errors import CleanerError
from cleaner.io.files import write_atomic


def cmd_report(args: argparse.Namespace) -> int:
    from cleaner.report.charts import need_libraries
    from cleaner.report.compare import parse_condition
    from cleaner.report.page import REPORT_HTML, render_compare, render_page

    conditions = [parse_condition(c) for c in args.fail_on]  # before anything is read
    if conditions and not args.compare:
        raise CleanerError("--fail-on needs --compare PREV_OUT_DIR: it watches a change")
    need_libraries()
    outdir = Path(args.outdir)
    if args.compare is None:
        target = Path(args.output) if args.output else outdir / REPORT_HTML
        write_atomic(target, render_page(outdir).encode("utf-8"))
        if not args.quiet:
            print(f"cleaner: report written to {target}", file=sys.stderr)
        return EXIT_OK
    if not args.output:
        raise CleanerError("--compare writes a comparison page: say where with -o FILE")
    html, checked = render_compare(outdir, Path(args.compare), conditions)
    write_atomic(Path(args.output), html.encode("utf-8"))
    failed = [c for c in checked if c["failed"]]
    for c in checked:
        if c["failed"] or not args.quiet:
            verdict = "FAILED" if c["failed"] else "ok"
            print(f"cleaner: {c['text']}: {c['value']:+.2f} {verdict}", file=sys.stderr)
    if not args.quiet:
        print(f"cleaner: comparison written to {args.output}", file=sys.stderr)
    return EXIT_REJECTS if failed else EXIT_OK


def add_parser(sub: Subparsers) -> None:
    from cleaner.report.compare import metrics_help

    p = sub.add_parser(
        "report",
        help="the HTML report of a finished run (OUTDIR/report.html), or a comparison with an "
        "earlier run (--compare)",
    )
    p.add_argument("outdir", metavar="OUT_DIR", help="a finished run's output folder")
    p.add_argument(
        "--compare",
        metavar="PREV_OUT_DIR",
        help="compare with an earlier run's output folder (needs -o FILE)",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="where the page goes (default OUT_DIR/report.html)"
    )
    p.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="COND",
        help="with --compare: exit 1 when METRIC OP NUMBER holds, e.g. 'written_pct<-2' or "
        f"'rule:share-widgets:removed_pts>10' (repeatable). Metrics: {metrics_help()}",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_report)
