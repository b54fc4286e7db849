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
    values, problems = check_options(cls.options, options, one_of=cls.one_of)
    assert not problems, problems
    return Rule(rule_id, "test", cls(values), "test", (), "test.yaml", None)


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
    rule_ = rule("h", "drop_before_heading", first_lines=10, keep="^[A-Z][a-z]+ \\d{1,2}, \\d{4}$")
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
