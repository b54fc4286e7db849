"""Every example of every shipped rule holds (what `cleaner test-rules` checks)."""

from __future__ import annotations

import pytest

from cleaner.engine.load import load_packs
from cleaner.testing import ExampleResult, check_example, iter_results
from tests.conftest import RULES

PACKS = load_packs([RULES])
CASES = [(rule, i, ex) for p in PACKS for rule in p.rules for i, ex in enumerate(rule.examples, 1)]


@pytest.mark.parametrize(
    ("rule", "index", "example"), CASES, ids=[f"{r.id}#{i}" for r, i, _ in CASES]
)
def test_example(rule, index, example) -> None:  # type: ignore[no-untyped-def]
    problem = check_example(rule, example)
    assert problem is None, (
        f"{rule.path}:{example.line}: rule '{rule.id}': example {index}: {problem}"
    )


def test_every_rule_has_examples() -> None:
    assert all(rule.examples for p in PACKS for rule in p.rules)


def test_harness_reports_a_failing_example(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "p.yaml").write_text(
        "pack: p\ndescription: d\nscope: site\nmatch: {domains: [x.test]}\nrules:\n"
        "  - id: p-drop\n    kind: drop_line\n    description: d\n    line: Chrome\n"
        '    examples:\n      - input: "Chrome\\nText"\n        output: "Chrome\\nText"\n',
        encoding="utf-8",
    )
    results: list[ExampleResult] = list(iter_results(load_packs([tmp_path])))
    assert [r.passed for r in results] == [False]
    assert str(results[0]) == (
        f"{tmp_path}/p.yaml:11: rule 'p-drop': example 1: FAIL: expected text 'Chrome\\nText', got 'Text'"
    )
