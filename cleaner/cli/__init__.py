"""The command line: ``cleaner run``, ``report``, ``test-rules``, ``check-rules``, ``steps``,
and the authoring tools ``explain``, ``suggest``, ``new-site`` and ``rules-report``.

Exit codes: ``cleaner.errors.EXIT_CODES`` (every ``--help`` lists them).
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import threading
from collections.abc import Sequence

from cleaner import __version__
from cleaner.cli import authoring, report, rules, stats, steps
from cleaner.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REJECTS,
    EXIT_STOPPED,
    EXIT_USAGE,
    exit_codes_epilog,
)
from cleaner.cli.run import add_parser as add_run_parser
from cleaner.cli.run import cmd_run, one_line_summary
from cleaner.errors import CleanerError, RuleError, RuleErrors, RunStopped

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_REJECTS",
    "EXIT_STOPPED",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "one_line_summary",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaner",
        description="Clean scraped articles into validated JSONL.",
        epilog=exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cleaner {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_run_parser(sub)
    rules.add_parsers(sub)
    authoring.add_parsers(sub)
    steps.add_parser(sub)
    stats.add_parser(sub)
    report.add_parser(sub)
    for command in sub.choices.values():
        command.epilog = exit_codes_epilog()
        command.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _stop_on_sigterm(owner: int, signum: int, frame: object) -> None:
    # A scheduler's polite stop: unwind like Ctrl-C, so temporary files are removed and
    # nothing half-written is left; exit 128 + 15 as a killed process would.
    if os.getpid() != owner:  # ``owner``: the process that set the handler
        # A forked worker stopped before its start reset this handler: it dies as the
        # default action would. Unwinding there printed a traceback (bootstrap code, where
        # the exit cannot propagate) and has nothing of its own to clean up.
        os._exit(128 + signum)
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is not threading.main_thread():  # signals need the main one
        return _main(argv)
    before = signal.signal(signal.SIGTERM, functools.partial(_stop_on_sigterm, os.getpid()))
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
