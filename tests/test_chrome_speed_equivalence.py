"""The chrome phase scans less than its definition says; these tests hold it to the definition.

``run_chrome`` remembers each pattern's matching lines by content for the whole phase (rules
that drop lines leave the other answers standing, rewritten lines are scanned when next asked),
keeps a group's set hits the same way, and lets a rule with position guards scan only the
lines they allow. The plain path scans the current text afresh for every rule in every state
and collapses blank lines with a loop that keeps a line when the last kept one has text.
Both run here on real lines (seed articles, every rule example and, when the corpus is present,
the ctf scrapes), shuffled into new documents so that rules meet each other's leftovers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import re2

from cleaner.engine import ruleset
from cleaner.engine.kinds import Guards
from cleaner.engine.load import load_packs
from cleaner.engine.regex import _LINE_OPTS, LineMatches, PatternSet, compile_pattern, widened
from cleaner.engine.ruleset import RuleGroup, RuleSet, run_chrome
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle
from cleaner.steps.normalize import collapse_blank_lines, normalize_lines
from tests.conftest import RULES, SEEDS
from tests.ctf import need_ctf, site_pages

RULESET = RuleSet.from_paths([RULES])
CTF_PACKS = {
    "news.bbc.co.uk": "bbc.co.uk",
    "news.yahoo.com": "yahoo.com",
    "www.cnn.com": "cnn.com",
    "www.forbes.com": "forbes.com",
    "www.foxnews.com": "foxnews.com",
}
GROUPS = [*RULESET.site_groups.values(), RULESET.generic]


def plain_lines_matching(regex: Any, lines: list[str]) -> list[int]:
    """The non-blank lines ``regex`` matches, scanning the current text from the start."""
    text = "\n".join(lines)
    found: list[int] = []
    for m in regex.finditer(text):
        i = text.count("\n", 0, m.start())
        if lines[i] and (not found or found[-1] != i):
            found.append(i)
    return found


def plain_hit_lines(
    self: Guards, regex: Any, lines: list[str], matches: LineMatches | None
) -> list[int]:
    return [i for i in plain_lines_matching(regex, lines) if self.allows_at(lines, i)]


def plain_set_hits(self: LineMatches, patterns: PatternSet, lines: list[str]) -> set[int]:
    return patterns.hits("\n".join(lines).encode("utf-8", "surrogatepass"))


def plain_collapse(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def test_collapse_blank_lines_is_the_plain_loop() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        lines = [rng.choice(["", "", "a", "b c"]) for _ in range(rng.randrange(0, 12))]
        assert collapse_blank_lines(lines) == plain_collapse(lines), lines


def plain_run_chrome(
    monkeypatch: pytest.MonkeyPatch, groups: list[RuleGroup], lines: list[str]
) -> tuple[list[str], list[Any]]:
    with monkeypatch.context() as patch:
        patch.setattr(Guards, "hit_lines", plain_hit_lines)
        patch.setattr(LineMatches, "set_hits", plain_set_hits)
        patch.setattr(ruleset, "collapse_blank_lines", plain_collapse)
        return run_chrome(groups, lines)


def real_lines() -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [example.input for rule in RULESET.rules.values() for example in rule.examples]
    return sorted({line for text in texts for line in normalize_lines(text)})


def documents(pool: list[str], seed: int, count: int) -> Iterator[list[str]]:
    """Documents of 5-80 lines drawn from ``pool``, blank lines between some of them."""
    rng = random.Random(seed)
    for _ in range(count):
        lines: list[str] = []
        for line in rng.sample(pool, min(len(pool), rng.randint(5, 80))):
            lines.append(line)
            if rng.random() < 0.4:
                lines.append("")
        yield normalize_lines("\n".join(lines))


def assert_same(monkeypatch: pytest.MonkeyPatch, groups: list[RuleGroup], lines: list[str]) -> bool:
    got = run_chrome(groups, lines)
    assert got == plain_run_chrome(monkeypatch, groups, lines), lines
    return got[0] != lines


def test_whole_articles_clean_as_the_plain_path_cleans_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = 0
    for path in sorted(SEEDS.glob("*.txt")):
        lines = normalize_lines(path.read_text("utf-8"))
        for group in RULESET.site_groups.values():
            changed += assert_same(monkeypatch, [group, RULESET.generic], lines)
    assert changed > 10


def test_shuffled_real_lines_clean_as_the_plain_path_cleans_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = real_lines()
    rng = random.Random(7)
    changed = 0
    for lines in documents(pool, seed=1, count=400):
        groups = [*rng.sample(GROUPS[:-1], rng.randint(0, 2)), RULESET.generic]
        changed += assert_same(monkeypatch, groups, lines)
    assert changed > 300


def test_ctf_scrapes_clean_as_the_plain_path_cleans_them(monkeypatch: pytest.MonkeyPatch) -> None:
    need_ctf()
    changed = 0
    pool: list[str] = []
    for site, pack in CTF_PACKS.items():
        group = RULESET.site_groups[pack]
        for page in site_pages(site)[:40]:
            lines = normalize_lines(page.scrape)
            pool += lines
            changed += assert_same(monkeypatch, [group, RULESET.generic], lines)
    for lines in documents(sorted(set(pool)), seed=2, count=200):
        changed += assert_same(monkeypatch, GROUPS, lines)
    assert changed > 100


PACK = """pack: edges
description: Patterns whose answer for a line depends on the text around it.
scope: site
match: {domains: [edges.test]}
rules:
  - id: edges-first-line
    kind: drop_line
    description: Whatever line is first now.
    pattern: '\\AMenu'
    examples: [{input: "Menu\\nMenu\\nText.", output: "Text."}]
  - id: edges-last-line
    kind: drop_line
    description: Whatever line is last now.
    pattern: 'Share\\z'
    examples: [{input: "Text.\\nShare\\nShare", output: "Text."}]
  - id: edges-strip
    kind: strip_span
    description: A rewrite that makes new lines.
    pattern: '\\s*\\[ad\\]'
    examples: [{input: "Text [ad]", output: "Text"}]
  - id: edges-tail
    kind: drop_line
    description: A position guard meeting lines that drops bring into reach.
    pattern: '^(?:Menu|Share)$'
    last_lines: 2
    examples: [{input: "Text.\\nMore.\\nMenu", output: "Text.\\nMore."}]
"""


def test_patterns_that_see_the_whole_text_still_scan_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "edges.yaml").write_text(PACK, "utf-8")
    group = RuleGroup([r for p in load_packs([tmp_path]) for r in p.rules])
    pool = ["Menu", "Share", "Menu [ad]", "Share [ad]", "Text.", "More text [ad] here.", ""]
    rng = random.Random(3)
    changed = 0
    for _ in range(300):
        lines = normalize_lines("\n".join(rng.choices(pool, k=rng.randint(1, 12))))
        changed += assert_same(monkeypatch, [group], lines)
    assert changed > 100


@pytest.mark.parametrize(
    ("source", "wide"),
    [
        (r"^[^.!?]{0,60}\.\s*all rights reserved", r"^[^.!?]*\.\s*all rights reserved"),
        (r"(?:x|y){2,}?z{3}", r"(?:x|y)*?z*"),
        (r"\x{E200}{1,2}\p{Greek}{2}", r"\x{E200}*\p{Greek}*"),
        (r"[{2}][]{3}][^]{4}][[:alpha:]{5}]{6}", r"[{2}][]{3}][^]{4}][[:alpha:]{5}]*"),
        (r"\Q{2}\E{3}\{4}\\{5}a{,6}", r"\Q{2}\E*\{4}\\*a{,6}"),
    ],
)
def test_prefilters_widen_counts_and_leave_literal_braces(source: str, wide: str) -> None:
    assert widened(source) == wide


def test_widened_prefilters_match_wherever_their_rules_match() -> None:
    pool = real_lines()
    checked = 0
    for rule in RULESET.rules.values():
        kind = rule.kind
        if kind.prefilter is None or not hasattr(kind, "source"):
            continue
        ignore_case = kind.options.ignore_case
        if kind.prefilter == ("(?i)" if ignore_case else "") + "(?m)" + kind.source:
            continue  # not widened
        exact = compile_pattern(kind.source, ignore_case=ignore_case)
        wide = re2.compile(kind.prefilter, _LINE_OPTS)
        for line in pool:
            assert exact.search(line) is None or wide.search(line) is not None, (rule.id, line)
        checked += 1
    assert checked >= 5


ROUNDS_PACK = """pack: rounds
description: Rules that leave work for repair and normalise between two chrome rounds.
scope: site
match: {domains: [rounds.test]}
rules:
  - id: rounds-tag
    kind: strip_span
    description: A stray tag; while it is there, ftfy leaves the line's entities alone.
    pattern: '<b>'
    examples: [{input: "Tom &amp; Jerry <b>", output: "Tom &amp; Jerry"}]
  - id: rounds-ad
    kind: strip_span
    description: A marker whose removal leaves two spaces for normalise.
    pattern: '\\\\[ad\\\\]'
    examples: [{input: "More [ad] text", output: "More  text"}]
  - id: rounds-tail
    kind: drop_line
    description: One last line a round, uncovering the next.
    pattern: '^(?:Menu|Share|Tom & Jerry|More text)$'
    last_lines: 1
    examples: [{input: "Text.\\\\nMenu", output: "Text."}]
"""


def test_the_pipelines_rounds_clean_as_the_plain_path_cleans_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In the pipeline the memo lives across the fixpoint's rounds, and repair and normalise
    change lines between them: what they bring in is scanned too."""
    (tmp_path / "rounds.yaml").write_text(ROUNDS_PACK, "utf-8")
    cleaner = Cleaner(RuleSet.from_paths([tmp_path]))
    pool = ["Menu", "Share", "Tom &amp; Jerry <b>", "More [ad] text", "Body text here.", ""]
    rng = random.Random(5)
    changed = 0
    for n in range(300):
        text = "The article.\n" + "\n".join(rng.choices(pool, k=rng.randint(1, 12)))
        article = RawArticle(str(n), "t", text, site="rounds.test")
        got = cleaner.clean(article).result.to_dict()
        with monkeypatch.context() as patch:
            patch.setattr(Guards, "hit_lines", plain_hit_lines)
            patch.setattr(LineMatches, "set_hits", plain_set_hits)
            patch.setattr(ruleset, "collapse_blank_lines", plain_collapse)
            assert got == cleaner.clean(article).result.to_dict(), text
        text_out = got.get("text") or (got.get("record") or {}).get("text")
        changed += text_out != text
    assert changed > 200
