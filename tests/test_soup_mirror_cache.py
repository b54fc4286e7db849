"""A page's soup mirror is built once for its soupsieve selectors and again only after the tree
changes (cleaner.html.select.Mirrors, held by the page being ruled): the records are those of
a fresh mirror for every select."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cleaner.html import extract, soup_mirror
from cleaner.html.select import Mirrors
from cleaner.pipeline import Cleaner

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

PACK = """pack: mirror.test
description: Soupsieve-only selectors in every phase.
scope: site
match:
  domains: [mirror.test]
rules:
  - id: m-title
    kind: html_field
    description: The headline.
    field: title
    selector: "h1:-soup-contains('Budget'):not(.kicker, .label)"
    examples:
      - input: '<h1 class=kicker>Budget</h1><h1>Budget passes</h1>'
        fields: {title: Budget passes}
  - id: m-chrome
    kind: html_remove
    description: Every other item and the share bar.
    selector: ["li:nth-child(2n of .x)", "div:-soup-contains-own('Share')"]
    examples:  # loading needs them; this test does not run them
      - input: '<p>Story.</p>'
        output: Story.
  - id: m-nothing
    kind: html_remove
    description: Matches nothing here.
    selector: "p:nth-child(9 of .none)"
    examples:  # loading needs them; this test does not run them
      - input: '<p>Story.</p>'
        output: Story.
  - id: m-body
    kind: html_body
    description: The story.
    selector: "div.story:not(.a, .b)"
    include: "h1:not(.kicker, .label)"
    examples:  # loading needs them; this test does not run them
      - input: '<p>Story.</p>'
        output: Story.
"""

PAGE = (
    "<html><head><title>t</title></head><body><h1 class=kicker>Budget</h1>"
    "<h1>Budget passes</h1><div class=story><ul><li class=x>one</li><li class=x>two</li>"
    "<li class=x>three</li></ul><p>The council voted.</p><div>Share this</div></div>"
    "</body></html>"
)


def _ruled(tmp_path: Path) -> tuple[Any, list[Any]]:
    (tmp_path / "m.yaml").write_text(PACK, "utf-8")
    cleaner = Cleaner.from_paths([tmp_path])
    groups = cleaner.rules.select(PAGE, url="https://mirror.test/a", site="mirror.test").groups
    assert groups
    return extract.read_page(PAGE, None), groups


def _fresh_every_time(self: Mirrors, root: Any, build: Any) -> Any:
    self.built += 1
    return build(root)


def test_one_mirror_per_state_of_the_tree_and_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, groups = _ruled(tmp_path)
    builds: list[int] = []
    real = soup_mirror.mirror

    def counted(root: Any) -> Any:
        builds.append(1)
        return real(root)

    monkeypatch.setattr(soup_mirror, "mirror", counted)
    cached = extract.apply_html_rules(page, groups)
    # the field rule's mirror; then after the invisible elements go, one for the removals
    # until the first that removes something; then one for the rest (the body's two selects
    # and the removal that matches nothing share it)
    assert len(builds) == 3
    monkeypatch.setattr(Mirrors, "of", _fresh_every_time)
    builds.clear()
    fresh = extract.apply_html_rules(page, groups)
    assert len(builds) == 5  # field, two removals, the body's select_one and select
    assert cached.fields["title"] == "Budget passes"
    assert cached.text is not None
    assert "two" not in cached.text
    assert "Share" not in cached.text
    assert "one" in cached.text
    assert (cached.fields, cached.fields_from, cached.edits, cached.text) == (
        fresh.fields,
        fresh.fields_from,
        fresh.edits,
        fresh.text,
    )


def test_a_mirror_is_made_again_for_another_tree_or_after_a_change() -> None:
    mirrors = Mirrors()
    made: list[object] = []

    def build(root: object) -> object:
        made.append(root)
        return object()

    a, b = object(), object()
    first = mirrors.of(a, build)
    assert mirrors.of(a, build) is first
    assert mirrors.of(b, build) is not first
    mirrors.changed()
    mirrors.of(b, build)
    assert made == [a, b, b]
    assert mirrors.built == 3
