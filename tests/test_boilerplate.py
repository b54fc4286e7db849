"""The boilerplate rule: a trained line model for sites without a pack. It drops menus and link
lists around an article, keeps the article's short lines, is a fixpoint, shows its scores in
``cleaner explain``, and a site pack can switch it (or any generic pack or rule) off."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from cleaner.authoring.explain import explain, render_text
from cleaner.engine.kinds import KINDS, Boilerplate
from cleaner.engine.linemodel import chrome_scores
from cleaner.engine.load import load_packs
from cleaner.engine.ruleset import RuleSet
from cleaner.errors import RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from cleaner.steps.normalize import normalize_lines
from tests.conftest import RULES, SEEDS

MENU = ["Skip to main content", "Home", "News", "Sport", "Business", "Weather", "Sign in"]
BODY = [
    "Council approves new budget for schools",
    "By Jane Smith",
    "The city council approved a new budget on Tuesday after a long debate about how much "
    "money the schools in the northern districts should receive next year.",
    "The mayor said the decision was a difficult one, but that the city could not afford to "
    "wait any longer to repair the buildings that had been closed since the spring.",
    "Teachers welcomed the vote and said they hoped the work would start before the winter.",
    "Opponents of the plan argued that the money would be better spent on roads, and they "
    "promised to raise the question again when the council meets in the autumn.",
]
FOOTER = [
    "Contact Us",
    "Privacy Policy",
    "Terms of Use",
    "Advertise",
    "© 2024 City News Media Group Ltd. All rights reserved.",
]
PAGE = "\n".join(MENU + BODY + FOOTER)


def rule() -> Boilerplate:
    packs = [p for p in load_packs([RULES]) if p.name == "boilerplate"]
    kind = packs[0].rules[0].kind
    assert isinstance(kind, Boilerplate)
    return kind


def test_registered_as_a_chrome_kind() -> None:
    assert KINDS["boilerplate"] is Boilerplate


def test_drops_menu_and_footer_keeps_article() -> None:
    kept = rule().apply(PAGE.split("\n"))
    assert kept is not None
    assert [line for line in kept if line] == BODY


def test_result_is_a_fixpoint() -> None:
    kind = rule()
    kept = kind.apply(PAGE.split("\n"))
    assert kept is not None
    assert kind.apply(kept) is None


def test_short_texts_are_left_alone() -> None:
    # Fewer lines than min_lines: no page around them to tell chrome from content.
    assert rule().apply(["Home", "News", "Sport"]) is None


def test_cjk_article_lines_stay() -> None:
    body = [
        "市政府周二批准了新的学校预算，议员们就北部地区学校明年应获得多少资金进行了长时间的辩论。",
        "市长表示，这个决定很艰难，但城市不能再等待修复自春天以来一直关闭的建筑。",
        "教师们对投票表示欢迎，并表示希望工程能在冬天之前开始。",
        "反对者认为这笔钱最好用于修路，并承诺在秋季议会开会时再次提出这个问题。",
    ]
    lines = ["首页", "新闻", "体育", "财经", "登录", *body, "联系我们", "隐私政策"]
    # By default a mostly Chinese page is left to the zh pack: the model took its headlines
    # for chrome. Asked to score it, the model keeps every line of the body.
    assert rule().apply(lines) is None
    assert all(score is None for score in rule().scores(lines))
    scoring = Boilerplate(dataclasses.replace(rule().options, cjk_pages=True))
    kept = scoring.apply(lines)
    assert kept is not None
    assert body == [line for line in kept if line in body]
    assert all(line in kept for line in body)


def test_explain_shows_each_line_score() -> None:
    cleaner = Cleaner.from_paths([RULES])
    ex = explain(cleaner, RawArticle("page", "page.txt", PAGE.encode()))
    step = next(s for s in ex.trace.steps if s.rule.kind_name == "boilerplate")
    assert {x.text for x in step.scores if x.removed} >= {"Sign in", "Privacy Policy"}
    assert all(0.0 <= x.score <= 1.0 for x in step.scores)
    body = {x.text: x.score for x in step.scores if x.text in BODY}
    assert max(body.values()) < rule().threshold
    text = render_text(ex)
    assert "chrome score of each line" in text
    assert "Privacy Policy" in text
    scores = ex.to_dict()["steps"]
    assert any("scores" in s for s in scores)


SITE = """\
pack: citynews
description: A site whose own rules know its chrome.
scope: site
match:
  domains: [citynews.test]
disable_generic: {off}
rules: []
"""


def site_cleaner(tmp_path: Path, off: str) -> Cleaner:
    (tmp_path / "citynews.yaml").write_text(SITE.format(off=off), "utf-8")
    return Cleaner.from_paths([RULES, tmp_path])


def test_a_site_pack_switches_the_model_off(tmp_path: Path) -> None:
    cleaner = site_cleaner(tmp_path, "[boilerplate]")
    on = cleaner.clean(RawArticle("a", "a.txt", PAGE.encode(), url="https://other.test/a")).result
    off = cleaner.clean(
        RawArticle("a", "a.txt", PAGE.encode(), url="https://citynews.test/a")
    ).result
    assert isinstance(on, Record)
    assert isinstance(off, Record)
    assert "Weather" not in on.text.split("\n")
    assert "Weather" in off.text.split("\n")
    assert "boilerplate-lines" in {e["rule"] for e in on.rules} - {e["rule"] for e in off.rules}
    selection = cleaner.rules.select(PAGE, url="https://citynews.test/a")
    assert "boilerplate" not in selection.packs
    assert "share" in selection.packs


def test_a_site_pack_switches_one_generic_rule_off(tmp_path: Path) -> None:
    rules = RuleSet(load_packs([RULES, _site(tmp_path, "[share-button-line]")]))
    text = "Real text here.\nShare To\nMore real text."
    on = rules.select(text, url="https://other.test/a").groups[-1]
    off = rules.select(text, url="https://citynews.test/a").groups[-1]
    assert "share-button-line" in {r.id for r in on.rules}
    assert "share-button-line" not in {r.id for r in off.rules}
    assert {r.id for r in on.rules} - {r.id for r in off.rules} == {"share-button-line"}


def _site(tmp_path: Path, off: str) -> Path:
    path = tmp_path / "citynews.yaml"
    path.write_text(SITE.format(off=off), "utf-8")
    return path


def test_switching_off_an_unknown_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleErrors) as info:
        load_packs([RULES, _site(tmp_path, "[boilerplat]")])
    (error,) = info.value.errors
    message = str(error)
    assert message.startswith(f"{tmp_path}/citynews.yaml:1: ")
    assert "disable_generic: no generic pack or rule 'boilerplat'" in message
    assert "boilerplate" in message  # the valid names are listed


def test_only_site_packs_switch_generic_rules_off(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(
        textwrap.dedent(
            """\
            pack: g
            description: A generic pack.
            scope: generic
            disable_generic: [share]
            rules: []
            """
        ),
        "utf-8",
    )
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    (error,) = info.value.errors
    assert str(error).startswith(f"{tmp_path}/g.yaml:4: ")
    assert "'disable_generic' only applies to scope: site" in str(error)


def test_fast_scorer_equals_the_features_training_sees() -> None:
    # Scorer folds the standardisation into the weights and skips the feature vectors; it must
    # score exactly as the model was trained (line_features -> context_features).
    kind = rule()
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [line for line in normalize_lines(path.read_text("utf-8")) if line]
        fast = kind.scorer.scores(lines)
        assert fast is not None
        slow = chrome_scores(lines, kind.model)
        assert fast == pytest.approx(slow, abs=1e-9)
