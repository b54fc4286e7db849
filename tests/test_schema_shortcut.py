"""The built-in schema's patterns run as Python regexes (``LINEAR_PATTERNS``): each must accept
exactly what its RE2 pattern accepts, and a record must get the same problems either way."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from cleaner.engine.regex import compile_search
from cleaner.steps.validate import (
    LINEAR_PATTERNS,
    Validator,
    default_schema,
    schema_patterns,
)
from tests.conftest import CLEANED

# Strings near each pattern's edges: a trailing or leading line break (where Python's ``$``
# and RE2's differ), non-ASCII digits, letters and spaces (where ``\d``, ``\w`` or ``\s`` would
# differ), and values that almost fit.
EDGES = [
    "",
    " ",
    "\n",
    "\t\r\f ",
    "\v",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\ufeff",
    "x",
    " x ",
    "en",
    "en\n",
    "\nen",
    "eng",
    "engl",
    "EN",
    "en-US",
    "en-us",
    "zh-Hans",
    "en-Latn1",
    "en-",
    "ｅｎ",
    "trafilatura",
    "trafilatura\n",
    "selector:",
    "selector:x",
    "selector:a\nb",
    "selector:\u00e9",
    "Trafilatura",
    "a" * 64,
    "0123456789abcdef" * 4,
    "0123456789abcdef" * 4 + "\n",
    "0123456789ABCDEF" * 4,
    "0123456789abcdef" * 4 + "0",
    "2024-01-31",
    "2024-01-31\n",
    "2024-13-01",
    "2024-02-30",
    "2024-00-10",
    "2024-01-32",
    "٢٠٢٤-٠١-٠١",
    "2024-01-31T10:20",
    "2024-01-31T10:20:30",
    "2024-01-31T10:20:30.123",
    "2024-01-31T10:20:30.",
    "2024-01-31T10:20:30Z",
    "2024-01-31T10:20:30+01:00",
    "2024-01-31T10:20:30+0100",
    "2024-01-31 10:20:30",
    "2024-01-31T10:20:30Z\n",
]


def test_the_built_in_schema_runs_no_pattern_on_re2() -> None:
    patterns = {pattern for _, pattern in schema_patterns(default_schema())}
    assert patterns <= LINEAR_PATTERNS.keys(), "give a new built-in pattern its Python twin"


@pytest.mark.parametrize("pattern", sorted(LINEAR_PATTERNS))
def test_each_twin_accepts_what_re2_accepts(pattern: str) -> None:
    re2_form, twin = compile_search(pattern), LINEAR_PATTERNS[pattern]
    # Every code point up to U+3100 and every space character alone, then the edge strings
    # alone, in pairs and around a line break.
    singles = [chr(c) for c in range(0x3100) if not 0xD800 <= c < 0xE000]
    singles += [chr(c) for c in range(0x3100, 0x110000) if chr(c).isspace()]
    pairs = [a + b for a, b in itertools.product(EDGES, repeat=2)]
    cases = singles + EDGES + pairs + [a + "\n" + b for a, b in itertools.product(EDGES, EDGES)]
    differ = [s for s in cases if bool(re2_form.search(s)) != bool(twin.search(s))]
    assert differ == []
    assert any(twin.search(s) for s in cases)
    assert not all(twin.search(s) for s in cases)


def _records() -> list[dict[str, Any]]:
    lines = (CLEANED / "articles.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _mutations(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record, and copies with one field set to an edge value."""
    out = [record]
    fields = ["title", "author", "url", "site", "lang", "extractor", "sha256", "text"]
    fields += ["date_published", "date_updated"]
    for name, value in itertools.product(fields, EDGES):
        out.append({**record, name: value})
    return out


def test_records_get_the_same_problems_with_and_without_the_twins() -> None:
    fast, plain = Validator(default_schema()), Validator(default_schema(), shortcuts=False)
    records = _records()
    assert len(records) >= 5
    seen_valid = seen_invalid = 0
    for base in records:
        for record in _mutations(base):
            problems = fast.problems(record)
            assert problems == plain.problems(record), record
            seen_valid += not problems
            seen_invalid += bool(problems)
    assert seen_valid > 20, "valid records must be exercised"
    assert seen_invalid > 1000, "invalid records must be exercised"
