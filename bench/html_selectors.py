"""What the soupsieve-exact selectors cost on the lxml tree, and what the soupsieve fallback
costs a pack that needs it.

    python -m bench.html_selectors [--every N] [--rounds R]

On every Nth ctf page (rules tree parsed once per page, outside the timing), CPU seconds
(``time.process_time``), run alternately:

- every shipped pack's selectors joined in one XPath, as cssselect translates them plainly
  (with the case-blind HTML attribute values) against ``cleaner.html.select``'s translation
  (class values read at any Unicode space, as beautifulsoup4 split them): the same matches;
- one selector run as XPath against the same selector through soupsieve on a soup mirror
  of the page (``cleaner.html.soup_mirror``): what an old pack's soupsieve-only selector costs.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path
from typing import Any

import lxml.etree
from cssselect import HTMLTranslator

from bench.corpora import iter_ctf
from cleaner.engine.load import load_packs
from cleaner.html import select
from cleaner.html.dom import rules_tree
from cleaner.html.soup_mirror import SoupSelector

RULES = Path(__file__).resolve().parent.parent / "rules"


class _Plain(HTMLTranslator):
    def xpath_attrib(self, selector: Any) -> Any:
        if selector.flag is None and selector.attrib.lower() in select._NO_CASE:
            selector.flag = "i"
        return super().xpath_attrib(selector)

    def xpath__soup_contains_function(self, xpath: Any, function: Any) -> Any:
        return self.xpath_contains_function(xpath, function)


def _shipped() -> list[str]:
    out: list[str] = []
    for pack in load_packs([RULES]):
        for rule in pack.rules:
            for name in ("selector", "include"):
                given = getattr(rule.kind.options, name, None)
                if given is not None:
                    out += [given] if isinstance(given, str) else list(given)
    return out


def _time(matcher: Any, trees: list[Any]) -> tuple[float, int]:
    start = time.process_time()
    found = sum(len(matcher(tree)) for tree in trees)
    return time.process_time() - start, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sources = _shipped()
    pages = itertools.islice(iter_ctf(), 0, None, args.every)
    trees = [rules_tree(p.html_path.read_bytes().decode("utf-8", "replace")) for p in pages]
    plain = lxml.etree.XPath(" | ".join(_Plain().css_to_xpath(s) for s in sources))
    ours = lxml.etree.XPath(" | ".join(select._Translator().css_to_xpath(s) for s in sources))
    one = "div.story p"
    on_lxml, on_soup = select.compile_selector([one]).select, SoupSelector(one)
    print(f"{len(sources)} shipped selectors, {len(trees)} ctf pages (every {args.every}th)")
    pairs = [
        ("shipped, plain cssselect", plain, "shipped, cleaner.html.select", ours),
        (f"'{one}' as XPath", on_lxml, f"'{one}' through soupsieve", on_soup),
    ]
    for a_name, a, b_name, b in pairs:
        totals = {a_name: 0.0, b_name: 0.0}
        found: dict[str, int] = {}
        for rnd in range(args.rounds):
            order = [(a_name, a), (b_name, b)] if rnd % 2 == 0 else [(b_name, b), (a_name, a)]
            for name, matcher in order:
                took, found[name] = _time(matcher, trees)
                totals[name] += took
        for name in (a_name, b_name):
            per_page = totals[name] / args.rounds / len(trees) * 1000
            print(f"  {name:40} {per_page:8.3f} ms/page  {found[name]} matches")


if __name__ == "__main__":
    main()
