"""Drafts put arbitrary page text into YAML: every string must read back exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.authoring.yamlwrite import flow_list, scalar, text_block
from cleaner.engine.yamlsafe import load_yaml

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text)
def test_scalars_read_back(value: str) -> None:
    assert load_yaml(f"key: {scalar(value)}\n", "t.yaml")["key"] == value


@settings(max_examples=300, deadline=None)
@given(st.lists(text.filter(lambda s: "\n" not in s), min_size=1, max_size=5))
def test_blocks_and_lists_read_back(lines: list[str]) -> None:
    value = "\n".join(lines)
    doc = "\n".join(["items:", "  - " + text_block("input", value, 4)[0].lstrip()])
    doc += "".join("\n" + line for line in text_block("input", value, 4)[1:])
    doc += f"\nlist: {flow_list(lines)}\n"
    data = load_yaml(doc, "t.yaml")
    assert data["items"][0]["input"] == value
    assert data["list"] == lines
