"""Chinese and Japanese word counts: a character is a word, so real articles are not too short."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cleaner.engine.load import load_packs
from cleaner.errors import RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject
from cleaner.words import count_words, word_estimate

DATA = Path(__file__).resolve().parent / "data" / "cjk"

# (text, words): each Han character or kana is a word, and so is each run of other letters or
# digits inside a CJK token; CJK punctuation is not; Hangul counts at spaces.
COUNTS = [
    ("记者发现，不少商家要求顾客扫一扫。", 15),
    ("iPhoneを販売", 4),
    ("20代の男性", 5),
    ("「脱獄」とは", 4),
    ("in China (中国) today", 5),
    ("악녀의 덫에 걸린 이유리", 4),
    ("𠀀𠀁 々", 3),
    ("，。", 1),
    ("", 0),
]


@pytest.mark.parametrize(("text", "words"), COUNTS)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@pytest.mark.parametrize(
    "text",
    ["Shares rose 4% - on Tuesday.", "a\u00a0b\u2003c\x1cd", "Ünïcödé — ‘quotes’ …", " \n "],
)
def test_text_without_cjk_counts_at_spaces_as_before(text: str) -> None:
    assert count_words(text) == word_estimate(text) == len(text.split())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2023年5月10日 10:00 来源：新华网", 8),  # a date line stays short
        ("国家统计局表示，2023年5月10日起，新的统计口径将在全国范围内正式实施。", 17),
        ("iPhoneを販売", 2),
    ],
)
def test_word_estimate_halves_cjk_characters(text: str, words: int) -> None:
    assert word_estimate(text) == words


def test_a_real_japanese_article_is_no_longer_too_short(cleaner: Cleaner) -> None:
    text = (DATA / "ja-lhpat-excerpt.txt").read_text(encoding="utf-8")
    assert len(text.split()) < 10  # what the record counted before: rejected as too short
    result = cleaner.clean(RawArticle("ja", "ja.txt", text)).result
    assert isinstance(result, Record), result
    assert result.lang == "ja"
    assert result.n_words == count_words(result.text) > 100


def test_a_chinese_news_paragraph_is_kept_and_an_error_page_rejected(cleaner: Cleaner) -> None:
    # Four spaces, so five words counted at spaces: what the rejects looked like.
    article = (
        "新华社北京5月10日电 国家统计局10日发布数据，5月份全国居民消费价格同比上涨0.2%。"
        "其中，城市上涨0.2%，农村上涨0.1%；食品价格下降1.0%，非食品价格上涨0.5%。 "
        "国家统计局城市司首席统计师表示，5月份，消费市场继续恢复，全国居民消费价格总体平稳。 "
        "扣除食品和能源价格的核心CPI同比上涨0.6%，涨幅与上月相同。 一位经济学家说，物价将保持温和。"
    )
    assert len(article.split()) == 5
    kept = cleaner.clean(RawArticle("zh", "zh.txt", article)).result
    assert isinstance(kept, Record), kept
    assert (kept.lang or "").startswith("zh")
    assert kept.n_words == count_words(article) > 100
    error = cleaner.clean(
        RawArticle("zh404", "zh404.txt", "抱歉，您访问的页面不存在，请返回首页。")
    ).result
    assert isinstance(error, Reject)
    assert [r.code for r in error.reasons] == ["too_short"]
    assert "at least 20 needed" in error.reasons[0].message


PACK = """\
pack: demo
description: Demo.
scope: generic
rules:
  - id: demo-min
    kind: min_words
    description: Demo.
    min: 10
    min_by_lang: {MAP}
"""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{zh: 0}", "option 'min_by_lang' is out of range"),
        ("{zh: many}", "option 'min_by_lang' must be a mapping of language code to integer"),
        ("[zh, 20]", "option 'min_by_lang' must be a mapping of language code to integer"),
    ],
)
def test_min_by_lang_errors_point_at_the_rule(tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "pack.yaml").write_text(textwrap.dedent(PACK).replace("{MAP}", value), "utf-8")
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    errors = [str(e) for e in info.value.errors]
    assert len(errors) == 1
    assert errors[0].startswith(f"{tmp_path}/pack.yaml:9: rule 'demo-min': {message}"), errors


# A scrape as a Chinese news site gives it: each chrome line the issue names, and article
# sentences that use the same words, which must stay.
ZH_PAGE = """\
登录 | 注册
首页
新闻
国家统计局：5月份居民消费价格同比上涨0.2%
原标题：5月份CPI同比上涨0.2%
2023-05-10 10:00 来源：新华网
分享到：微信 微博 QQ空间
国家统计局10日发布数据，5月份全国居民消费价格同比上涨0.2%，环比下降0.2%。
统计局在会上表示，来源于食品价格的下降拉低了总体涨幅，分享经济的服务价格保持稳定。
记者注意到，不少商家要求顾客扫一扫二维码才能点餐，也有用户抱怨需要先登录才能使用。
责任编辑：张三
扫一扫，分享到朋友圈
请登录后发表评论
免责声明：本文仅代表作者个人观点，与本网站无关。
版权所有 © 2023 新华网
"""
ZH_CHROME = {
    "登录 | 注册",
    "原标题：5月份CPI同比上涨0.2%",
    "2023-05-10 10:00 来源：新华网",
    "分享到：微信 微博 QQ空间",
    "责任编辑：张三",
    "扫一扫，分享到朋友圈",
    "请登录后发表评论",
    "免责声明：本文仅代表作者个人观点，与本网站无关。",
    "版权所有 © 2023 新华网",
}


def test_chinese_chrome_lines_do_not_survive(cleaner: Cleaner) -> None:
    result = cleaner.clean(RawArticle("zhpage", "zh.txt", ZH_PAGE)).result
    assert isinstance(result, Record), result
    kept = set(result.text.splitlines())
    assert not kept & ZH_CHROME
    assert all(x in kept for x in ZH_PAGE.splitlines()[7:10])
    assert {r["pack"] for r in result.rules} == {"zh"}
