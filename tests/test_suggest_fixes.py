"""`suggest` and `rules-report` fixes: a doubted rule is written commented out, a line seen on
one crawl day only is no marker, and `rules-report --site` lists only that site's rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from cleaner.authoring.draft import Draft, make_rule
from cleaner.authoring.suggest import suggest
from cleaner.cli import main
from cleaner.engine.load import load_pack_text, load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.testing import check_example
from tests.conftest import RULES
from tests.ctf import site_pages, write_pages

_NOT_RULE = re.compile(r"^  # (?:---|\d+ pages)")


def generic_groups() -> list:  # type: ignore[type-arg]
    return [RuleSet(load_packs([RULES])).generic]


def uncommented(yaml: str) -> str:
    """The draft with its commented-out (doubted) rules taken back in."""
    out, inside = [], False
    for line in yaml.splitlines():
        if "CHECK:" in line:
            inside = True
        elif inside and line.startswith("  # ") and not _NOT_RULE.match(line):
            line = "  " + line[4:]
        else:
            inside = False
        out.append(line)
    return "\n".join(out).replace("rules: []\n", "rules:\n", 1) + "\n"


def test_doubted_rules_are_written_commented_out() -> None:
    draft = suggest(
        "www.foxnews.com",
        [p.scrape for p in site_pages("www.foxnews.com")],
        generic=generic_groups(),
    )
    doubted = {c.id for c in draft.candidates if c.confidence < 0.5}
    assert doubted, "the pages give doubted candidates, so this test tests something"
    live = {r.id for r in load_pack_text(draft.yaml, "<draft>").rules}
    assert live == {c.id for c in draft.candidates} - doubted
    assert draft.counts().total() == len(live)
    # Taken back in by a reviewer, each is a working rule whose examples pass.
    pack = load_pack_text(uncommented(draft.yaml), "<reviewed>")
    assert {r.id for r in pack.rules} == {c.id for c in draft.candidates}
    assert [r.id for r in pack.rules for e in r.examples if check_example(r, e) is not None] == []


HEADER = ["Home", "World news", "Business news", "Sign in to your account"]
FOOTER = ["About this site", "Contact the newsroom", "Privacy and cookies"]
TRENDING = {
    "2024-03-01": ["Trending now", "Solar eclipse maps", "Cup final tickets", "Bridge closure"],
    "2024-03-02": ["Trending now", "Storm warning east", "Budget vote today", "Rail strike news"],
}


def page(n: int, day: str) -> str:
    body = [
        f"Story number {n} begins with a sentence long enough to be article text on its own.",
        f"The second paragraph of story {n} says more about what happened and who said it.",
        f"A third paragraph closes story {n} with a quote from someone who was there that day.",
    ]
    return "\n".join([f"Story {n} headline here", *HEADER, *TRENDING[day], *body, *FOOTER])


def test_lines_of_one_crawl_day_are_not_chrome() -> None:
    days = [day for day in TRENDING for _ in range(6)]
    texts = [page(n, day) for n, day in enumerate(days)]
    topics = {line for lines in TRENDING.values() for line in lines[1:]}
    blind = targets(suggest("example-news.com", texts))
    assert blind & topics  # without the days, the day's topics look like chrome
    found = targets(suggest("example-news.com", texts, days=days))
    assert found
    assert found <= {*HEADER, *FOOTER, "Trending now"}


def targets(draft: Draft) -> set[str]:
    """The lines the draft's live rules name (markers, dropped lines)."""
    out: set[str] = set()
    for c in draft.candidates:
        if c.doubted:
            continue
        for value in c.options.values():
            out.update(
                value if isinstance(value, list) else [value] if isinstance(value, str) else []
            )
    return out


def test_suggest_reads_the_crawl_day_from_jsonl(tmp_path: Path) -> None:
    days = [day for day in TRENDING for _ in range(6)]
    rows = [
        {"id": str(n), "text": page(n, day), "url": f"https://example-news.com/{n}",
         "crawl_date": f"{day}T10:00:00Z"}
        for n, day in enumerate(days)
    ]  # fmt: skip
    src = tmp_path / "pages.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    out = tmp_path / "draft.yaml"
    assert main(["suggest", "--site", "example-news.com", str(src), "-o", str(out)]) == 0
    rules = yaml.safe_load(out.read_text("utf-8"))["rules"]
    named = json.dumps([{k: v for k, v in r.items() if k != "examples"} for r in rules])
    assert '"kind": "cut_before"' in named
    assert not [t for lines in TRENDING.values() for t in lines[1:] if t in named]


SITE_PACK = """\
pack: test-news.example
description: Test pack.
scope: site
match:
  domains: [test-news.example]
rules:
  - id: t-email
    kind: drop_line
    description: The e-mail link.
    line: E-mail this to a friend
    examples:
      - {input: "E-mail this to a friend\\nText.", output: "Text."}
"""


def test_rules_report_site_lists_only_that_sites_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_pages(site_pages("news.bbc.co.uk")[50:53], tmp_path / "pages")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bbc.yaml").write_text(SITE_PACK, "utf-8")
    argv = ["rules-report", str(tmp_path / "pages"), "--rules", str(tmp_path / "rules")]
    assert main([*argv, "--site", "test-news.example", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["rules"]
    assert set(listed) == {"t-email"}
    assert listed["t-email"]["articles"] > 0
    # Without --site every pack's rules are listed, the generic ones too.
    assert main([*argv, "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["rules"]) > 50
    assert main([*argv, "--site", "nowhere.example"]) == 2
    err = capsys.readouterr().err
    assert "no site pack covers 'nowhere.example' (valid: " in err


def titled_page(n: int) -> str:
    return "\n".join(
        [
            f"Story {n} makes the news today - Example News",
            *HEADER,
            f"Story {n} makes the news today",
            f"Published: May {n + 1}, 2023",
            f"Story number {n} begins with a sentence long enough to be article text on its own.",
            f"The second paragraph of story {n} says more about what happened and who said it.",
            *FOOTER,
        ]
    )


def test_title_and_date_rules_when_the_pages_show_them() -> None:
    draft = suggest("example-news.com", [titled_page(n) for n in range(10)])
    fields = {c.kind: c for c in draft.candidates if c.section == "fields"}
    assert set(fields) == {"extract", "text_date"}
    pack = load_pack_text(draft.yaml, "<draft>")
    title = next(r for r in pack.rules if r.kind_name == "extract")
    date = next(r for r in pack.rules if r.kind_name == "text_date")
    lines = titled_page(7).splitlines()
    assert title.kind.extract(lines) == "Story 7 makes the news today"  # type: ignore[attr-defined]
    assert date.kind.extract(lines) == "2023-05-08"  # type: ignore[attr-defined]
    assert fields["text_date"].options["field"] == "date_published"


def test_a_dated_title_suffix_is_not_the_sites_name() -> None:
    pages = [
        f"Story {n} makes the news today - May {n + 1}, 2023\nBody text {n}." for n in range(8)
    ]
    draft = suggest("example-news.com", [p + "\n" + "\n".join(FOOTER) for p in pages])
    assert not [c for c in draft.candidates if c.kind == "extract"]


def test_bbc_pages_give_a_title_rule_and_an_updated_date_rule() -> None:
    pages = site_pages("news.bbc.co.uk")
    draft = suggest("news.bbc.co.uk", [p.scrape for p in pages[::2]], generic=generic_groups())
    fields = {c.kind: c for c in draft.candidates if c.section == "fields"}
    assert fields["text_date"].options["field"] == "date_updated"  # "Last Updated: ..."
    title = make_rule("t", "extract", dict(fields["extract"].options))
    # Held out: the pages the draft did not see; the gold text starts with the title (and
    # the date line, in either order).
    right = read = 0
    for p in pages[1::2]:
        got = title.kind.extract(p.scrape.splitlines())  # type: ignore[attr-defined]
        if got is not None:
            read += 1
            right += got in [" ".join(x.split()) for x in p.gold.strip().splitlines()[:3]]
    assert read >= 40
    assert right >= 0.9 * read


def test_a_line_whose_number_changes_is_not_chrome() -> None:
    def numbered(n: int) -> str:
        body = page(n, "2024-03-01").split("\n")[len(HEADER) + 5 :]
        return "\n".join([f"Story {n} headline", *HEADER, f"{n % 2 + 1} new stories", *body])

    found = targets(suggest("example-news.com", [numbered(n) for n in range(12)]))
    assert found
    assert not [t for t in found if "new stories" in t]
