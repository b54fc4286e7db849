"""Fuzzing the readers and the pipeline with hypothesis, bounded for CI.

Longer runs of the same targets: ``python -m bench.fuzz`` (hypothesis) and
``python -m bench.fuzz_atheris`` (coverage-guided, where atheris installs).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.fuzz_targets import (
    check_result,
    fuzz_clean,
    fuzz_deep_meta,
    fuzz_jsonl,
    fuzz_rule_file,
    fuzz_warc,
    fuzz_zst,
)
from cleaner.cli import main
from cleaner.pipeline import Cleaner
from cleaner.record import Record
from tests.conftest import RULES
from tests.test_properties import document

# Every code point, lone surrogates included (hypothesis leaves them out by default).
any_char = st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr))
hostile_text = st.one_of(
    st.text(any_char, max_size=200),
    document,
    st.lists(st.sampled_from(["\x00", "\r", "\u2028", "\ufeff", "\u202e", "é", " ", "\n"])).map(
        "".join
    ),
)
hostile_bytes = st.one_of(
    st.binary(max_size=400),
    hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    document.map(lambda t: t.encode("utf-16")),
    document.map(lambda t: t.encode("cp1252", "replace")),
)
urls = st.one_of(
    st.none(),
    st.text(any_char, max_size=30),
    st.sampled_from(["http://[::1", "https://krasia.com/a", "//shulou.com", "http://a:99999/"]),
)
FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(hostile_bytes, urls, urls)
def test_fuzz_pipeline_bytes(
    cleaner: Cleaner, data: bytes, url: str | None, site: str | None
) -> None:
    fuzz_clean(cleaner, data, url=url, site=site)


@FUZZ
@given(hostile_text, urls)
def test_fuzz_pipeline_text(cleaner: Cleaner, text: str, url: str | None) -> None:
    fuzz_clean(cleaner, text, url=url)


# Markup: tags opened and not closed, closed and never opened, nested deep, cut anywhere.
tag = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<table><tr><td>",
        "<b><i>",
        "<html>",
        "<body>",
        "<head><title>",
        "</title>",
        "<meta charset='x-bogus'>",
        "<br/>",
        "<![CDATA[",
        "]]>",
        "<svg><math>",
        "<a href='javascript:x'>",
        "&nbsp;",
        "&#0;",
        "&#x110000;",
        "<",
        ">",
        '<p class="',
        "<?php ",
        "<!DOCTYPE html>",
    ]
)
page = st.one_of(
    st.lists(st.one_of(tag, document, st.text(any_char, max_size=20)), max_size=40).map("".join),
    st.tuples(st.integers(1, 3000), document).map(lambda t: "<div>" * t[0] + t[1]),
)


@settings(FUZZ, max_examples=100)  # a page costs ~50 times a text; bench/fuzz.py runs more
@given(page, st.booleans(), urls)
def test_fuzz_pipeline_html(cleaner: Cleaner, html: str, as_bytes: bool, url: str | None) -> None:
    data: str | bytes = html.encode("utf-8", "surrogatepass") if as_bytes else html
    fuzz_clean(cleaner, data, url=url, html=True)


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(any_char, max_size=10)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
jsonl_line = st.one_of(
    st.dictionaries(
        st.sampled_from(["id", "text", "url", "site", "meta", "x"]), json_value, max_size=5
    ).map(lambda d: json.dumps(d).encode()),
    st.fixed_dictionaries({"id": json_value, "text": hostile_text}).map(
        lambda d: json.dumps(d).encode()
    ),
    st.binary(max_size=100).filter(lambda b: b"\n" not in b),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
)


@FUZZ
@given(st.lists(jsonl_line, max_size=8), st.sampled_from([b"\n", b"\r\n"]), st.integers(8, 300))
def test_fuzz_jsonl_reader(cleaner: Cleaner, lines: list[bytes], sep: bytes, limit: int) -> None:
    fuzz_jsonl(cleaner, sep.join(lines), max_bytes=limit)


# .jsonl.zst files of one or more frames, cut anywhere, with one byte flipped or not.
zst_file = st.tuples(
    st.lists(jsonl_line, max_size=8),
    st.integers(1, 3),
    st.one_of(st.none(), st.integers(0, 1 << 16)),
    st.one_of(st.none(), st.integers(0, 1 << 16)),
)


@FUZZ
@given(zst_file)
# Found by a long run: a binary head once made the file's encoding guess UTF-16, losing it all.
@example(([b"\x00\x01", b'{"id": 0}'], 1, None, None))
def test_fuzz_zst_reader(cleaner: Cleaner, case: tuple[list[bytes], int, Any, Any]) -> None:
    fuzz_zst(cleaner, *case)


# WARC files whose last record is cut anywhere: in its headers, its HTTP head or its page.
warc_file = st.tuples(
    st.lists(page.map(lambda p: p.encode("utf-8", "surrogatepass")), min_size=1, max_size=3),
    st.booleans(),
    st.integers(0, 1 << 16),
)


@FUZZ
@given(warc_file)
def test_fuzz_warc_tail(case: tuple[list[bytes], bool, int]) -> None:
    fuzz_warc(*case)


# Lines whose values nest to any depth around the limit, in lists and objects.
def _nest(depth: int, kinds: list[bool]) -> str:
    opens = "".join('{"k":' if kinds[i % len(kinds)] else "[" for i in range(depth))
    closes = "".join("}" if kinds[i % len(kinds)] else "]" for i in reversed(range(depth)))
    return opens + "1" + closes


deep_line = st.tuples(
    st.one_of(st.integers(0, 130), st.integers(0, 1500)), st.lists(st.booleans(), min_size=1)
).map(
    lambda t: (
        '{"text": "A sentence about the weather and the city council today, again and again.",'
        ' "deep": ' + _nest(*t) + "}"
    ).encode()
)


@FUZZ
@given(deep_line)
def test_fuzz_deep_meta(cleaner: Cleaner, line: bytes) -> None:
    fuzz_deep_meta(cleaner, line)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\0" not in b),
        min_size=1,
        max_size=5,
        unique=True,
    )
)
def test_fuzz_file_names(tmp_path_factory: pytest.TempPathFactory, names: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("names")
    src = tmp / "in"
    src.mkdir()
    for name in names:
        with open(os.path.join(os.fsencode(src), name + b".txt"), "wb") as fh:
            fh.write(b"A sentence about the weather and the city council today.\n" * 3)
    out = tmp / "out"
    assert main(["run", str(src), "-o", str(out), "--rules", str(RULES)]) == 0
    lines = [
        json.loads(line)
        for f in ("articles.jsonl", "rejects.jsonl")
        for line in (out / f).read_text("utf-8").splitlines()
    ]
    assert len(lines) == len(names)


def test_fuzz_targets_catch_what_they_claim(cleaner: Cleaner) -> None:
    """The checks are not vacuous: a record with a NUL or a lone surrogate fails them."""
    good = fuzz_clean(cleaner, "A sentence about the weather and the city council today. " * 3)
    assert isinstance(good, Record)
    with pytest.raises(AssertionError):
        check_result(replace(good, text=good.text + "\x00", n_chars=good.n_chars + 1))
    with pytest.raises(UnicodeError):
        check_result(replace(good, id="\ud800"))


# Rule packs built from the pieces a pack is made of, so the loader goes deep, not just to the
# YAML syntax error.
pattern = st.one_of(
    st.sampled_from(["(a+)+$", "(?<=x)a", "(a)\\1", "[", "x*", "^Share", "\\| Site$", "a{1001}"]),
    st.text(st.sampled_from("ab()[]{}*+?|^$.\\-:,0123"), max_size=12),
)
scalar = st.one_of(
    pattern.map(json.dumps),
    st.sampled_from(["true", "null", "-1", "0", "3", "'x'", "[]", "{}", "&a x", "*a", "!!str x"]),
    st.sampled_from(["!!python/object/apply:os.system ['true']", "~", "1e999", "0x10"]),
)
option = st.tuples(
    st.sampled_from(
        [
            "pattern",
            "literal",
            "line",
            "first_lines",
            "last_lines",
            "max_words",
            "prefix",
            "suffix",
            "keep_marker",
            "occurrence",
            "ignore_case",
            "field",
            "date_format",
            "min",
            "languages",
            "fields",
            "scope",
            "bogus",
        ]
    ),
    scalar,
)
rule_yaml = st.builds(
    lambda rid, kind, opts, ex_in, ex_out: (
        f"  - id: {rid}\n    kind: {kind}\n    description: D.\n"
        + "".join(f"    {k}: {v}\n" for k, v in opts)
        + f"    examples:\n      - input: {json.dumps(ex_in)}\n        output: {json.dumps(ex_out)}\n"
    ),
    st.sampled_from(["r-1", "r-1", "R 2", "r-3"]),
    st.sampled_from(
        [
            "drop_line",
            "cut_before",
            "cut_after",
            "strip_span",
            "extract",
            "drop_duplicate_line",
            "min_words",
            "required_fields",
            "nope",
        ]
    ),
    st.lists(option, max_size=4, unique_by=lambda kv: kv[0]),
    st.text(max_size=30),
    st.text(max_size=30),
)
pack_yaml = st.builds(
    lambda scope, rules, junk: (
        f"pack: fuzz\ndescription: D.\nscope: {scope}\nmatch: {{domains: [fuzz.test]}}\n"
        f"rules:\n{''.join(rules)}{junk}"
    ),
    st.sampled_from(["site", "generic", "other"]),
    st.lists(rule_yaml, min_size=1, max_size=3),
    st.sampled_from(["", "\n\t", "\n- x", "\nextra: 1\n", "\n" + "[" * 60]),
)


simple_pack = st.builds(
    lambda kind, pat: (
        "pack: fuzz\ndescription: D.\nscope: site\nmatch: {domains: [fuzz.test]}\nrules:\n"
        f"  - id: r-1\n    kind: {kind}\n    description: D.\n    pattern: {json.dumps(pat)}\n"
        '    examples:\n      - input: "x"\n        output: "x"\n'
    ),
    st.sampled_from(["drop_line", "strip_span", "cut_after", "cut_before"]),
    pattern,
)


@FUZZ
@given(st.one_of(pack_yaml, simple_pack, st.binary(max_size=300)))
def test_fuzz_rule_files(data: str | bytes) -> None:
    fuzz_rule_file(data)
