"""What the boilerplate rule costs: CPU time of ``Cleaner.clean`` on plain-text scrapes, with
every pack in ``rules/`` and without the boilerplate pack, the two timed alternately page by page
so that a busy machine slows both alike. ``--rule-only`` times the rule alone instead: the
``Boilerplate.apply`` calls the pages make, captured once and replayed with a fresh rule (a quick
harness while working on the rule).

    python -m bench.boilerplate_speed [--pages N] [--rule-only [--repeat K]]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

from bench.boilerplate_data import Page, load_pages
from cleaner.config import Config
from cleaner.engine.kinds.boilerplate import Boilerplate, BoilerplateOptions
from cleaner.engine.load import load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle

RULES = Path(__file__).resolve().parent.parent / "rules"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=600, help="every k-th page, about N in all")
    ap.add_argument("--rule-only", action="store_true", help="time the rule's calls alone")
    ap.add_argument("--repeat", type=int, default=3, help="with --rule-only: replays")
    args = ap.parse_args(argv)
    pages = load_pages()
    step = max(1, len(pages) // args.pages)
    config = Config.from_rules_dir([RULES])
    packs = load_packs([RULES])
    with_it = Cleaner(RuleSet(packs), config)
    if args.rule_only:
        return _rule_only(with_it, pages[::step], args.repeat)
    without = Cleaner(RuleSet([p for p in packs if p.name != "boilerplate"]), config)
    spent = {"with": 0.0, "without": 0.0}
    for n, page in enumerate(itertools.islice(pages, 0, None, step)):
        raw = RawArticle(page["id"], page["id"], "\n".join(page["lines"]))
        order = [("with", with_it), ("without", without)]
        for name, cleaner in order if n % 2 else order[::-1]:
            start = time.process_time()
            cleaner.clean(raw)
            spent[name] += time.process_time() - start
    n_pages = len(range(0, len(pages), step))
    print(
        f"{n_pages} plain-text pages: with boilerplate {spent['with']:.2f} s CPU, "
        f"without {spent['without']:.2f} s; cost {spent['with'] / spent['without'] - 1:+.1%}"
    )
    return 0


def _rule_only(cleaner: Cleaner, pages: list[Page], repeat: int) -> int:
    calls: list[list[str]] = []
    apply = Boilerplate.apply

    def spy(self: Boilerplate, lines: list[str], matches: Any = None) -> list[str] | None:
        calls.append(list(lines))
        return apply(self, lines, matches)

    Boilerplate.apply = spy  # type: ignore[method-assign]
    try:
        for page in pages:
            cleaner.clean(RawArticle(page["id"], page["id"], "\n".join(page["lines"])))
    finally:
        Boilerplate.apply = apply  # type: ignore[method-assign]
    spent = []
    for _ in range(repeat):
        rule = Boilerplate(BoilerplateOptions())
        start = time.process_time()
        for lines in calls:
            rule.apply(lines)
        spent.append(time.process_time() - start)
    print(
        f"{len(pages)} plain-text pages, {len(calls)} calls of the rule: "
        + ", ".join(f"{t:.3f}" for t in spent)
        + f" s CPU (best {min(spent):.3f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
