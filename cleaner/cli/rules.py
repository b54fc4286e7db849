"""``cleaner check-rules`` (``--fix`` respells old options) and ``cleaner test-rules``: the packs
load, and their examples hold."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cleaner.cli.common import (
    EXIT_OK,
    EXIT_REJECTS,
    NO_GENERIC,
    Subparsers,
    project_config,
    rules_arg,
    rules_paths,
    settings_of,
    sources_of,
)
from cleaner.config import Config
from cleaner.engine.files import rule_files
from cleaner.engine.load import load_packs
from cleaner.packs import CONFIG, FLAG, LOCAL, is_packaged


def cmd_check_rules(args: argparse.Namespace) -> int:
    paths = rules_paths(args)
    if args.fix:
        from cleaner.engine.spelling import respell_files

        # Old option spellings, comments kept, in the packs the user named (--rules), else in
        # ./rules and the config's; never in the packs installed with cleaner.
        wanted = {FLAG} if args.rules else {LOCAL, CONFIG}
        mine = [
            s.path for s in sources_of(args) if wanted & set(s.origins) and not is_packaged(s.path)
        ]
        for change in respell_files(mine):
            print(f"fixed {change}")
    packs = load_packs(paths)
    Config.from_rules_dir(paths, settings_of(args))
    n_rules = sum(len(p.rules) for p in packs)
    print(f"{len(packs)} packs, {n_rules} rules: OK")
    return EXIT_OK


def cmd_test_rules(args: argparse.Namespace) -> int:
    from cleaner.testing import iter_results  # here: a run never needs the example runner

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


def cmd_rules(args: argparse.Namespace) -> int:
    """Every pack a run would load, with where it came from and what it holds."""
    sources = sources_of(args)
    project = project_config(args)
    packs = load_packs([s.path for s in sources])
    origin: dict[Path, str] = {}
    for s in sources:
        for f in rule_files([s.path]):
            origin.setdefault(f.resolve(), ", ".join(s.origins))
    rows = [
        (p.name, p.scope, str(len(p.rules)), origin.get(Path(p.path).resolve(), "?"), p.path)
        for p in packs
    ]
    if not any(p.scope == "generic" for p in packs):
        print(NO_GENERIC, file=sys.stderr)
    if args.format == "json":
        keys = ("pack", "scope", "rules", "from", "path")
        print(json.dumps([dict(zip(keys, r, strict=True)) for r in rows], indent=2))
        return EXIT_OK
    widths = [
        max(len(r[i]) for r in [("pack", "scope", "rules", "from", "path"), *rows])
        for i in range(4)
    ]
    for r in [("pack", "scope", "rules", "from", "path"), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
    for s in sources:
        print(f"# {', '.join(s.origins)}: {s.path}")
    if project.path:
        print(f"# config: {project.path}")
    return EXIT_OK


def add_parsers(sub: Subparsers) -> None:
    p_rules = sub.add_parser(
        "rules",
        help="list every pack a run loads and where it came from (default, ./rules, "
        "config, --rules)",
    )
    rules_arg(p_rules)
    p_rules.add_argument("--format", choices=("text", "json"), default="text")
    p_rules.set_defaults(func=cmd_rules)

    p_check = sub.add_parser("check-rules", help="load and validate every rule pack")
    rules_arg(p_check)
    p_check.add_argument("--fix", action="store_true", help="rewrite old option spellings in place")
    p_check.set_defaults(func=cmd_check_rules)

    p_test = sub.add_parser("test-rules", help="run every rule's examples")
    rules_arg(p_test)
    p_test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    p_test.set_defaults(func=cmd_test_rules)
