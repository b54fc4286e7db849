"""Engine pieces the authoring tools rely on: cut_before's keep_first_lines, drop_line's lines,
and the tracer hook (it hears every rule, and changes nothing)."""

from __future__ import annotations

from typing import Any

from cleaner.engine.kinds import KINDS
from cleaner.engine.load import Rule
from cleaner.engine.options import check_options
from cleaner.engine.ruleset import RuleGroup, run_chrome, run_extract


def rule(rule_id: str, kind: str, **options: Any) -> Rule:
    cls = KINDS[kind]
    values, problems = check_options(cls.declared(), options, one_of=cls.one_of)
    assert not problems, problems
    return Rule(rule_id, "test", cls.from_values(values), "test", (), "test.yaml", None)


def chrome(lines: list[str], *rules: Rule) -> list[str]:
    return run_chrome([RuleGroup(rules)], lines)[0]


PAGE = ["Headline | Site", "Home", "World", "Menu end", "", "Headline", "", "Body text."]


def test_cut_before_can_keep_the_title_line() -> None:
    cut = rule("c", "cut_before", line="Menu end", keep_first_lines=1)
    once = chrome(PAGE, cut)
    assert once == ["Headline | Site", "", "Headline", "", "Body text."]
    assert chrome(once, cut) == once
    # A marker among the kept lines is not a marker.
    assert chrome(["Menu end", "Body text."], cut) == ["Menu end", "Body text."]


def test_cut_before_without_keeping_drops_the_title_too() -> None:
    assert chrome(PAGE, rule("c", "cut_before", line="Menu end")) == [
        "Headline",
        "",
        "Body text.",
    ]


def test_lines_drops_whole_lines_only() -> None:
    menu = rule("m", "drop_line", lines=["Home", "World"])
    assert chrome(PAGE, menu) == ["Headline | Site", "Menu end", "", "Headline", "", "Body text."]
    kept = ["World leaders met at Home Office.", "Homeworld"]
    assert chrome(kept, menu) == kept
    folded = rule("m", "drop_line", lines=["home"], ignore_case=True)
    assert chrome(["HOME", "Text."], folded) == ["Text."]


class Recorder:
    def __init__(self) -> None:
        self.chrome_calls: list[tuple[str, int, int, int]] = []
        self.extract_calls: list[tuple[str, str, bool]] = []

    def chrome(self, rule: Rule, round_no: int, before: list[str], after: list[str]) -> None:
        self.chrome_calls.append((rule.id, round_no, len(before), len(after)))

    def extract(self, rule: Rule, value: str, used: bool) -> None:
        self.extract_calls.append((rule.id, value, used))


def test_tracer_hears_each_rule_in_order_and_changes_nothing() -> None:
    rules = (
        rule("menu", "drop_line", lines=["Home", "World"]),
        rule("cut", "cut_before", line="Menu end", keep_first_lines=1),
    )
    recorder = Recorder()
    traced, edits = run_chrome([RuleGroup(rules)], PAGE, recorder)
    assert (traced, edits) == run_chrome([RuleGroup(rules)], PAGE)
    assert [c[:2] for c in recorder.chrome_calls] == [("menu", 1), ("cut", 1)]


def test_tracer_hears_extractions_an_earlier_rule_shadowed() -> None:
    site = rule("site-title", "extract", field="title", pattern="^(.+) \\| Site$")
    generic = rule("any-title", "extract", field="title", pattern="^(Headline)$")
    recorder = Recorder()
    found = run_extract([RuleGroup([site]), RuleGroup([generic])], PAGE, recorder)
    assert found == {"title": ("Headline", "site-title")}
    assert found == run_extract([RuleGroup([site]), RuleGroup([generic])], PAGE)
    assert recorder.extract_calls == [
        ("site-title", "Headline", True),
        ("any-title", "Headline", False),
    ]


def test_drop_before_heading_keeps_title_and_heading() -> None:
    rule_ = rule("h", "drop_before_heading", first_lines=10)
    page = ["Farms liable for manure - Yahoo News", "Home", "Featured", "Yezidis in Iraq", "",
            "Farms liable for manure", "By Ayesha Rascoe", "Text."]  # fmt: skip
    once = chrome(page, rule_)
    assert once == ["Farms liable for manure - Yahoo News", "Farms liable for manure",
                    "By Ayesha Rascoe", "Text."]  # fmt: skip
    assert chrome(once, rule_) == once
    # No repeat within reach, or too short a repeat: nothing changes.
    assert chrome(page, rule("h", "drop_before_heading", first_lines=4)) == page
    assert chrome(["Home | Site", "Menu", "Home"], rule_) == ["Home | Site", "Menu", "Home"]


def test_drop_before_heading_never_drops_paragraphs() -> None:
    page = ["Too much marijuana - Site", "Too much marijuana",
            "A paragraph of article text that runs well past fifteen words, as real article text does.",
            "Too much marijuana", "More text."]  # fmt: skip
    # The heading was taken by a duplicate rule; the caption repeating it is out of bounds.
    without_heading = [page[0], *page[2:]]
    assert chrome(without_heading, rule("h", "drop_before_heading", first_lines=10)) == (
        without_heading
    )


def test_drop_before_heading_can_keep_a_date_line() -> None:
    rule_ = rule(
        "h", "drop_before_heading", first_lines=10, keep_pattern="^[A-Z][a-z]+ \\d{1,2}, \\d{4}$"
    )
    page = [
        "Bargains on the Net - Forbes.com",
        "Help",
        "July 06, 2000",
        "Bargains on the Net",
        "Text.",
    ]
    once = chrome(page, rule_)
    assert once == [
        "Bargains on the Net - Forbes.com",
        "July 06, 2000",
        "Bargains on the Net",
        "Text.",
    ]
    assert chrome(once, rule_) == once


def test_drop_before_heading_keeps_a_headline_split_over_two_lines() -> None:
    rule_ = rule("h", "drop_before_heading", first_lines=10)
    title = "Site - Are the Courts Going Bananas? An Ape Is the Plaintiff!"
    page = [title, "NEWS", "Are the Courts Going Bananas?", "", "An Ape Is the Plaintiff!", "Text."]
    once = chrome(page, rule_)
    assert once == [title, "Are the Courts Going Bananas?", "", "An Ape Is the Plaintiff!", "Text."]
    assert chrome(once, rule_) == once
    # Two repeats of the title that are not one headline together: the heading is the last.
    menu = [title, "An Ape Is the Plaintiff!", "An Ape Is the Plaintiff!", "Text."]
    assert chrome(menu, rule_) == [title, "An Ape Is the Plaintiff!", "Text."]


def test_drop_before_heading_can_keep_a_kicker() -> None:
    rule_ = rule("h", "drop_before_heading", first_lines=10, keep_kicker=True)
    page = ["Pre-Paid Traffic Tickets Spark Debate - Site", "NEWS", "Sports", "",
            "License to Speed?", "", "Pre-Paid Traffic Tickets Spark Debate", "Text."]  # fmt: skip
    once = chrome(page, rule_)
    # The kicker just above the heading stays with it.
    assert once == [page[0], "License to Speed?", "Pre-Paid Traffic Tickets Spark Debate", "Text."]
    assert chrome(once, rule_) == once
    # A menu entry in capitals or shorter than min_words just above the heading still goes.
    for menu in ("FOX NEWS ON THE AIR", "Sports"):
        assert chrome([page[0], "Home", menu, page[6]], rule_) == [page[0], page[6]]
    # Off by default.
    off = rule("h", "drop_before_heading", first_lines=10)
    assert chrome(page, off) == [page[0], page[6], "Text."]


def test_drop_line_followed_by_takes_captions_with_their_counters() -> None:
    captions = rule("cap", "drop_line", pattern=".", followed_by="^\\d+ of \\d+$", max_words=60)
    page = ["The Pope wore a yellow poncho.", "Pope Francis kisses a child.", "1 of 2", "",
            "The Pope prays in Manila.", "2 of 2", "EXPAND GALLERY", "He waved."]  # fmt: skip
    once = chrome(page, captions)
    # Caption and counter go together, so the paragraph above never becomes a caption.
    assert once == ["The Pope wore a yellow poncho.", "", "EXPAND GALLERY", "He waved."]
    assert chrome(once, captions) == once
    # Without the counter below it, the same line stays; counters in a row are a list.
    kept = ["Pope Francis kisses a child.", "He waved.", "1 of 2", "2 of 2"]
    assert chrome(kept, captions) == kept


PARAGRAPH = (
    "(CNN) -- If you have problems remembering to take your meds, some high-tech products may help."
)


def test_drop_block_until_a_paragraph() -> None:
    block = rule("hl", "drop_block", line="STORY HIGHLIGHTS", until_longer_than=15)
    page = ["Tattletale pills remind you", "By Elizabeth Landau, CNN", "STORY HIGHLIGHTS",
            "A pill transmits information", "Family Medicine", "", "Psychology", PARAGRAPH,
            "Short quote, he said.", "STORY HIGHLIGHTS", "More text, no paragraph after it"]  # fmt: skip
    once = chrome(page, block)
    # The second marker has no paragraph after it within reach: it stays with what follows.
    assert once == ["Tattletale pills remind you", "By Elizabeth Landau, CNN", "", PARAGRAPH,
                    "Short quote, he said.", "STORY HIGHLIGHTS",
                    "More text, no paragraph after it"]  # fmt: skip
    assert chrome(once, block) == once


def test_drop_block_until_an_end_line_keeping_its_start() -> None:
    block = rule(
        "related", "drop_block", pattern="^RELATED$", until="^Copyright ", keep_marker=True
    )
    page = ["Text.", "RELATED", "Bush, Cheney proceed", "Fact check", "Copyright 2000 CNN"]
    once = chrome(page, block)
    assert once == ["Text.", "RELATED", "Copyright 2000 CNN"]
    assert chrome(once, block) == once


def test_drop_block_stops_at_max_lines() -> None:
    block = rule("b", "drop_block", line="MORE", until="^END$", max_lines=3)
    assert chrome(["MORE", "a", "b", "END"], block) == ["END"]
    assert chrome(["MORE", "a", "b", "c", "END"], block) == ["MORE", "a", "b", "c", "END"]


def test_drop_block_needs_an_end() -> None:
    import pytest

    from cleaner.engine.kinds import KindError

    cls = KINDS["drop_block"]
    values, problems = check_options(cls.declared(), {"line": "MORE"}, one_of=cls.one_of)
    assert not problems
    with pytest.raises(KindError, match="give until or until_longer_than"):
        cls.from_values(values)


def test_filter_examples_give_the_record_fields_the_filter_sees() -> None:
    from cleaner.engine.load import load_pack_text
    from cleaner.testing import iter_results

    pack = load_pack_text(
        """\
pack: need-title
description: A title is required.
scope: generic
rules:
  - id: need-title
    kind: required_fields
    description: A title is required.
    fields: [title, lang]
    examples:
      - input: "Text"
        rejects: missing_field
      - input: "Text"
        fields: {title: "A headline", lang: en}
        rejects: null
      - input: "Text"
        fields: {title: "A headline"}
        rejects: missing_field
""",
        "need-title.yaml",
    )
    results = list(iter_results([pack]))
    assert [r.passed for r in results] == [True, True, True], [str(r) for r in results]
