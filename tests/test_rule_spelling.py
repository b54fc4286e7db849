"""One YAML vocabulary: old option spellings still load (with a warning naming file:line and
the new spelling), ``check-rules --fix`` rewrites them keeping comments, and the packs as they
were written before the vocabulary changed (tests/data/legacy-rules) clean like today's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.engine.load import load_packs
from cleaner.engine.spelling import RuleSpellingWarning, respell_text
from cleaner.errors import RuleErrors
from cleaner.testing import iter_results
from tests.conftest import RULES, SEEDS

LEGACY = Path(__file__).resolve().parent / "data" / "legacy-rules"

OLD_PACK = """\
pack: demo  # a comment that must survive
description: Demo.
scope: generic
rules:
  # the block below is a box of links
  - id: demo-block
    kind: drop_block
    description: A box of links.
    line: RELATED
    until: '^END$'
    keep_start: true   # the marker stays
    examples:
      - input: "Text.\\nRELATED\\nlink\\nEND"
        output: "Text.\\nRELATED\\nEND"
      - input: "Text."
        output: "Text."
  - {id: demo-heading, kind: drop_before_heading, description: Menus above the heading.,
     first_lines: 8, "keep": "^Updated", max_words: 12,
     examples: [
       {input: "Big News Today Here | Site\\nHome\\nUpdated today\\nBig News Today Here\\nBody.",
        output: "Big News Today Here | Site\\nUpdated today\\nBig News Today Here\\nBody."},
       {input: "Body.", output: "Body."}]}
"""

ONE_RULE = OLD_PACK[: OLD_PACK.index("  - {id: demo-heading")]


def _pack(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text, "utf-8")
    return path


def test_old_spellings_load_with_a_warning_naming_file_line_and_new_spelling(
    tmp_path: Path,
) -> None:
    path = _pack(tmp_path, ONE_RULE)
    with pytest.warns(RuleSpellingWarning) as caught:
        (pack,) = load_packs([path])
    messages = [str(w.message) for w in caught]
    assert messages == [
        f"{path}:11: rule 'demo-block': option 'keep_start' is now spelled 'keep_marker' "
        "(cleaner check-rules --fix rewrites it)"
    ]
    assert [(w.filename, w.lineno) for w in caught] == [(str(path), 11)]
    assert pack.rules[0].kind.options.keep_marker is True  # type: ignore[attr-defined]


def test_an_option_given_in_both_spellings_is_an_error(tmp_path: Path) -> None:
    text = ONE_RULE.replace("    keep_start: true", "    keep_start: true\n    keep_marker: true")
    with pytest.raises(RuleErrors) as info:
        load_packs([_pack(tmp_path, text)])
    assert (
        f"{tmp_path}/demo.yaml:11: rule 'demo-block': option 'keep_start' is the old spelling "
        "of 'keep_marker'; give only 'keep_marker'"
    ) in str(info.value)


def test_fix_rewrites_old_spellings_and_keeps_everything_else() -> None:
    text = ONE_RULE + (
        "  - id: demo-heading\n"
        "    kind: drop_before_heading\n"
        "    description: Menus above the heading.\n"
        "    first_lines: 8\n"
        "    keep: '^Updated'  # a date line stays: keep: is not a key here\n"
        "    max_words: 12\n"
        "    examples: [{input: 'Body.', output: 'Body.'}]\n"
    )
    fixed, done = respell_text(text, "demo.yaml")
    assert [str(d) for d in done] == [
        "demo.yaml:11: rule 'demo-block': keep_start -> keep_marker",
        "demo.yaml:21: rule 'demo-heading': keep -> keep_pattern",
        "demo.yaml:22: rule 'demo-heading': max_words -> until_longer_than",
    ]
    assert fixed == (
        text.replace("keep_start: true", "keep_marker: true")
        .replace("    keep: '^Updated'", "    keep_pattern: '^Updated'")
        .replace("    max_words: 12", "    until_longer_than: 12")
    )
    assert respell_text(fixed, "demo.yaml") == (fixed, [])  # nothing left to fix


def test_fix_rewrites_keys_in_flow_mappings_and_crlf_files(tmp_path: Path) -> None:
    text = OLD_PACK.replace("\n", "\r\n")
    path = _pack(tmp_path, "")
    path.write_bytes(text.encode("utf-8"))
    assert main(["check-rules", "--rules", str(tmp_path), "--fix"]) == 0
    fixed = path.read_bytes().decode("utf-8")
    assert 'first_lines: 8, "keep_pattern": "^Updated", until_longer_than: 12,\r\n' in fixed
    assert "    keep_marker: true   # the marker stays\r\n" in fixed
    assert fixed.count("\r\n") == text.count("\r\n")
    (pack,) = load_packs([path])  # no warning left (pytest turns one into an error)
    assert [r.id for r in pack.rules] == ["demo-block", "demo-heading"]
    assert all(r.passed for r in iter_results([pack])), [str(r) for r in iter_results([pack])]


def test_rules_use_todays_spelling_only(tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    assert main(["check-rules", "--rules", str(copy), "--fix"]) == 0
    for f in sorted(RULES.rglob("*.yaml")):
        assert (copy / f.relative_to(RULES)).read_bytes() == f.read_bytes(), f


@pytest.fixture(scope="module")
def legacy_packs() -> list:  # type: ignore[type-arg]
    with pytest.warns(RuleSpellingWarning) as caught:
        packs = load_packs([LEGACY])
    assert {str(w.message).split(": rule ")[0].split("/legacy-rules/")[1] for w in caught} == {
        "sites/cnn.com.yaml:315",
        "sites/cnn.com.yaml:419",
        "sites/forbes.com.yaml:369",
        "sites/forbes.com.yaml:408",
        "sites/foxnews.com.yaml:182",
        "sites/yahoo.com.yaml:218",
    }
    return packs


def test_legacy_packs_load_and_pass_their_examples(legacy_packs: list) -> None:  # type: ignore[type-arg]
    # Every old pack loads as the same pack with the same rules, in order; today's packs may
    # have gained rules since the copy was taken.
    today = {p.name: [r.id for r in p.rules] for p in load_packs([RULES])}
    for pack in legacy_packs:
        ids = [r.id for r in pack.rules]
        assert [i for i in today[pack.name] if i in ids] == ids, pack.name
    assert [p.name for p in legacy_packs] == list(today)
    failed = [str(r) for r in iter_results(legacy_packs) if not r.passed]
    assert not failed, failed


def test_legacy_packs_clean_the_seeds_to_the_same_bytes(tmp_path: Path) -> None:
    outputs = {}
    for name, rules in (("today", RULES), ("legacy", LEGACY)):
        out = tmp_path / name
        with pytest.warns(RuleSpellingWarning) if name == "legacy" else _nothing():
            argv = ["run", str(SEEDS), "-o", str(out), "--no-default-rules", "--rules", str(rules)]
            assert main(argv) == 0
        outputs[name] = [(out / f).read_bytes() for f in ("articles.jsonl", "rejects.jsonl")]
    assert outputs["today"][0]  # the seeds do come out
    assert outputs["legacy"] == outputs["today"]


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
