"""Generic packs are conservative: measured on real human ground truth, they rarely touch it.

Uses shared/corpora beside the checkout (as in CI); skipped with a reason when it is absent.
The full per-pack report is ``python -m bench.false_removal``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bench.corpora import iter_gold_documents
from bench.false_removal import measure, rate
from cleaner.engine.kinds import ChromeKind
from cleaner.engine.load import load_packs
from tests.conftest import RULES, corpora_missing

# ctf and AEB golds were checked by people: a generic pack may touch at most 1 line in 1,000.
# WCXB's gold was annotated by an LLM and keeps some real chrome, so its bound is looser.
MAX_RATE = {"ctf+aeb": 0.001, "wcxb": 0.002}

GENERIC = [p for p in load_packs([RULES]) if p.scope == "generic"]
CHROME_PACKS = [p.name for p in GENERIC if any(isinstance(r.kind, ChromeKind) for r in p.rules)]

EAGER = """\
pack: eager
description: An over-eager generic pack, the canary of the false-removal measure.
scope: generic
rules:
  - id: eager-short-lines
    kind: drop_line
    description: Drops every line of at most four words, headings and datelines included.
    pattern: '.'
    max_words: 4
    examples:
      - {input: "Share\\nA real sentence that stays here.", output: "A real sentence that stays here."}
      - {input: "A real sentence that stays here.", output: "A real sentence that stays here."}
"""


@pytest.fixture(scope="module")
def counts():  # type: ignore[no-untyped-def]
    missing = corpora_missing("ctf")
    if missing is not None:
        pytest.skip(missing)
    return measure(GENERIC, iter_gold_documents(), samples=0)


def test_corpora_are_big_enough_to_mean_something(counts) -> None:  # type: ignore[no-untyped-def]
    lines = counts["all"].lines
    assert lines["ctf"] > 10_000
    assert lines["aeb"] > 4_000
    assert lines["wcxb"] > 60_000


def test_the_measure_fails_an_over_eager_pack(tmp_path: Path, counts) -> None:  # type: ignore[no-untyped-def]
    # The bounds below mean something only if the same measure, on the same gold, catches a
    # pack that deletes real text: one that drops short lines (headings, datelines).
    (tmp_path / "eager.yaml").write_text(EAGER, "utf-8")
    sample = itertools.islice(iter_gold_documents(), 0, None, 10)
    eager = measure(load_packs([tmp_path]), sample, samples=0)["all"]
    assert rate(eager, ["ctf", "aeb"]) > 10 * MAX_RATE["ctf+aeb"]
    assert rate(eager, ["wcxb"]) > 10 * MAX_RATE["wcxb"]


@pytest.mark.parametrize(
    "pack",
    [
        "all",
        "share",
        "legal",
        "subscribe",
        "counters",
        "related",
        "chatbot",
        "tracking",
        "filters",
        "boilerplate",
    ],
)
def test_generic_pack_false_removal_rate(counts, pack: str) -> None:  # type: ignore[no-untyped-def]
    c = counts[pack]
    assert rate(c, ["ctf", "aeb"]) <= MAX_RATE["ctf+aeb"], dict(c.by_rule)
    assert rate(c, ["wcxb"]) <= MAX_RATE["wcxb"], dict(c.by_rule)
