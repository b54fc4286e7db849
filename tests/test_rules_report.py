"""`cleaner rules-report` on real pages, and `cleaner new-site`."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.engine.load import load_packs
from tests.ctf import site_pages, write_pages

PACK = """\
pack: news.bbc.co.uk
description: Test pack.
scope: site
match:
  domains: [news.bbc.co.uk]
rules:
  - id: t-email
    kind: drop_line
    description: The e-mail link.
    line: E-mail this to a friend
    examples:
      - {input: "E-mail this to a friend\\nText.", output: "Text."}
  - id: t-email-again
    kind: drop_line
    description: The same line, written as a literal.
    literal: E-mail this to a friend
    examples:
      - {input: "E-mail this to a friend\\nText.", output: "Text."}
  - id: t-tools
    kind: drop_line
    description: Both tool links.
    lines: [E-mail this to a friend, Printable version]
    examples:
      - {input: "Printable version\\nText.", output: "Text."}
  - id: t-never
    kind: drop_line
    description: A line no page has.
    line: No BBC page ever prints this line 31337
    examples:
      - {input: "No BBC page ever prints this line 31337\\nText.", output: "Text."}
  - id: t-everything
    kind: drop_line
    description: Every line with a letter in it.
    pattern: '[a-z]'
    examples:
      - {input: "abc\\n123", output: "123"}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    tmp = tmp_path_factory.mktemp("report")
    pages = site_pages("news.bbc.co.uk")[50:70]
    write_pages(pages, tmp / "pages")
    clean = tmp / "clean"
    clean.mkdir()
    for p in pages[:5]:
        (clean / f"{p.name}.txt").write_text(p.gold, "utf-8")
    (tmp / "rules").mkdir()
    (tmp / "rules" / "bbc.yaml").write_text(PACK, "utf-8")
    argv = [
        "rules-report",
        str(tmp / "pages"),
        "--clean",
        str(clean),
        "--site",
        "news.bbc.co.uk",
        "--no-default-rules",  # the test pack alone, as the counts below expect
        "--rules",
        str(tmp / "rules"),
        "--format",
        "json",
    ]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--strict"]) == 1  # findings fail a CI step under --strict
    return json.loads(buf.getvalue())  # type: ignore[no-any-return]


def test_hit_counts(report: dict) -> None:  # type: ignore[type-arg]
    assert report["articles"] == 20
    assert report["clean_articles"] == 5
    rules = report["rules"]
    assert rules["t-everything"]["articles"] == 20
    assert rules["t-never"]["articles"] == 0
    # Rules run in order: once t-email took the line, the duplicate has nothing left to take.
    assert rules["t-email"]["articles"] > 0
    assert rules["t-email-again"]["articles"] == 0


def test_dead_and_over_broad_rules(report: dict) -> None:  # type: ignore[type-arg]
    assert set(report["dead"]) == {"t-never", "t-email-again"}
    broad = {b["rule"]: b for b in report["over_broad"]}
    assert set(broad) == {"t-everything"}
    assert len(broad["t-everything"]["articles_over_share"]) == 20
    assert len(broad["t-everything"]["changed_clean_text"]) == 5


def test_overlaps(report: dict) -> None:  # type: ignore[type-arg]
    pairs = {(o["rule"], o["other"], o["how"]) for o in report["overlaps"]}
    assert ("t-email", "t-email-again", "same") in pairs
    assert ("t-email", "t-tools", "within") in pairs
    assert ("t-tools", "t-everything", "within") in pairs
    assert ("t-tools", "t-email", "within") not in pairs


def test_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_pages(site_pages("news.bbc.co.uk")[50:55], tmp_path / "pages")
    (tmp_path / "bbc.yaml").write_text(PACK, "utf-8")
    argv = ["rules-report", str(tmp_path / "pages"), "--site", "news.bbc.co.uk"]
    assert main([*argv, "--no-default-rules", "--rules", str(tmp_path / "bbc.yaml")]) == 0
    out = capsys.readouterr().out
    assert "dead rules (their pack matched articles, they never acted): " in out
    assert "t-never" in out
    assert "t-email and t-email-again always take the same lines" in out
    assert "t-everything: took over 50% of the words of 5 articles" in out


def test_new_site_writes_a_pack_that_loads(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    assert main(["new-site", "https://www.Example-News.com/x", "--rules", str(rules)]) == 0
    written = rules / "sites" / "example-news.com.yaml"
    (pack,) = load_packs([written])
    assert pack.domains == ("example-news.com",)
    assert pack.rules == ()
    assert main(["new-site", "example-news.com", "--rules", str(rules)]) == 2  # exists
    other = tmp_path / "elsewhere.yaml"
    assert main(["new-site", "example-news.com", "--rules", str(rules), "-o", str(other)]) == 2
    assert not other.exists()  # the domain is already covered by the first pack


def test_new_site_example_rules_work_once_uncommented(tmp_path: Path) -> None:
    assert main(["new-site", "example.org", "-o", str(tmp_path / "p.yaml")]) == 0
    text = (tmp_path / "p.yaml").read_text("utf-8")
    body = text.split("rules:\n", 1)[1]
    active = "\n".join(
        line.replace("#", "", 1) if line.startswith("#  ") else line for line in body.splitlines()
    )
    (tmp_path / "p.yaml").write_text(text.split("rules:\n", 1)[0] + "rules:\n" + active + "\n")
    assert main(["check-rules", "--rules", str(tmp_path / "p.yaml")]) == 0
    assert main(["test-rules", "--rules", str(tmp_path / "p.yaml")]) == 0
