"""A bad rule pack fails at load time, and the message points at file, line and rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cleaner.engine.load import load_packs
from cleaner.errors import RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle

GOOD_RULE = """\
  - id: demo-drop
    kind: drop_line
    description: Drop the demo line.
    line: "Demo chrome"
    examples:
      - input: "Demo chrome\\nText."
        output: "Text."
"""


def load_errors(tmp_path: Path, body: str, name: str = "pack.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    return [str(e) for e in info.value.errors]


def pack(rules: str) -> str:
    return (
        "pack: demo\ndescription: Demo.\nscope: site\nmatch:\n  domains: [demo.test]\nrules:\n"
        + rules
    )


def test_yaml_syntax_error(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, "pack: demo\nrules: [\n")
    # File and line are ours to promise; the parser's description of the problem is not.
    assert len(errors) == 1
    assert errors[0].startswith(f"{tmp_path}/pack.yaml:3: YAML syntax error: ")
    assert len(errors[0]) > len(f"{tmp_path}/pack.yaml:3: YAML syntax error: ")


def test_unknown_key_lists_valid_keys(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, pack(GOOD_RULE + "    max_word: 3\n"))
    assert errors == [
        f"{tmp_path}/pack.yaml:14: rule 'demo-drop': unknown key 'max_word' (valid: description, "
        "examples, first_lines, followed_by, id, ignore_case, kind, last_lines, line, lines, literal, "
        "max_words, pattern); did you mean 'max_words'?"
    ]


def test_missing_id(tmp_path: Path) -> None:
    errors = load_errors(
        tmp_path, pack(GOOD_RULE.replace("  - id: demo-drop\n    kind", "  - kind"))
    )
    assert errors == [f"{tmp_path}/pack.yaml:7: rule has no 'id'"]


def test_duplicate_id_across_packs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(pack(GOOD_RULE), encoding="utf-8")
    other = pack(GOOD_RULE).replace("pack: demo", "pack: other")
    errors = load_errors(tmp_path, other, name="b.yaml")
    assert errors == [
        f"{tmp_path}/b.yaml:7: rule 'demo-drop': duplicate id (also in {tmp_path}/a.yaml:7)"
    ]


def test_regex_that_does_not_compile(tmp_path: Path) -> None:
    bad = GOOD_RULE.replace('line: "Demo chrome"', "pattern: 'Demo (chrome'")
    errors = load_errors(tmp_path, pack(bad))
    assert errors == [
        f"{tmp_path}/pack.yaml:10: rule 'demo-drop': pattern does not compile on RE2: "
        "missing ): (?m)Demo (chrome"
    ]


def test_lookaround_is_refused_with_a_rewrite(tmp_path: Path) -> None:
    bad = GOOD_RULE.replace('line: "Demo chrome"', "pattern: 'Demo(?= chrome)'")
    errors = load_errors(tmp_path, pack(bad))
    assert errors == [
        f"{tmp_path}/pack.yaml:10: rule 'demo-drop': pattern uses lookahead '(?=...)', which RE2 "
        "does not support (linear-time engine); rewrite: match the following text too, or anchor with $"
    ]


def test_unknown_kind_lists_kinds(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, pack(GOOD_RULE.replace("kind: drop_line", "kind: drop_lines")))
    assert errors == [
        f"{tmp_path}/pack.yaml:8: rule 'demo-drop': unknown kind 'drop_lines' (valid: allowed_languages, boilerplate, "
        "cut_after, cut_before, drop_before_heading, drop_block, drop_duplicate_line, drop_line, "
        "extract, "
        "html_body, html_field, html_remove, "
        "min_words, required_fields, strip_span, text_date, text_title); did you mean 'drop_line'?"
    ]


def test_bad_option_value_lists_choices(tmp_path: Path) -> None:
    errors = load_errors(
        tmp_path,
        pack(GOOD_RULE.replace("kind: drop_line", "kind: cut_after") + "    occurrence: middle\n"),
    )
    assert errors == [
        f"{tmp_path}/pack.yaml:14: rule 'demo-drop': option 'occurrence' has unknown value 'middle' (valid: first, last)"
    ]


def test_wrong_option_type(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, pack(GOOD_RULE + "    max_words: many\n"))
    assert errors == [
        f"{tmp_path}/pack.yaml:14: rule 'demo-drop': option 'max_words' must be an integer, got string"
    ]


def test_two_match_options_at_once(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, pack(GOOD_RULE + "    literal: Demo\n"))
    assert errors == [
        f"{tmp_path}/pack.yaml:7: rule 'demo-drop': give exactly one of pattern, literal, line, lines; "
        "got literal and line (valid: pattern, literal, line, lines)"
    ]


def test_rule_without_examples(tmp_path: Path) -> None:
    body = GOOD_RULE.split("    examples:")[0]
    errors = load_errors(tmp_path, pack(body))
    assert errors == [
        f"{tmp_path}/pack.yaml:7: rule 'demo-drop': needs 'examples': a list of {{input, output | fields | rejects}}"
    ]


def test_generic_rule_needs_a_kept_example(tmp_path: Path) -> None:
    body = "pack: demo\ndescription: Demo.\nscope: generic\nrules:\n" + GOOD_RULE
    errors = load_errors(tmp_path, body)
    assert errors == [
        f"{tmp_path}/pack.yaml:9: rule 'demo-drop': a generic rule needs at least one example it keeps "
        "unchanged (output equal to input)"
    ]


def test_date_format_without_year(tmp_path: Path) -> None:
    rule = """\
  - id: demo-date
    kind: extract
    description: A date.
    field: date_published
    pattern: '^Posted (.+)$'
    date_format: "%b. %d"
    examples:
      - input: "Posted Aug. 16"
        fields: {date_published: null}
"""
    errors = load_errors(tmp_path, pack(rule))
    assert errors == [
        f"{tmp_path}/pack.yaml:12: rule 'demo-date': date_format '%b. %d' has no year (%Y or %y): "
        "a year is never guessed"
    ]


def test_all_errors_are_reported_together(tmp_path: Path) -> None:
    first = GOOD_RULE.replace('line: "Demo chrome"', "pattern: '('")
    second = GOOD_RULE.replace("demo-drop", "demo-other") + "    bogus: 1\n"
    errors = load_errors(tmp_path, pack(first + second))
    assert [e.split(": rule ")[1].split(":")[0] for e in errors] == ["'demo-drop'", "'demo-other'"]


def test_bad_pack_stops_before_any_article(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(
        pack(GOOD_RULE.replace("kind: drop_line", "kind: nope")), "utf-8"
    )
    with pytest.raises(RuleErrors):
        Cleaner.from_paths([tmp_path]).clean(RawArticle("x", "x", b"text"))
