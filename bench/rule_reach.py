"""Rule reach on real pages: which generic rules remove more than their examples show.

The suite checks on the seeds that no rule removes a longer line (or strips a longer span) than
its own examples show (``cleaner.testing.reach``). This runs the same measure over the scraped
text of the real pages in shared/corpora, and says how often each generic rule goes further
than its examples, and whether the line it took is real article text (in the page's gold).

    python -m bench.rule_reach [--limit N]
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from collections.abc import Iterator

from bench.corpora import (
    AebPage,
    CtfPage,
    WcxbPage,
    iter_aeb,
    iter_ctf,
    iter_wcxb,
    read_html_bytes,
    scrape_text,
)
from cleaner.engine.ruleset import RuleGroup, run_chrome
from cleaner.pipeline import Cleaner
from cleaner.steps.normalize import normalize_lines
from cleaner.testing import example_reach, reach
from tests.conftest import RULES


def pages(limit: int) -> Iterator[tuple[bytes, str]]:
    sources: list[Iterator[CtfPage | AebPage | WcxbPage]] = [iter_ctf(), iter_aeb(), iter_wcxb()]
    for it in sources:
        for page in itertools.islice(it, limit):
            yield read_html_bytes(page.html_path), page.gold_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=1000, help="pages per corpus")
    args = parser.parse_args()
    cleaner = Cleaner.from_paths([RULES])
    rules = list(cleaner.rules.generic.chrome_rules)
    allowed = {r.id: example_reach(r) for r in rules}
    beyond: Counter[str] = Counter()
    in_gold: Counter[str] = Counter()
    sample: dict[str, str] = {}
    n = 0
    for html, gold in pages(args.limit):
        n += 1
        lines = normalize_lines(cleaner.repair_text(scrape_text(html))[0])
        gold_lines = set(normalize_lines(gold))
        for rule in rules:
            got, ok = reach(rule, lines), allowed[rule.id]
            if got.whole_words <= ok.whole_words and got.stripped_chars <= ok.stripped_chars:
                continue
            beyond[rule.id] += 1
            after, _ = run_chrome([RuleGroup([rule])], lines)
            gone = [x for x in set(lines) - set(after) if len(x.split()) > ok.whole_words]
            if any(x in gold_lines for x in gone):
                in_gold[rule.id] += 1
            if gone:
                sample.setdefault(rule.id, max(gone, key=len)[:160])
    print(f"{n} pages; generic rules that reach beyond their examples:")
    print(f"{'rule':40} {'pages':>6} {'in gold':>8}  longest line taken beyond the examples")
    for rule_id, count in beyond.most_common():
        print(f"{rule_id:40} {count:6} {in_gold[rule_id]:8}  {sample.get(rule_id, '')!r}")


if __name__ == "__main__":
    main()
