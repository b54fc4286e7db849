"""The pool of compiled patterns bounds a worker's memory with many site packs: patterns dropped
from it compile again when used, and the output does not change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.make_corpus import site_name
from cleaner.engine import regex
from cleaner.engine.regex import PatternError, compile_pattern
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle
from tests.conftest import RULES, SEEDS
from tests.test_dispatch import BODY, cleaner_with, site_doc


def articles(n_sites: int) -> list[RawArticle]:
    docs = [
        RawArticle(p.stem, p.name, p.read_text("utf-8"), url=None)
        for p in sorted(SEEDS.glob("*.txt"))
    ]
    for i in range(n_sites):
        docs.append(RawArticle(f"u{i}", "s", site_doc(i), url=f"https://www.{site_name(i)}/a"))
        docs.append(RawArticle(f"f{i}", "s", site_doc(i)))  # by fingerprint
    docs.append(RawArticle("plain", "s", BODY))
    return docs


def outputs(cleaner: Cleaner, docs: list[RawArticle]) -> list[dict[str, object]]:
    return [cleaner.clean(raw).result.to_dict() for raw in docs]


def test_a_small_pool_gives_the_same_records(tmp_path: Path) -> None:
    docs = articles(30)
    (tmp_path / "roomy").mkdir()
    (tmp_path / "small").mkdir()
    roomy = outputs(cleaner_with(tmp_path / "roomy", 30), docs)
    cleaner = cleaner_with(tmp_path / "small", 30)
    cleaner.rules.pool.resize(8)  # below what config.yaml allows
    first, second = outputs(cleaner, docs), outputs(cleaner, docs)
    assert first == roomy
    assert second == roomy  # and again, with every site's patterns compiled anew
    assert cleaner.rules.pool.live() <= 8


def test_each_rule_set_owns_its_pool(tmp_path: Path) -> None:
    # Two cleaners in one process: shrinking one's budget leaves the other's alone.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = cleaner_with(tmp_path / "a", 3), cleaner_with(tmp_path / "b", 3)
    a.rules.pool.resize(2)
    assert a.rules.pool is not b.rules.pool
    assert b.rules.pool.capacity == regex.DEFAULT_COMPILED_PATTERNS
    outputs(a, articles(3))
    assert a.rules.pool.live() <= 2


def test_dropped_patterns_compile_again() -> None:
    pattern = compile_pattern(r"(?P<value>\d+) likes", ignore_case=True)
    pattern.release()
    assert pattern.search("12 LIKES").group("value") == "12"
    pattern.release()
    assert [m.start() for m in pattern.finditer(b"a 1 likes\n2 likes")] == [2, 10]
    pattern.release()
    assert pattern.sub("", "x 3 likes") == "x "
    assert pattern.groupindex == {"value": 1}


def test_a_bad_pattern_still_fails_when_the_pack_loads() -> None:
    with pytest.raises(PatternError, match="lookahead"):
        compile_pattern("a(?=b)")


def test_config_sets_the_pool_size_without_changing_the_rules_digest(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    default = Cleaner.from_paths([rules])
    assert default.rules.pool.capacity == regex.DEFAULT_COMPILED_PATTERNS
    config = rules / "config.yaml"
    config.write_text(config.read_text("utf-8") + "limits:\n  compiled_patterns: 150\n", "utf-8")
    small = Cleaner.from_paths([rules])
    assert small.rules.pool.capacity == 150
    assert default.rules.pool.capacity == regex.DEFAULT_COMPILED_PATTERNS
    assert small.rules_digest == default.rules_digest  # a memory budget: --resume may change it
