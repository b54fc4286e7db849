"""`cleaner explain`: packs and why, every rule in order with its diff, fields, the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.authoring.explain import explain, line_diff, render_text
from cleaner.cli import main
from cleaner.engine.load import load_pack_text
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record
from tests.conftest import RULES, SEEDS
from tests.ctf import site_pages

KRASIA = next(SEEDS.glob("002_*.txt"))


def explain_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["explain", *args, "--rules", str(RULES), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_names_packs_rules_fields_and_record(capsys: pytest.CaptureFixture[str]) -> None:
    out = explain_json(capsys, str(KRASIA))
    packs = {p["pack"]: p["why"] for p in out["packs"]}
    assert packs["krasia.com"].startswith("fingerprint")
    steps = [s["rule"] for s in out["steps"]]
    assert steps.index("krasia-title-suffix") < steps.index("krasia-byline")
    byline = next(s for s in out["steps"] if s["rule"] == "krasia-byline")
    assert byline["diff"] == [
        {"op": "-", "line": byline["diff"][0]["line"], "text": byline["diff"][0]["text"]}
    ]
    assert byline["diff"][0]["text"].startswith("Written by Nikkei Asia")
    suffix = next(s for s in out["steps"] if s["rule"] == "krasia-title-suffix")
    assert [d["op"] for d in suffix["diff"]] == ["-", "+"]
    assert suffix["diff"][0]["text"].endswith(" | KrASIA")
    assert not suffix["diff"][1]["text"].endswith(" | KrASIA")
    fields = {f["field"]: f for f in out["fields"] if f["used"]}
    assert fields["author"] == {
        "field": "author",
        "value": "Nikkei Asia",
        "rule": "krasia-author",
        "used": True,
    }
    assert out["record"]["author"] == "Nikkei Asia"
    assert [r["rule"] for r in out["record"]["rules"]] == list(dict.fromkeys(steps))


def test_removed_chars_per_rule_add_up_to_the_record() -> None:
    cleaner = Cleaner.from_paths([RULES])
    for path in sorted(SEEDS.glob("*.txt")):
        article = RawArticle(path.stem, str(path), path.read_bytes())
        ex = explain(cleaner, article)
        plain = cleaner.clean(article).result
        assert isinstance(ex.outcome.result, Record)
        assert isinstance(plain, Record)
        assert ex.outcome.result == plain  # listening changes nothing
        per_rule: dict[str, int] = {}
        for step in ex.trace.steps:
            per_rule[step.rule.id] = per_rule.get(step.rule.id, 0) + step.removed_chars
        assert per_rule == {r["rule"]: r["removed_chars"] for r in plain.rules}


def test_text_is_plain_in_a_pipe_and_coloured_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", str(KRASIA), "--rules", str(RULES)]) == 0
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain
    assert "krasia.com: fingerprint" in plain
    assert "- " in plain
    assert "Written by Nikkei Asia" in plain
    assert "author = 'Nikkei Asia'  from krasia-author" in plain
    assert main(["explain", str(KRASIA), "--rules", str(RULES), "--color", "always"]) == 0
    assert "\x1b[31m" in capsys.readouterr().out


def test_a_site_pack_at_work_on_a_real_page(tmp_path: Path) -> None:
    pages = site_pages("www.foxnews.com")
    from cleaner.authoring.suggest import suggest

    draft = suggest("foxnews.com", [p.scrape for p in pages])
    cleaner = Cleaner(RuleSet([load_pack_text(draft.yaml, "draft.yaml")]))
    page = pages[-1]
    ex = explain(
        cleaner, RawArticle(page.name, page.name, page.scrape, url="https://foxnews.com/a")
    )
    assert ex.packs() == [{"pack": "foxnews.com", "why": "domain foxnews.com"}]
    assert ex.trace.steps, "no rule acted on a real fox page"
    text = render_text(ex, max_lines=3)
    assert "more lines" in text  # a header cut removes far more than 3 lines
    assert text.count("\n  text:\n") == 1


def test_several_articles_need_an_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jsonl = tmp_path / "two.jsonl"
    jsonl.write_text(
        json.dumps(
            {
                "id": "a",
                "text": "The first article has enough words in it to be kept by the filters.",
                "url": "https://x.com/a",
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "text": "The second article has enough words in it to be kept by the filters.",
            }
        )
        + "\n",
        "utf-8",
    )
    assert main(["explain", str(jsonl), "--rules", str(RULES)]) == 2
    assert "pick one with --id" in capsys.readouterr().err
    out = explain_json(capsys, str(jsonl), "--id", "b")
    assert out["id"] == "b"
    assert (
        out["record"]["text"]
        == "The second article has enough words in it to be kept by the filters."
    )
    assert main(["explain", str(jsonl), "--id", "zz", "--rules", str(RULES)]) == 2


def test_line_diff_numbers_lines_as_read() -> None:
    diff = line_diff(["a", "b", "", "c"], ["a", "", "c2"])
    assert [(d.op, d.line, d.text) for d in diff] == [("-", 2, "b"), ("-", 4, "c"), ("+", 3, "c2")]
