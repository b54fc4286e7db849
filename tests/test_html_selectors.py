"""Packs written for soupsieve still load and match as they did: each selector either compiles
to an XPath that matches what soupsieve matches, or runs through soupsieve on a mirror of the
page (cleaner.html.soup_mirror). Both are held to the soup reference (tests/soup_reference.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.engine.kinds.html import HtmlBody, HtmlField, HtmlRemove
from cleaner.engine.load import load_packs
from cleaner.errors import RuleErrors
from cleaner.html import extract
from cleaner.html.dom import rules_tree
from cleaner.html.select import compile_selector
from tests import soup_reference as ref
from tests.test_html_rules_tree import _same_on

# soupsieve warns that :contains() is deprecated; the soup reference compiles it as packs did
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

PAGES = [
    "<!DOCTYPE html><!-- c --><html><body><div class='a  b'>own <!-- x --> text <span>deep"
    "</span></div><ul><li class=x>1</li><li>2</li><li class=x>3</li><li class=x>4</li></ul>"
    "<p> </p><p><!-- only --></p><p>a<br>b</p><form><input type=checkbox checked>"
    "<input required><option selected>o</option></form><a href='/x'>link</a>"
    "<a name=n>anchor</a><p lang=en-GB>hello</p><p dir=rtl>x</p></body></html>",
    "<html><body><div><p>More news</p>tail <b>More</b> news<p class='a b'>a</p></div>"
    "<iframe>framed text</iframe><table><tr><td>x</td><td>More news</td></tr></table>"
    "</body></html>",
    "<p>no html tag</p><p>  </p>",
    # word lists as beautifulsoup4 splits them: at any Unicode space
    "<div class='a\xa0b'>nbsp</div><div class='  a \u3000 b  '>ideographic</div>"
    "<div class='a\tb'>tab</div><a rel='x  y' href=/>rel</a><div class=''>empty</div>",
    "",
]

# cssselect translates these to XPath; each matches what soupsieve matches
ON_LXML = [
    "p:-soup-contains-own('text')",
    "div:-soup-contains-own('deep')",
    "div:-soup-contains-own('own text')",
    "p:contains('More')",
    "td:-soup-contains('More news')",
    "div:has(> p)",
    "div:has(b)",
    ":is(li.x, td)",
    ":where(b, span)",
    "li:nth-child(2n+1)",
    "li:nth-last-child(2)",
    "li:first-child, li:last-child, b:only-child",
    "p:first-of-type, p:last-of-type, span:only-of-type",
    "p:nth-of-type(2), p:nth-last-of-type(1)",
    "p:not(.a)",
    "li:first-of-type",
    "div:not(:has(iframe)) p",
    "[class~=b]",
    "[lang|=en]",
    ".b",
    "div.a.b",
    "[class='a b']",
    "[class^='a b'], [class$='a b']",
    "[class*='a b']",
    "[class|=a]",
    "[class~=b]",
    "[class='A B' i]",
    "[class~=B i]",
    "div[class*=A i]",
    "div[class!='a b']",
    "[class='']",
    "[class]",
    "*",
    ":not(p)",
]

# soupsieve only: cssselect refuses them or reads the page another way
ON_SOUP = [
    "li:nth-child(2n of .x)",
    "p:not(.a, .b)",
    "p:empty",
    ":root",
    "p:-soup-contains('More', 'hello')",
    "p:contains(a, 'b')",
    "input:checked, option:checked",
    "input:required, input:optional",
    "a:link, a:any-link",
    "p:lang(en)",
    "p:dir(rtl)",
    "*:nth-last-of-type(1)",
    ":defined",
    "p:-soup-contains-own('a', 'hello')",
    "a[rel='x y']",
]


@pytest.mark.parametrize("selector", ON_LXML)
def test_exact_selectors_run_as_xpath_and_match_as_soupsieve(selector: str) -> None:
    assert not compile_selector([selector]).on_soup
    for html in PAGES:
        _same_on(HtmlRemove(HtmlRemove.Options(selector=selector)), html)
        _same_on(HtmlField(HtmlField.Options(field="title", selector=selector)), html)


@pytest.mark.parametrize("selector", ON_SOUP)
def test_other_soupsieve_selectors_run_through_soupsieve(selector: str) -> None:
    assert compile_selector([selector]).on_soup
    found = 0
    for html in PAGES:
        remove = HtmlRemove(HtmlRemove.Options(selector=selector))
        _same_on(remove, html)
        _same_on(HtmlField(HtmlField.Options(field="title", selector=selector)), html)
        _same_on(HtmlBody(HtmlBody.Options(selector=selector, include="b")), html)
        found += len(remove.selector.select(rules_tree(html)))
    assert found  # each matches somewhere, so the comparison says something


def test_a_group_with_one_soupsieve_only_selector_runs_whole_on_soupsieve() -> None:
    kind = HtmlRemove(HtmlRemove.Options(selector=["span", "li:nth-child(2n of .x)", "b"]))
    assert kind.selector.on_soup
    for html in PAGES:
        _same_on(kind, html)


PACK = """pack: old.test
description: A pack written for soupsieve.
scope: site
match:
  domains: [old.test]
rules:
  - id: old-chrome
    kind: html_remove
    description: Old chrome.
    selector: ["li:nth-child(2n of .x)", "p:not(.a, .b)", "div:-soup-contains-own('Share')"]
    examples:
      - input: '<ul><li class=x>1</li><li>2</li><li class=x>3</li></ul><p class=a>Story.</p><p>ad</p><div>Share <b>x</b></div>'
        output: "1\\n2\\n\\nStory."
  - id: old-title
    kind: html_field
    description: The headline.
    field: title
    selector: "h1:-soup-contains('Budget', 'Vote'):not(.kicker, .label)"
    examples:
      - input: '<h1 class=kicker>Budget</h1><h1>Budget passes</h1>'
        fields: {title: Budget passes}
"""


def test_an_old_pack_loads_passes_its_examples_and_gives_the_soups_records(
    tmp_path: Path,
) -> None:
    (tmp_path / "old.yaml").write_text(PACK, "utf-8")
    assert main(["test-rules", "--rules", str(tmp_path)]) == 0
    groups = load_packs([tmp_path])
    html = (
        "<html><head><title>t</title></head><body><h1 class=label>Vote</h1><h1>Vote today</h1>"
        "<ul><li class=x>a</li><li class=x>b</li></ul><p>Story one.</p><p class=b>Story two."
        "</p><div>Share this</div></body></html>"
    )
    from cleaner.pipeline import Cleaner

    cleaner = Cleaner.from_paths([tmp_path])
    read = extract.read_page(html, None)
    chosen = cleaner.rules.select(html, url="https://old.test/a", site="old.test").groups
    assert chosen
    assert groups
    ours, theirs = extract.apply_html_rules(read, chosen), ref.apply_html_rules(read, chosen)
    assert ours.fields["title"] == "Vote today"
    assert ours.edits[0].removed_chars > 0
    assert (ours.fields, ours.fields_from, ours.edits, ours.text) == (
        theirs.fields,
        theirs.fields_from,
        theirs.edits,
        theirs.text,
    )


def test_a_selector_neither_reads_fails_at_load_with_both_reasons(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(PACK.replace("p:not(.a, .b)", "p::first-line"), "utf-8")
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert [str(e) for e in info.value.errors] == [
        f"{tmp_path}/old.yaml:10: rule 'old-chrome': 'p::first-line' is not a valid CSS "
        "selector: Pseudo-elements are not supported. (soupsieve: Pseudo-element found at "
        "position 1)"
    ]


def test_bs4_is_imported_only_for_a_pack_with_a_soupsieve_only_selector(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(PACK, "utf-8")
    script = (
        "import sys\nfrom cleaner.engine.load import load_packs\n"
        "load_packs([sys.argv[1]])\nprint('bs4' in sys.modules, 'soupsieve' in sys.modules)\n"
    )
    shipped = Path(__file__).resolve().parent.parent / "rules"
    for packs, imported in ((shipped, "False False"), (tmp_path, "True True")):
        done = subprocess.run(
            [sys.executable, "-c", script, str(packs)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.split("\n")[0] == imported, done.stderr


def test_a_soupsieve_selector_travels_pickled() -> None:
    import pickle

    kind = HtmlRemove(HtmlRemove.Options(selector=["p:empty", "span"]))
    again = pickle.loads(pickle.dumps(kind))
    assert again.selector.on_soup
    html = PAGES[0]
    assert again.apply(rules_tree(html)) == kind.apply(rules_tree(html)) != (0, 0)
