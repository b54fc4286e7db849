"""What the boilerplate rule costs: CPU time of ``Cleaner.clean`` on plain-text scrapes, with
every pack in ``rules/`` and without the boilerplate pack, the two timed alternately page by page
so that a busy machine slows both alike.

    python -m bench.boilerplate_speed [--pages N]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

from bench.boilerplate_data import load_pages
from cleaner.config import Config
from cleaner.engine.load import load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle

RULES = Path(__file__).resolve().parent.parent / "rules"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=600, help="every k-th page, about N in all")
    args = ap.parse_args(argv)
    pages = load_pages()
    step = max(1, len(pages) // args.pages)
    config = Config.from_rules_dir([RULES])
    packs = load_packs([RULES])
    with_it = Cleaner(RuleSet(packs), config)
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


if __name__ == "__main__":
    sys.exit(main())
