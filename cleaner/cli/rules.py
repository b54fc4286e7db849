"""``cleaner check-rules`` (``--fix`` respells old options) and ``cleaner test-rules``: the packs
load, and their examples hold."""

from __future__ import annotations

import argparse

from cleaner.cli.common import EXIT_OK, EXIT_REJECTS, Subparsers, rules_arg, rules_paths
from cleaner.config import Config
from cleaner.engine.load import load_packs
from cleaner.testing import iter_results


def cmd_check_rules(args: argparse.Namespace) -> int:
    paths = rules_paths(args)
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
    packs = load_packs(rules_paths(args))
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


def add_parsers(sub: Subparsers) -> None:
    p_check = sub.add_parser("check-rules", help="load and validate every rule pack")
    rules_arg(p_check)
    p_check.add_argument("--fix", action="store_true", help="rewrite old option spellings in place")
    p_check.set_defaults(func=cmd_check_rules)

    p_test = sub.add_parser("test-rules", help="run every rule's examples")
    rules_arg(p_test)
    p_test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    p_test.set_defaults(func=cmd_test_rules)
