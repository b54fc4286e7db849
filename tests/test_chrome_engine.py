"""What the chrome engine relies on the kinds for, checked on every shipped rule's examples."""

from __future__ import annotations

from collections.abc import Iterator

import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.engine.kinds import ChromeKind
from cleaner.engine.load import Rule
from cleaner.engine.regex import _LINE_OPTS
from cleaner.engine.ruleset import RuleGroup, RuleSet
from cleaner.steps.normalize import normalize_lines
from tests.conftest import RULES, SEEDS


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(line in rest for line in part)


def chrome_rules() -> Iterator[Rule]:
    for rule in RuleSet.from_paths([RULES]).rules.values():
        if isinstance(rule.kind, ChromeKind):
            yield rule


def test_kinds_that_say_they_only_drop_lines_only_drop_lines() -> None:
    checked = 0
    for rule in chrome_rules():
        kind = rule.kind
        assert isinstance(kind, ChromeKind)
        if not kind.only_drops:
            continue
        for example in rule.examples:
            lines = normalize_lines(example.input)
            out = kind.apply(lines)
            if out is not None:
                assert is_subsequence(out, lines), (rule.id, example.line)
                checked += 1
    assert checked > 100


def test_strip_span_rewrites_lines_so_it_does_not_say_it_only_drops() -> None:
    kinds = {type(rule.kind) for rule in chrome_rules()}
    rewriting = {k.name for k in kinds if not k.only_drops}
    assert rewriting == {"strip_span"}


GENERIC = RuleSet.from_paths([RULES]).generic


def groups() -> list[RuleGroup]:
    rules = RuleSet.from_paths([RULES])
    return [rules.generic, *rules.site_groups.values()]


_ALONE: dict[str, object] = {}


def exact_hits(group: RuleGroup, data: bytes) -> set[int]:
    """The slots whose pattern, compiled alone, matches somewhere in ``data``."""
    found = set()
    for rule in group.rules:
        slot, source = group.slot.get(rule.id), rule.kind.prefilter
        if slot is None or source is None:
            continue
        if source not in _ALONE:
            _ALONE[source] = re2.compile(source, _LINE_OPTS)
        if _ALONE[source].search(data):  # type: ignore[attr-defined]
            found.add(slot)
    return found


def texts() -> Iterator[str]:
    for rule in RuleSet.from_paths([RULES]).rules.values():
        for example in rule.examples:
            yield example.input
    for path in sorted(SEEDS.glob("*.txt")):
        yield path.read_text("utf-8")


def test_pattern_sets_find_exactly_what_each_pattern_finds() -> None:
    """A set that ran out of DFA memory would report nothing: the sets of 25 with their budget
    must agree with the patterns searched one by one."""
    all_groups = groups()
    for text in texts():
        data = "\n".join(normalize_lines(text)).encode("utf-8", "surrogatepass")
        for group in all_groups:
            assert group.set.hits(data) == exact_hits(group, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(set(texts()))), min_size=1, max_size=4), st.text())
def test_pattern_sets_agree_on_mixed_text(parts: list[str], noise: str) -> None:
    data = "\n".join(normalize_lines("\n".join([*parts, noise]))).encode("utf-8", "surrogatepass")
    assert GENERIC.set.hits(data) == exact_hits(GENERIC, data)
