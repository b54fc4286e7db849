"""The document pipeline as one declared list of steps: what is declared is what runs, each
record says which step changed its text, ``cleaner steps`` lists them, and cleaning clean output
changes nothing."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from bench.corpora import iter_aeb, iter_ctf, read_html_bytes, scrape_text
from cleaner.authoring.explain import explain, render_text
from cleaner.cli import main
from cleaner.engine.ruleset import RuleSet
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject
from cleaner.steps.base import Doc, Fixpoint, Step, describe, flatten
from cleaner.steps.document import STEPS
from tests.conftest import RULES, SEEDS, corpora_missing

BODY = "The council approved the new budget on Tuesday after a long debate about schools.\n" * 3

# A rule that removes a tag from a line: ftfy leaves the entities of a line holding a '<' alone
# (it takes the line for HTML), so only the fixpoint's second round repairs them.
TAG_PACK = """\
pack: tags
description: Stray tags.
scope: generic
rules:
  - id: stray-bold-tag
    kind: strip_span
    description: A stray bold tag left in the text.
    pattern: '<b>'
    examples:
      - input: "Tom and Jerry <b>"
        output: "Tom and Jerry"
      - input: "Tom and Jerry"
        output: "Tom and Jerry"
"""

# A rule that uncovers its next match each time it acts: only the last line may go, so a tail
# of N "Related:" lines takes N rounds (the chrome phase once stopped after 12).
TAIL_PACK = """\
pack: tails
description: Related links, one per line, at the end.
scope: generic
rules:
  - id: related-tail
    kind: drop_line
    description: A related-link line at the very end.
    pattern: '^Related: '
    last_lines: 1
    examples:
      - input: "Body text.\\nRelated: more"
        output: "Body text."
      - input: "Related: more\\nBody text."
        output: "Related: more\\nBody text."
"""
TAIL = "".join(f"\nRelated: story number {n}" for n in range(40))


def record_of(cleaner: Cleaner, data: bytes | str, **kw: object) -> Record:
    result = cleaner.clean(RawArticle("t", "t", data, **kw)).result  # type: ignore[arg-type]
    assert isinstance(result, Record), result
    return result


# -- the declaration ------------------------------------------------------------------------


def test_the_declared_order_is_what_runs(cleaner: Cleaner, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    @dataclasses.dataclass(frozen=True)
    class Spy:
        step: Step

        @property
        def name(self) -> str:
            return self.step.name

        def __call__(self, doc: Doc) -> Doc | Reject:
            ran.append(self.step.name)
            return self.step(doc)

    def spied(steps: tuple[Step, ...]) -> tuple[Step, ...]:
        return tuple(
            dataclasses.replace(s, steps=spied(s.steps)) if isinstance(s, Fixpoint) else Spy(s)
            for s in steps
        )

    monkeypatch.setattr(cleaner, "steps", spied(STEPS))
    names = [s.name for s in flatten(STEPS)]
    fixpoint = names[names.index("repair") : names.index("metadata")]
    # Clean text: one round, in which no step changes the text, and the loop is done.
    record_of(cleaner, BODY.strip())
    assert ran == names
    # Normalise drops the last line break: round two runs the steps before it again, which
    # change nothing; the steps after it saw that text already, so the loop stops there.
    ran.clear()
    record_of(cleaner, BODY)
    assert ran == [
        *names[: names.index("metadata")],
        "repair",
        "normalise",
        *names[len(fixpoint) + 2 :],
    ]
    assert names[:3] == ["decode", "html", "repair"]
    assert names[-3:] == ["record", "quality", "validate"]


def test_names_are_unique_and_each_step_has_a_one_line_doc() -> None:
    rows = describe(STEPS)
    names = [name for _, name, _ in rows]
    assert len(names) == len(set(names))
    for _, name, doc in rows:
        assert doc, name
        assert len(doc) <= 100, name
    assert sum(isinstance(s, Fixpoint) for s in STEPS) == 1  # one fixpoint loop, in one place


def test_cleaner_steps_prints_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["steps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = describe(STEPS)
    assert len(lines) == len(rows)
    for line, (depth, name, doc) in zip(lines, rows, strict=True):
        assert line.startswith("  " * depth + name + " ")
        assert line.endswith(doc)
    assert lines[0].startswith("decode ")
    assert lines[3].startswith("  repair ")  # inside the fixpoint
    assert "until none changes the text" in lines[2]


# -- the record's account -------------------------------------------------------------------


def test_each_step_that_changed_the_text_is_recorded(cleaner: Cleaner) -> None:
    text = "  The  company’s values.  \n" + BODY
    broken = text.encode().decode("cp1252")
    record = record_of(cleaner, broken.encode())
    steps = {s["step"]: s["removed_chars"] for s in record.steps}
    assert list(steps) == ["repair", "normalise"]
    assert steps["repair"] == len(broken) - len(text)
    assert steps["normalise"] == 6  # four doubled spaces, and the spaces around the line
    assert record.to_dict()["steps"] == [dict(s) for s in record.steps]


def test_chrome_and_its_rules_agree(cleaner: Cleaner) -> None:
    seed = next(SEEDS.glob("000_*.txt"))
    record = record_of(cleaner, seed.read_bytes())
    steps = {s["step"]: s["removed_chars"] for s in record.steps}
    assert "chrome" in steps
    # The rules count the characters of the lines they take; the step also counts line breaks.
    assert steps["chrome"] >= sum(r["removed_chars"] for r in record.rules) > 0


def test_clean_text_changes_nothing_and_says_so(cleaner: Cleaner) -> None:
    assert record_of(cleaner, BODY.strip()).steps == ()


def test_a_page_records_its_extraction(cleaner: Cleaner) -> None:
    page = f"<html><head><title>Budget</title></head><body><article><p>{BODY}</p></article>"
    record = record_of(cleaner, page.encode(), html=True)
    steps = {s["step"]: s["removed_chars"] for s in record.steps}
    assert steps["html"] > 0
    assert next(iter(steps)) == "html"


def test_the_fixpoint_repairs_what_a_rule_uncovered(tmp_path: Path) -> None:
    (tmp_path / "tags.yaml").write_text(TAG_PACK, "utf-8")
    cleaner = Cleaner(RuleSet.from_paths([tmp_path]))
    record = record_of(cleaner, "Tom &amp; Jerry <b>\n" + BODY)
    assert record.text.startswith("Tom & Jerry\n")
    assert record.repairs == ("apply:unescape_html",)
    assert [r["rule"] for r in record.rules] == ["stray-bold-tag"]
    steps = {s["step"]: s["removed_chars"] for s in record.steps}
    # Pipeline order, though repair first changed the text in the second round.
    assert list(steps) == ["repair", "normalise", "chrome"]
    assert steps["repair"] == len("&amp;") - len("&")
    again = record_of(cleaner, record.text)
    assert (again.text, again.steps, again.rules) == (record.text, (), ())


def _tail_cleaner(tmp_path: Path) -> Cleaner:
    (tmp_path / "tails.yaml").write_text(TAIL_PACK, "utf-8")
    return Cleaner(RuleSet.from_paths([tmp_path]))


def test_chrome_that_uncovers_chrome_forty_times_is_cleaned_in_one_pass(tmp_path: Path) -> None:
    cleaner = _tail_cleaner(tmp_path)
    record = record_of(cleaner, BODY.strip() + TAIL)
    assert record.text == BODY.strip()
    assert record.rules == (
        {"rule": "related-tail", "pack": "tails", "removed_chars": len(TAIL) - 40, "edits": 40},
    )
    again = record_of(cleaner, record.text)
    assert (again.text, again.steps, again.rules) == (record.text, (), ())
    # explain numbers the rounds: one line each, and the round after the last change is quiet.
    trace = explain(cleaner, RawArticle("t", "t", BODY.strip() + TAIL)).trace
    assert [s.round for s in trace.steps] == list(range(1, 41))
    assert [d.text for s in trace.steps for d in s.diff][:2] == [
        "Related: story number 39",
        "Related: story number 38",
    ]


def test_a_text_still_changing_at_the_safety_bound_is_a_reject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cleaner = _tail_cleaner(tmp_path)
    bounded = tuple(
        dataclasses.replace(s, rounds=5) if isinstance(s, Fixpoint) else s for s in STEPS
    )
    monkeypatch.setattr(cleaner, "steps", bounded)
    result = cleaner.clean(RawArticle("t", "t", BODY.strip() + TAIL)).result
    assert isinstance(result, Reject), result
    (reason,) = result.reasons
    assert reason.code == "no_fixpoint"
    assert "after 5 rounds of the 'fixpoint' step" in reason.message
    assert "chrome" in reason.message
    # Within the bound, the same text is a record.
    short = BODY.strip() + "\nRelated: one\nRelated: two"
    assert record_of(cleaner, short).text == BODY.strip()


# -- idempotence: cleaning clean output changes nothing --------------------------------------


def _assert_idempotent(cleaner: Cleaner, article: RawArticle) -> None:
    first = cleaner.clean(article).result
    if not isinstance(first, Record):
        return
    again = cleaner.clean(RawArticle(article.id, article.source, first.text, site=first.site))
    second = again.result
    assert isinstance(second, Record), (article.id, second)
    assert second.text == first.text, article.id
    assert (second.steps, second.rules, second.repairs) == ((), (), ()), article.id


@pytest.mark.parametrize("path", sorted(SEEDS.iterdir()), ids=lambda p: p.name[:3])
def test_seeds_are_idempotent(cleaner: Cleaner, path: Path) -> None:
    _assert_idempotent(cleaner, RawArticle(path.stem, path.name, path.read_bytes()))


def _corpus_samples() -> list[RawArticle]:
    out: list[RawArticle] = []
    for page in itertools.islice(iter_ctf(), 0, None, 25):
        data = page.html_path.read_bytes()
        out.append(RawArticle(page.name, page.name, scrape_text(data), site=page.site))
        out.append(RawArticle(page.name, page.name, data, site=page.site, html=True))
    for aeb in itertools.islice(iter_aeb(), 0, None, 20):
        data = read_html_bytes(aeb.html_path)
        out.append(RawArticle(aeb.id, aeb.id, data, url=aeb.url, html=True))
    return out


def test_corpus_samples_are_idempotent() -> None:
    missing = corpora_missing("ctf") or corpora_missing("aeb")
    if missing is not None:
        pytest.skip(missing)
    samples = _corpus_samples()
    assert len(samples) > 40
    cleaner = Cleaner.from_paths([RULES])
    for article in samples:
        _assert_idempotent(cleaner, article)


def test_explain_shows_the_steps_that_changed_the_text(cleaner: Cleaner) -> None:
    seed = next(SEEDS.glob("002_*.txt"))
    ex = explain(cleaner, RawArticle(seed.stem, seed.name, seed.read_bytes()))
    record = ex.outcome.result
    assert isinstance(record, Record)
    assert ex.changed_by_step() == [dict(s) for s in record.steps]
    text = render_text(ex)
    head = text.index("steps that changed the text")
    assert text.index("  normalise: 3 chars removed", head) < text.index("  chrome: ", head)
