"""What the boilerplate rule costs: CPU time of ``Cleaner.clean`` on plain-text scrapes, with
every pack in ``rules/`` and without the boilerplate pack, the two timed alternately page by page
so that a busy machine slows both alike. ``--rule-only`` times the rule alone instead: the
``Boilerplate.apply`` calls the pages make, captured once and replayed with a fresh rule (a quick
harness while working on the rule).

``--check`` replays them through the C scorer and the Python one (``CLEANER_PURE``'s) and
compares every call's result (with the passes in C, and with each pass from Python over the C
scorer) and every scoring pass's logits float for float.

    python -m bench.boilerplate_speed [--pages N] [--rule-only [--repeat K] | --check]
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
    ap.add_argument("--check", action="store_true", help="C scorer against the Python one")
    args = ap.parse_args(argv)
    pages = load_pages()
    step = max(1, len(pages) // args.pages)
    config = Config.from_rules_dir([RULES])
    packs = load_packs([RULES])
    with_it = Cleaner(RuleSet(packs), config)
    if args.rule_only or args.check:
        calls = _calls(with_it, pages[::step])
        if args.check:
            return _check(calls)
        return _rule_only(calls, len(pages[::step]), args.repeat)
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


def _calls(cleaner: Cleaner, pages: list[Page]) -> list[list[str]]:
    """The lines of each ``Boilerplate.apply`` call cleaning ``pages`` makes."""
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
    return calls


def _rule_only(calls: list[list[str]], n_pages: int, repeat: int) -> int:
    spent = []
    for _ in range(repeat):
        rule = Boilerplate(BoilerplateOptions())
        start = time.process_time()
        for lines in calls:
            rule.apply(lines)
        spent.append(time.process_time() - start)
    print(
        f"{n_pages} plain-text pages, {len(calls)} calls of the rule: "
        + ", ".join(f"{t:.3f}" for t in spent)
        + f" s CPU (best {min(spent):.3f} s)"
    )
    return 0


def _check(calls: list[list[str]]) -> int:
    fast, stepped, pure = (Boilerplate(BoilerplateOptions()) for _ in range(3))
    if fast.scorer.compiled is None:
        print("the C extension is not built (or CLEANER_PURE is set): nothing to compare")
        return 1
    pure.scorer.compiled = pure.scorer.languages.compiled = None
    # Each pass from Python over the C scorer, so that its logits can be logged.
    stepped.scorer.passes_in_c = False
    passes = [_logged(stepped), _logged(pure)]
    differ = 0
    for lines in calls:
        want = pure.apply(lines)
        differ += fast.apply(lines) != want or stepped.apply(lines) != want
    same = sum(a == b for a, b in zip(*passes, strict=True))
    print(
        f"{len(calls)} calls: {differ} results differ (passes in C, passes from Python); "
        f"{len(passes[0])} scoring passes, {same} with the same logits bit for bit "
        f"({len(passes[1])} in the Python path)"
    )
    return 0 if differ == 0 and same == len(passes[0]) == len(passes[1]) else 1


def _logged(rule: Boilerplate) -> list[list[float] | None]:
    """Each scoring pass's logits from now on, the rule's lines chosen from them as before."""
    seen: list[list[float] | None] = []
    logits = rule.scorer.logits

    def near(
        text: list[str], min_body: int, lang: str | None, bound: float
    ) -> list[tuple[int, float]] | None:
        got = logits(text, min_body, lang)
        seen.append(None if got is None else got.tolist())
        return None if got is None else [(i, float(z)) for i, z in enumerate(got) if z >= bound]

    rule.scorer.near = near  # type: ignore[method-assign,assignment]
    return seen


if __name__ == "__main__":
    sys.exit(main())
