"""The rule reference and the README's kinds table are generated from the code; stale is a failure."""

from __future__ import annotations

from cleaner import docs


def test_reference_docs_are_fresh() -> None:
    assert docs.main(["--check"]) == 0, "run: python -m cleaner.docs"


def test_every_kind_and_option_is_documented() -> None:
    text = docs.rules_md()
    for kind in docs.KINDS.values():
        assert f"### `{kind.name}`" in text
        for opt in kind.declared():
            assert f"| `{opt.name}` |" in text
