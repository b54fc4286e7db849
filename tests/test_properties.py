"""Properties that hold for any input, checked on every run of the suite:

- articles read = records + rejects, whatever the input;
- determinism: the same input gives the same bytes;
- idempotence: cleaning clean output changes nothing (one text, and a whole run's output);
- no rule removes more on the seeds than its own examples show it may remove.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.cli import main
from cleaner.engine.load import load_packs
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject
from cleaner.steps.decode import decode
from cleaner.steps.normalize import normalize_lines
from cleaner.testing import example_reach, reach
from tests.conftest import RULES, SEEDS

SEED_LINES = sorted(
    {line for p in SEEDS.glob("*.txt") for line in p.read_text("utf-8").splitlines()}
)
EXAMPLE_LINES = sorted(
    {
        line
        for p in load_packs([RULES])
        for r in p.rules
        for e in r.examples
        for line in e.input.splitlines()
    }
)
SITES = [None, "shulou.com", "krasia.com", "scmp.com", "pandaily.com"]

line = st.one_of(
    st.sampled_from(SEED_LINES),
    st.sampled_from(EXAMPLE_LINES),
    st.just(""),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
    # Mojibake and the spaces around it: what repair acts on (and once got wrong twice over).
    st.lists(
        st.sampled_from(
            ["Â\x80", "\xa0", "Ã©", "â€™", "Ã\xa0", "\x80", "Ã", "â€", "Â", " ", "word", "&amp;"]
        ),
        max_size=12,
    ).map("".join),
)
document = st.lists(line, max_size=25).map("\n".join)


def text_of(result: Record | Reject) -> str | None:
    if isinstance(result, Record):
        return result.text
    return result.record["text"] if result.record else None


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document, st.sampled_from(SITES))
def test_cleaning_clean_output_changes_nothing(
    cleaner: Cleaner, text: str, site: str | None
) -> None:
    first = cleaner.clean(RawArticle("p", "p", text, site=site)).result
    once = text_of(first)
    if once is None:
        return
    site_after = first.site if isinstance(first, Record) else (first.record or {}).get("site")
    again = cleaner.clean(RawArticle("p", "p", once, site=site_after)).result
    assert text_of(again) == once


# What a second cleaning of clean output must leave as the first left it: the text and what
# follows from it. (Fields may differ: the first run saw lines its chrome rules then removed.)
SAME_AGAIN = ("text", "sha256", "n_chars", "n_words", "lang", "site")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(document, min_size=1, max_size=4).map("\n".join), st.sampled_from(SITES))
def test_a_second_cleaning_of_a_record_changes_nothing(
    cleaner: Cleaner, text: str, site: str | None
) -> None:
    first = cleaner.clean(RawArticle("p", "p", text, site=site)).result
    if not isinstance(first, Record):
        return
    again = cleaner.clean(RawArticle("p", "p", first.text, site=first.site)).result
    assert isinstance(again, Record), again
    assert {k: getattr(again, k) for k in SAME_AGAIN} == {k: getattr(first, k) for k in SAME_AGAIN}
    # The counts that describe the second run: it repaired nothing and no rule or step acted.
    assert (again.repairs, again.rules, again.steps) == ((), (), ())


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document)
def test_same_text_same_record(cleaner: Cleaner, text: str) -> None:
    a = cleaner.clean(RawArticle("p", "p", text.encode("utf-8"))).result
    b = cleaner.clean(RawArticle("p", "p", text.encode("utf-8"))).result
    assert a == b


# -- articles read = records + rejects, on any mix of inputs ---------------------------------

jsonl_line = st.one_of(
    document.map(lambda t: json.dumps({"text": t})),
    st.fixed_dictionaries(
        {"id": st.one_of(st.text(max_size=5), st.integers(), st.none()), "text": document}
    ).map(json.dumps),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),  # broken lines
    st.sampled_from(["{}", "[]", "null", '{"text": 1}', '{"text": NaN}', "[" * 3000]),
)
input_file = st.one_of(
    st.tuples(st.just(".txt"), document.map(str.encode)),
    st.tuples(st.just(".txt"), st.binary(max_size=300)),
    st.tuples(
        st.just(".jsonl"), st.lists(jsonl_line, max_size=6).map(lambda ls: "\n".join(ls).encode())
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(input_file, min_size=1, max_size=6))
def test_every_article_read_is_a_record_or_a_reject(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes]]
) -> None:
    tmp = tmp_path_factory.mktemp("mix")
    src = tmp / "in"
    src.mkdir()
    expected = 0
    for i, (suffix, data) in enumerate(files):
        (src / f"{i}{suffix}").write_bytes(data)
        expected += 1 if suffix == ".txt" else sum(1 for x in data.split(b"\n") if x.strip())
    out = tmp / "out"
    assert main(["run", str(src), "-o", str(out), "--rules", str(RULES)]) == 0
    n = {f: len((out / f).read_bytes().splitlines()) for f in ("articles.jsonl", "rejects.jsonl")}
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["articles_read"] == expected == n["articles.jsonl"] + n["rejects.jsonl"]
    assert summary["records_written"] == n["articles.jsonl"]


# -- idempotence of a whole run --------------------------------------------------------------


def test_cleaning_a_runs_output_again_changes_nothing(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["run", str(SEEDS), "-o", str(first), "--rules", str(RULES)]) == 0
    again = [str(first / "articles.jsonl"), "-o", str(second), "--rules", str(RULES)]
    assert main(["run", *again]) == 0
    before = [json.loads(x) for x in (first / "articles.jsonl").read_text("utf-8").splitlines()]
    after = [json.loads(x) for x in (second / "articles.jsonl").read_text("utf-8").splitlines()]
    assert [r["text"] for r in after] == [r["text"] for r in before]
    assert [r["rules"] for r in after] == [[] for _ in before]  # no rule found anything to do
    assert [r["steps"] for r in after] == [[] for _ in before]  # no step changed the text


# -- no rule removes more than its examples allow, on the seeds ------------------------------
#
# A rule's examples are its specification: they show what it removes. The property bounds what
# each rule removes from real text by what its examples show, on two measures of reach:
#   - the longest line it removes whole, in words (a drop or cut that takes a 35-word line when
#     its examples only ever take 5-word lines is reaching into article text);
#   - the most characters it strips from a line that stays (strip_span).
# Each rule is measured alone and run to a fixpoint, exactly as its examples are checked, on
# each seed its pack is selected for. A rule that legitimately reaches further must show it in
# an example, so that a reviewer sees it.


def _seed_cases() -> list[tuple[str, str]]:
    cleaner = Cleaner.from_paths([RULES])
    cases: list[tuple[str, str]] = []
    for seed in sorted(SEEDS.glob("*.txt")):
        text = decode(seed.read_bytes()).text or ""
        lines = normalize_lines(cleaner.repair_text(text)[0])
        for group in cleaner.rules.select("\n".join(lines)).groups:
            cases.extend((seed.name, rule.id) for rule in group.chrome_rules)
    return cases


@pytest.mark.parametrize(("seed", "rule_id"), _seed_cases())
def test_no_rule_removes_more_than_its_examples_allow(
    cleaner: Cleaner, seed: str, rule_id: str
) -> None:
    rule = cleaner.rules.rules[rule_id]
    text = decode((SEEDS / seed).read_bytes()).text or ""
    lines = normalize_lines(cleaner.repair_text(text)[0])
    allowed = example_reach(rule)
    whole, stripped = reach(rule, lines)
    assert whole <= allowed[0], (
        f"{rule_id} removes a {whole}-word line from {seed}; its examples show at most "
        f"{allowed[0]} words: add an example that shows it, or narrow the rule"
    )
    assert stripped <= allowed[1], (
        f"{rule_id} strips {stripped} characters from a line of {seed}; its examples show at "
        f"most {allowed[1]}"
    )


def test_the_reach_measure_sees_an_overreaching_rule(tmp_path: Path) -> None:
    """The property has teeth: a rule whose examples show short lines, run on a long one."""
    yaml = (
        "pack: t\ndescription: T.\nscope: site\nmatch: {domains: [t.test]}\nrules:\n"
        "  - id: t-share\n    kind: drop_line\n    description: T.\n    pattern: 'share'\n"
        '    examples:\n      - input: "a\\nshare this"\n        output: "a"\n'
        "  - id: t-span\n    kind: strip_span\n    description: T.\n    pattern: ' [|] .*$'\n"
        '    examples:\n      - input: "Title | Site"\n        output: "Title"\n'
    )
    (tmp_path / "t.yaml").write_text(yaml, "utf-8")
    ((share, span),) = [p.rules for p in load_packs([tmp_path])]
    assert reach(share, ["a", "share this"]) == (2, 0)
    assert reach(share, ["a", "we share the view that the plan will work well"]) == (10, 0)
    assert reach(span, ["Title | Site"]) == (0, 7)
    long_tail = "Title | a much longer tail that is not a site name"
    assert reach(span, [long_tail, "x"]) == (0, len(long_tail) - len("Title"))


# -- determinism across worker counts --------------------------------------------------------


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(input_file, min_size=1, max_size=8), st.integers(2, 4))
def test_same_bytes_whatever_the_worker_count(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes]], workers: int
) -> None:
    tmp = tmp_path_factory.mktemp("workers")
    src = tmp / "in"
    src.mkdir()
    for i, (suffix, data) in enumerate(files):
        (src / f"{i}{suffix}").write_bytes(data)
    outputs = []
    for j in (1, workers):
        out = tmp / f"out{j}"
        assert main(["run", str(src), "-o", str(out), "-j", str(j), "--rules", str(RULES)]) == 0
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0] == outputs[1]


def test_repairing_repaired_text_changes_nothing(cleaner: Cleaner) -> None:
    """Found by the idempotence property: one ftfy pass turns 'Â\\x80' into 'Â€', a second
    'Â€' into '€'. Repair now runs to a fixpoint."""
    text = "\xa0Â\x80 is the price of the text of this article, and more words follow here."
    first = cleaner.clean(RawArticle("a", "a", text.encode()))
    assert isinstance(first.result, Record)
    again = cleaner.clean(RawArticle("a", "a", first.result.text.encode()))
    assert isinstance(again.result, Record)
    assert again.result.text == first.result.text
    assert again.result.repairs == ()
