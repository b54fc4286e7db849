"""The command line: ``cleaner run``, ``cleaner test-rules``, ``cleaner check-rules``.

Exit codes: 0 done; 1 rejects present under --strict (or failing examples); 2 usage or rule errors;
3 the run could not write its output (disk full, no permission): nothing of it was committed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from cleaner.config import Config
from cleaner.engine.load import load_packs
from cleaner.errors import CleanerError, OutputError, RuleError, RuleErrors
from cleaner.io.paths import check_output_location
from cleaner.io.readers import JsonlKeys
from cleaner.pipeline import Cleaner
from cleaner.record import printable
from cleaner.run import run
from cleaner.testing import iter_results

EXIT_OK, EXIT_REJECTS, EXIT_USAGE, EXIT_WRITE = 0, 1, 2, 3


def _rules_paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in (args.rules or ["rules"])]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise CleanerError(f"rules folder '{missing[0]}' not found; pass --rules DIR")
    return paths


def cmd_run(args: argparse.Namespace) -> int:
    paths = _rules_paths(args)
    check_output_location(args.inputs, args.output, args.rejects, allow=args.allow_output_in_input)
    cleaner = Cleaner.from_paths(paths, args.schema)
    keys = JsonlKeys(text=args.text_key, id=args.id_key, url=args.url_key, html=args.html_key)
    start = time.perf_counter()
    try:
        tally = run(cleaner, args.inputs, args.output, rejects_path=args.rejects, keys=keys)
    except OSError as exc:
        # Inputs that cannot be read become rejects; an OSError here is the output failing.
        where = printable(exc.filename or args.output)
        raise OutputError(
            f"cannot write to '{where}': {exc.strerror or exc}; the run stopped and committed "
            "nothing, so earlier output is unchanged"
        ) from exc
    secs = time.perf_counter() - start
    mchars = tally.chars_in / 1e6
    print(
        f"cleaner: {tally.read} read, {tally.written} written, {tally.rejected} rejected; "
        f"{mchars:.2f} M chars in {secs:.1f} s ({mchars / max(secs, 1e-9):.1f} M chars/s)",
        file=sys.stderr,
    )
    return EXIT_REJECTS if args.strict and tally.rejected else EXIT_OK


def cmd_check_rules(args: argparse.Namespace) -> int:
    paths = _rules_paths(args)
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
    p_run.set_defaults(func=cmd_run)

    p_check = sub.add_parser("check-rules", help="load and validate every rule pack")
    rules_arg(p_check)
    p_check.set_defaults(func=cmd_check_rules)

    p_test = sub.add_parser("test-rules", help="run every rule's examples")
    rules_arg(p_test)
    p_test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    p_test.set_defaults(func=cmd_test_rules)
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
    except OutputError as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_WRITE
    except (RuleError, CleanerError) as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
