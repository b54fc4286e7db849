"""README's Python API block runs as written (a doctest), from the repository's root."""

from __future__ import annotations

import doctest

import pytest

from tests.conftest import ROOT


def _api_block() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```pycon\n", 1)[1].split("```", 1)[0]


def test_readme_python_api_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    block = _api_block()
    test = doctest.DocTestParser().get_doctest(block, {}, "README.md#python-api", "README.md", 0)
    assert len(test.examples) >= 10
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} README examples failed"
