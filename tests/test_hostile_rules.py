"""Hostile rule packs: nothing in a rule file can hang a run, blow up memory or run code."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cleaner.engine.load import load_packs
from cleaner.engine.yamlsafe import MAX_RULE_FILE_BYTES, load_yaml
from cleaner.errors import RuleError, RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record

HEAD = "pack: evil\ndescription: Evil.\nscope: site\nmatch: {domains: [evil.test]}\nrules:\n"


def rule(pattern: str) -> str:
    return (
        f"  - id: evil-rule\n    kind: drop_line\n    description: Evil.\n    pattern: '{pattern}'\n"
        '    examples:\n      - input: "aaaa"\n        output: ""\n'
    )


def test_catastrophic_backtracking_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    (tmp_path / "evil.yaml").write_text(HEAD + rule("(a+)+$"), "utf-8")
    cleaner = Cleaner.from_paths([tmp_path])
    text = "Real words stay here.\n" + "a" * 100_000 + "b"
    # Python's re needs minutes for 30 characters of this; RE2 answers at once.
    result = cleaner.clean(RawArticle("x", "x", text, site="evil.test")).result
    assert isinstance(result, Record)
    assert result.text.endswith("b")


@pytest.mark.parametrize(
    ("pattern", "feature"),
    [
        ("(?<=x)a", "lookbehind '(?<=...)'"),
        ("(?!x)a", "negative lookahead '(?!...)'"),
        ("(a)\\1", "a backreference (\\1 ...)"),
    ],
)
def test_backtracking_features_are_refused_with_the_feature_named(
    tmp_path: Path, pattern: str, feature: str
) -> None:
    (tmp_path / "evil.yaml").write_text(HEAD + rule(pattern), "utf-8")
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert feature in str(info.value)


def test_billion_laughs_is_refused_before_expansion() -> None:
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lol += f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    start = time.process_time()
    with pytest.raises(RuleError, match="alias"):
        load_yaml(lol, "bomb.yaml")
    assert time.process_time() - start < 5  # a guard against a hang, not a speed claim


@pytest.mark.parametrize(
    "payload",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "!!python/name:os.system",
    ],
)
def test_rule_files_never_execute_code(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "pwned"
    (tmp_path / "evil.yaml").write_text(
        HEAD.replace("Evil.", payload.format(marker=marker), 1), "utf-8"
    )
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert "is not allowed: rule files hold plain data only" in str(info.value)
    assert not marker.exists()


def test_oversized_rule_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(HEAD + "# " + "x" * MAX_RULE_FILE_BYTES + "\n", "utf-8")
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert f"over the limit of {MAX_RULE_FILE_BYTES}" in str(info.value)
