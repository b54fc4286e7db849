"""Properties that hold for any input: cleaning is idempotent and deterministic."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.engine.load import load_packs
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject
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


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document)
def test_same_text_same_record(cleaner: Cleaner, text: str) -> None:
    a = cleaner.clean(RawArticle("p", "p", text.encode("utf-8"))).result
    b = cleaner.clean(RawArticle("p", "p", text.encode("utf-8"))).result
    assert a == b
