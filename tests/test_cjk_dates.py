"""Chinese, Japanese and Korean dates written in plain text, as data: each case is the text's
head, the crawl date if known, and the published and updated dates the generic pack must read
(None: no date; a date is never invented from a month and day alone, nor after the crawl)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from cleaner.engine.kinds import TextDate
from cleaner.engine.ruleset import RuleSet
from cleaner.steps.normalize import normalize_lines

RULES = Path(__file__).resolve().parent.parent / "rules"

# (text, crawl date or None, published, updated)
CASES = [
    ("标题_新华网\n标题\n2023年5月10日\n正文。", None, "2023-05-10", None),
    ("标题_新华网\n标题\n2023年5月10日 10:00\n正文。", None, "2023-05-10", None),
    ("标题_新华网\n标题\n2023年05月10日09:30 来源：新华网\n正文。", None, "2023-05-10", None),
    ("标题\n2023-05-10 10:00 来源：人民网\n正文。", None, "2023-05-10", None),
    ("标题\n发布时间：2023-05-10 10:00\n正文。", None, "2023-05-10", None),
    ("标题\n发布时间：2023/05/10\n正文。", None, "2023-05-10", None),
    ("标题\n發佈時間：2023-05-10 10:00\n正文。", None, "2023-05-10", None),
    ("标题\n发布时间：2023-05-10 10:00\n更新时间：2023-05-12 08:00\n正文。", None,
     "2023-05-10", "2023-05-12"),
    ("标题\n更新时间：2023-05-12 08:00\n正文。", None, None, "2023-05-12"),
    ("标题\n發布時間：2023-05-10\n更新時間：2023-05-12\n正文。", None, "2023-05-10", "2023-05-12"),
    # No year: no date.
    ("标题\n5月10日 10:00 来源：新华网\n正文。", None, None, None),
    ("标题\n发布时间：05-10 10:00\n正文。", None, None, None),
    # Never after the crawl.
    ("标题\n发布时间：2031-05-10 10:00\n正文。", "2024-01-01T00:00:00Z", None, None),
    ("标题\n发布时间：2023-05-10 10:00\n正文。", "2024-01-01T00:00:00Z", "2023-05-10", None),
    # A date inside a sentence is an event.
    ("标题\n国家统计局表示，2023年5月10日起，新的统计口径将在全国范围内正式实施，各地统计部门已经做好准备，相关数据将按月发布。\n正文。",
     None, None, None),
    # Japanese: the same form, and its labels.
    ("タイトル | サイト\nタイトル\n2023年5月10日\n本文。", None, "2023-05-10", None),
    ("タイトル\n公開日：2023年5月10日 更新日：2023年5月12日\n本文。", None, "2023-05-10", "2023-05-12"),
    ("タイトル\n投稿日：2016.12.01\n本文。", None, "2016-12-01", None),
    # Korean.
    ("제목\n입력 2018-08-25 15:24 수정 2018-08-26 09:00\n본문.", None, "2018-08-25", "2018-08-26"),
    ("제목\n기사입력 :[ 2018-08-25 15:24 ]\n본문.", None, "2018-08-25", None),
    ("제목\n2023년 5월 10일\n본문.", None, "2023-05-10", None),
    # Full-width digits and Chinese numerals: read as the digits they write.
    ("标题\n２０２３年５月１０日\n正文。", None, "2023-05-10", None),
    ("标题\n发布时间：２０２３－０５－１０\n正文。", None, "2023-05-10", None),
    ("标题\n发布时间：２０２３-０５-１０ １０:００\n正文。", None, "2023-05-10", None),
    ("标题\n二〇二三年五月十日\n正文。", None, "2023-05-10", None),
    ("标题\n二〇二三年十二月三十一日\n正文。", None, "2023-12-31", None),
    ("标题\n一九九八年十月二十五日 星期日\n正文。", None, "1998-10-25", None),
    ("标题\n发布时间：二〇二三年五月十日 更新时间：二〇二三年五月十二日\n正文。", None,
     "2023-05-10", "2023-05-12"),
    ("标题\n2023年五月十日\n正文。", None, "2023-05-10", None),
    # Never invented: relative days, no year, an impossible month, after the crawl.
    ("标题\n今天 10:00 来源：新华网\n正文。", None, None, None),
    ("标题\n发布时间：昨天 09:30\n正文。", None, None, None),
    ("标题\n五月十日 10:00\n正文。", None, None, None),
    ("标题\n二〇二三年十三月十日\n正文。", None, None, None),
    ("标题\n发布时间：二〇三一年五月十日\n正文。", "2024-01-01", None, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.from_paths([RULES])


@pytest.mark.parametrize(("text", "crawl", "published", "updated"), CASES)
def test_cjk_dates(
    rules: RuleSet, text: str, crawl: str | None, published: str | None, updated: str | None
) -> None:
    lines = normalize_lines(text)
    context = {"crawl_date": crawl} if crawl else None
    got = [
        cast(TextDate, rules.rules[rid].kind).extract(lines, context)
        for rid in ("text-date-published", "text-date-updated")
    ]
    assert got == [published, updated]
