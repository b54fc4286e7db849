"""Dates and titles from plain text with no site pack (``text_date``, ``text_title``).

The generic pack's own examples are the spec (tests/test_rule_examples.py runs them); these
tests cover what examples cannot show: the URL and crawl date a caller may pass, a site pack
winning over the generic rules, and the load-time errors.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import cast

import pytest

from cleaner.engine.kinds import KINDS, TextDate, TextTitle
from cleaner.engine.load import load_packs
from cleaner.engine.ruleset import RuleSet, run_extract
from cleaner.errors import RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from cleaner.steps.normalize import normalize_lines

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.from_paths([RULES])


def published(rules: RuleSet) -> TextDate:
    return cast(TextDate, rules.rules["text-date-published"].kind)


def test_kinds_are_registered() -> None:
    assert KINDS["text_date"] is TextDate
    assert KINDS["text_title"] is TextTitle


def test_label_beats_a_date_near_the_title(rules: RuleSet) -> None:
    lines = normalize_lines(
        "Big story - Site\nBig story\nJanuary 2, 2021\nMore\nPublished: March 4, 2021\nBody."
    )
    assert published(rules).extract(lines) == "2021-03-04"


def test_never_after_the_crawl_date(rules: RuleSet) -> None:
    lines = normalize_lines("Story - Site\nStory\nPublished March 4, 2031\nBody.")
    kind = published(rules)
    assert kind.extract(lines) == "2031-03-04"
    assert kind.extract(lines, {"crawl_date": "2024-01-01T10:00:00Z"}) is None


def test_url_date_path_is_the_last_resort(rules: RuleSet) -> None:
    lines = normalize_lines("Home\nNews\nA first paragraph with no date in it at all.")
    kind = published(rules)
    assert kind.extract(lines) is None
    url = "https://example.com/2023/05/10/some-story/"
    assert kind.extract(lines, {"url": url}) == "2023-05-10"
    # A written date wins over the URL's.
    dated = normalize_lines("Story - Site\nStory\nMay 9, 2023\nBody.")
    assert kind.extract(dated, {"url": url}) == "2023-05-09"


def test_numeric_order_from_the_rule(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        textwrap.dedent(
            """\
            pack: demo
            description: Demo.
            scope: generic
            rules:
              - id: demo-date
                kind: text_date
                description: Day-first numeric dates.
                field: date_published
                labels: 'posted'
                order: dmy
                examples:
                  - input: "Posted 03/04/2023"
                    fields: {date_published: "2023-04-03"}
            """
        ),
        encoding="utf-8",
    )
    kind = cast(TextDate, RuleSet.from_paths([tmp_path]).rules["demo-date"].kind)
    assert kind.extract(["Posted 03/04/2023"]) == "2023-04-03"
    assert kind.extract(["Posted 3.4.2023"]) == "2023-04-03"  # dotted: day first anywhere


def test_bad_label_pattern_points_at_the_rule(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "pack: demo\ndescription: Demo.\nscope: generic\nrules:\n"
        "  - id: demo-date\n    kind: text_date\n    description: Demo.\n"
        "    field: date_published\n    labels: '(?<=by) '\n"
        "    examples:\n      - input: x\n        fields: {date_published: null}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    message = str(info.value.errors[0])
    assert message.startswith(f"{tmp_path}/p.yaml:")
    assert "'demo-date'" in message
    assert "lookbehind" in message


def test_title_field_must_be_a_date_field(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "pack: demo\ndescription: Demo.\nscope: generic\nrules:\n"
        "  - id: demo-date\n    kind: text_date\n    description: Demo.\n"
        "    field: title\n    labels: 'by'\n"
        "    examples:\n      - input: x\n        fields: {title: null}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert "date_published, date_updated" in str(info.value.errors[0])


def test_site_pack_fields_win() -> None:
    cleaner = Cleaner.from_paths([RULES])
    # scmp's own rule reads the export's "date" line; a labelled date lower down must not win.
    text = (
        "date 2023-05-10 Alibaba restructures.\n\nPublished: June 1, 2023\n\n"
        "Body text here, long enough to be kept as an article by the filters."
    )
    result = cleaner.clean(RawArticle("a", "a", text, site="scmp.com")).result
    assert isinstance(result, Record)
    assert result.date_published == "2023-05-10"
    assert result.fields_from["date_published"] == "scmp-date"


def test_a_plain_text_record_gains_title_and_dates() -> None:
    cleaner = Cleaner.from_paths([RULES])
    text = (
        "Tattletale pills remind you to take your meds - CNN.com\n\nHome\n\n"
        "Tattletale pills remind you to take your meds\n\nBy Elizabeth Landau\n"
        "February 2, 2010 8:56 a.m. EST\n\nUpdated: February 3, 2010\n\n"
        "If you have problems remembering to take your meds, some high-tech products on the "
        "horizon may be able to help you, the researchers said on Tuesday."
    )
    result = cleaner.clean(RawArticle("b", "b", text)).result
    assert isinstance(result, Record)
    assert result.title == "Tattletale pills remind you to take your meds"
    assert result.date_published == "2010-02-02"
    assert result.date_updated == "2010-02-03"
    assert result.fields_from["title"] == "text-title"
    assert result.fields_from["date_published"] == "text-date-published"


def test_a_run_refuses_a_date_after_the_crawl_date() -> None:
    cleaner = Cleaner.from_paths([RULES])
    text = "Story - Site\n\nStory\n\nPublished March 4, 2031\n\nBody text of the story."
    raw = RawArticle("c", "c", text, meta={"warc_date": "2024-01-01T00:00:00Z"})
    result = cleaner.clean(raw).result
    assert isinstance(result, Record)
    assert result.date_published is None


def test_run_extract_passes_the_context(rules: RuleSet) -> None:
    lines = normalize_lines(
        "Big story today - Site\nBig story today\nPublished March 4, 2031\nBody."
    )
    group = [rules.generic]
    assert run_extract(group, lines)["date_published"][0] == "2031-03-04"
    found = run_extract(group, lines, context={"crawl_date": "2024-01-01"})
    assert "date_published" not in found
    assert found["title"] == ("Big story today", "text-title")


def test_a_run_reads_the_urls_date_path_when_the_text_has_none() -> None:
    cleaner = Cleaner.from_paths([RULES])
    text = "Story - Site\n\nStory\n\nThe council met and agreed the plan for the new library."
    url = "https://news.example.org/2023/05/10/story.html"
    result = cleaner.clean(RawArticle("u", "u", text, url=url)).result
    assert isinstance(result, Record)
    assert result.date_published == "2023-05-10"
    without_url = cleaner.clean(RawArticle("u", "u", text)).result
    assert isinstance(without_url, Record)
    assert without_url.date_published is None
