"""Hostile rule packs: nothing in a rule file can hang a run, blow up memory or run code."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.engine.load import load_packs
from cleaner.engine.yamlsafe import MAX_DEPTH, MAX_RULE_FILE_BYTES, load_yaml
from cleaner.errors import RuleError, RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject

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


@pytest.mark.parametrize(
    "body",
    [
        "x: " + "[" * 100_000 + "]" * 100_000 + "\n",  # libyaml alone: quadratic, ~15 minutes
        "x: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n",
        "".join(" " * i + "a:\n" for i in range(40)) + " " * 40 + "a: 1\n",
    ],
)
def test_deep_nesting_is_refused_before_parsing_further(tmp_path: Path, body: str) -> None:
    (tmp_path / "deep.yaml").write_text(body, "utf-8")
    start = time.process_time()
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert f"YAML nests deeper than {MAX_DEPTH} levels" in str(info.value)
    assert time.process_time() - start < 5  # a guard against a hang, not a speed claim


@pytest.mark.parametrize("pattern", ["(a{1000}){1000}", "((a{100}){100}){100}", "a{1001}"])
def test_repetition_bombs_are_refused(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "evil.yaml").write_text(HEAD + rule(pattern), "utf-8")
    with pytest.raises(RuleErrors, match="does not compile on RE2: invalid repetition size"):
        load_packs([tmp_path])


@pytest.mark.parametrize("pattern", ["(((x+)+)+)+y", "(.*){1,100}(.*)", "x*", "^", ""])
def test_patterns_matching_everything_or_backtracking_never_crash(
    tmp_path: Path, pattern: str
) -> None:
    # A pattern that matches the empty string drops every line, then meets an empty document.
    (tmp_path / "evil.yaml").write_text(HEAD + rule(pattern), "utf-8")
    cleaner = Cleaner.from_paths([tmp_path])
    text = "Real words stay here.\n" + "x" * 50_000 + "\n" + "a" * 50_000
    result = cleaner.clean(RawArticle("x", "x", text, site="evil.test")).result
    if isinstance(result, Reject):
        assert [r.code for r in result.reasons] in (["empty_text"], ["too_short"])


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        ((HEAD + rule("caf\xe9")).encode("latin-1"), "invalid trailing UTF-8 octet"),
        ((HEAD + "\x00").encode(), "control characters are not allowed"),
        (b"\xff\xfe" + HEAD.encode("utf-16-le"), "rule"),  # UTF-16: read, or refused with a cause
    ],
)
def test_rule_files_that_are_not_utf8_text_fail_with_the_file_named(
    tmp_path: Path, data: bytes, phrase: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "evil.yaml").write_bytes(data)
    code = main(["check-rules", "--rules", str(tmp_path)])
    out = capsys.readouterr()
    if code == 0:  # PyYAML decodes a UTF-16 file with a BOM: then it must be a valid pack
        assert "1 packs" in out.out
        return
    assert code == 2
    assert "evil.yaml" in out.err
    assert phrase in out.err
    assert "Traceback" not in out.err
