"""Patterns compiled to check them when a pack loads are handed to the rule set's pool (which
keeps the most recently loaded within its budget) instead of being compiled again on first
use: the records equal those of a rule set that kept none, and loading holds at most the
budget compiled however many packs there are."""

from __future__ import annotations

import pickle
from pathlib import Path

from bench.make_corpus import make_pack, site_name
from cleaner.config import Config
from cleaner.engine.load import load_packs
from cleaner.engine.regex import CompiledPool, Regex
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from tests.conftest import RULES
from tests.test_compiled_pool import articles, outputs

N_PACKS = 6


def packs_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "packs"
    folder.mkdir()
    for i in range(N_PACKS):
        (folder / f"{site_name(i)}.yaml").write_text(make_pack(i), "utf-8")
    return folder


def regexes(rules: RuleSet) -> list[Regex]:
    return [c for r in rules.rules.values() for c in r.kind.compiled() if isinstance(c, Regex)]


def test_records_equal_those_of_a_rule_set_that_kept_none(tmp_path: Path) -> None:
    paths = [RULES, packs_folder(tmp_path)]
    kept = Cleaner.from_paths(paths)
    plain_rules = RuleSet(load_packs(paths))  # no pool at load: every pattern dropped
    assert all(r._compiled is None for r in regexes(plain_rules))
    plain = Cleaner(plain_rules, Config.from_rules_dir(paths))
    assert any(r._compiled is not None for r in regexes(kept.rules))
    docs = articles(N_PACKS)
    assert outputs(kept, docs) == outputs(plain, docs)


def test_loading_holds_at_most_the_budget_compiled(tmp_path: Path) -> None:
    pool = CompiledPool(25)  # of 6 packs x 20 rules
    packs = load_packs([packs_folder(tmp_path)], pool=pool)
    patterns = [c for p in packs for r in p.rules for c in r.kind.compiled()]
    alive = [c for c in patterns if c._compiled is not None]
    assert len(patterns) > 25
    assert len(alive) == pool.live() == 25
    assert alive == patterns[-25:]  # the last loaded, as a run would have just used them
    assert RuleSet(packs, pool).pool is pool
    assert pool.live() == 25  # the rule set does not hand them over twice


def test_a_pattern_sent_to_a_worker_compiles_there_when_used() -> None:
    pattern = Regex("(?m)^More from (?P<site>.+)$", True)
    copy = pickle.loads(pickle.dumps(pattern))
    assert copy._compiled is None
    assert copy.search("x\nMore from Site 1").group("site") == "Site 1"
