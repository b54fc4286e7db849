"""The chrome phase's scan shortcuts give the plain scans' answers:

- ``Regex.start_in`` asks RE2's compiled pattern directly (no wrapper generator or match
  object): the same offset as ``search(...).start()``, and ``CLEANER_PURE=1`` turns it off;
- a positional rule's lines are scanned once a document (``LineMatches.some_matching``): the
  lines it finds equal a fresh scan's in every round;
- a prefilter set's hits equal each pattern's own search, whatever the sets' size
  (``HEAVY_PER_SET``), and a short exact count leaves a pattern with the plain ones;
- the records, shortcuts on and off, are the same.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest

from cleaner.engine import regex
from cleaner.engine.kinds.base import Guards, MatchingChromeKind
from cleaner.engine.regex import LineMatches, PatternSet, Regex, compile_pattern, matched_lines
from cleaner.engine.ruleset import RuleSet, run_chrome
from cleaner.pipeline import Cleaner
from cleaner.record import Record
from tests.conftest import RULES, corpora_missing
from tests.test_step_shortcuts import sample

TEXTS = [
    "",
    "one line",
    "Share this article\n\nBody text here.\nRelated stories\nMore body.",
    "Would you like a summary?\nCopyright © 2024 Example\n\n\nénorme café\nRead more »",
    "a\n\nb\n\n\nc\nshare\nShare on Facebook\nFollow us on Twitter",
    "ça va\n日本語のテキスト\nRelated: x\n",
]
PATTERNS = [r"^(?:related|share)\b", r"x*", r"(?i)café|日本", r"\bus\b.*$", r"$", r"^"]


def _regexes() -> list[Regex]:
    """The shipped chrome rules' patterns and a few edge cases (empty matches, non-ASCII)."""
    rules = RuleSet.from_paths([RULES])
    found = [r.kind.regex for r in rules.rules.values() if isinstance(r.kind, MatchingChromeKind)]
    return found + [compile_pattern(p) for p in PATTERNS]


def _starts(rx: Regex, data: bytes) -> list[int]:
    return [rx.start_in(data, pos) for pos in range(len(data) + 1)]


def _plain_starts(rx: Regex, data: bytes) -> list[int]:
    found = []
    for pos in range(len(data) + 1):
        m = rx.search(data, pos)
        found.append(-1 if m is None else m.start())
    return found


def test_start_in_is_searchs_start(monkeypatch: pytest.MonkeyPatch) -> None:
    assert regex._DIRECT, "the installed re2 has its compiled pattern: the direct path is tested"
    datas = [t.encode() for t in TEXTS]
    for rx in _regexes():
        for data in datas:
            direct = _starts(rx, data)
            assert direct == _plain_starts(rx, data), rx.source
            monkeypatch.setattr(regex, "_DIRECT", False)
            assert _starts(rx, data) == direct, rx.source
            monkeypatch.setattr(regex, "_DIRECT", True)


def test_pure_turns_the_direct_path_off() -> None:
    code = "from cleaner.engine import regex; print(regex._DIRECT)"
    env = {**os.environ, "CLEANER_PURE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def _fresh_hit_lines(self: Guards, rx: Regex, lines: list[str], matches: object) -> list[int]:
    """Guards.hit_lines with no memo: every region scanned again."""
    if self.positional and rx.line_local:
        among = self.region(lines)
        found = matched_lines(rx, [lines[i] for i in among])
        hits = [i for i in among if lines[i] in found]
    else:
        hits = LineMatches(lines).lines_matching(rx, lines)
    return [i for i in hits if self.allows_at(lines, i)]


def test_positional_memo_finds_what_a_fresh_scan_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = RuleSet.from_paths([RULES])
    groups = [rules.generic]
    memo_hits = Guards.hit_lines
    asked = 0

    def checked(self: Guards, rx: Regex, lines: list[str], matches: object) -> list[int]:
        nonlocal asked
        got = memo_hits(self, rx, lines, matches)  # type: ignore[arg-type]
        if self.positional:
            asked += 1
            assert got == _fresh_hit_lines(self, rx, lines, None), rx.source
        return got

    monkeypatch.setattr(Guards, "hit_lines", checked)
    texts = [
        *TEXTS,
        "Story text.\nWould you like me to write a tweet?\nI hope this helps!\nLet me know.",
        "Sure! Here is the summary:\nText.\n\nIf you'd like, I can expand it?",
    ]
    for text in texts:
        run_chrome(groups, text.split("\n"))
    assert asked > 0, "positional rules must be asked"


@pytest.mark.parametrize("per_set", [1, regex.HEAVY_PER_SET, 50])
def test_set_hits_are_each_patterns_own(per_set: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regex, "HEAVY_PER_SET", per_set)
    group = RuleSet.from_paths([RULES]).generic
    sources = group.set._sources
    patterns = PatternSet(sources)
    singles = [PatternSet([s]) for s in sources]
    assert len(patterns._chunks) > 1 or per_set >= len(sources)
    for text in TEXTS:
        data = text.encode()
        assert patterns.hits(data) == {i for i, one in enumerate(singles) if one.hits(data)}


def test_records_equal_the_plain_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    if reason := corpora_missing():
        pytest.skip(reason)
    articles = list(itertools.islice(sample(), 80))
    cleaner = Cleaner.from_paths([RULES])
    fast = [cleaner.clean(a).result for a in articles]
    monkeypatch.setattr(regex, "_DIRECT", False)
    monkeypatch.setattr(regex, "HEAVY_PER_SET", 50)
    monkeypatch.setattr(Guards, "hit_lines", _fresh_hit_lines)
    cleaner = Cleaner.from_paths([RULES])  # its sets built with other chunks
    plain = [cleaner.clean(a).result for a in articles]
    assert fast == plain
    assert sum(1 for r in fast if isinstance(r, Record)) > 30, "records must be made"


def test_a_short_exact_count_scans_with_the_plain_patterns() -> None:
    # A fingerprint like '^date [0-9]{4}-[0-9]{2}' needs no set of its own (one pass fewer);
    # ranges, long counts and open repetition still go to the heavy sets.
    light = [r"(?m)^date [0-9]{4}-[0-9]{2}-[0-9]{2} \S", r"(?m)© \d{4} Cable News", "x"]
    heavy = [r"a{1,3}", r"b{2,}", r"c{12}", r"d.*e", r"[^?]+"]
    assert PatternSet(light)._chunks == [[0, 1, 2]]
    assert PatternSet(light + heavy)._chunks == [[0, 1, 2], [3, 4, 5, 6, 7]]
