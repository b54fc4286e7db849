"""Hostile input, round two (issue 18), part B: text decoding, JSONL encodings, Parquet types and
rule packs. Each test failed on the main branch before its fix.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from cleaner.cli import main
from tests.conftest import RULES
from tests.test_hostile_input import GOOD, codes, run_ok

LINE = "A real sentence about the economy and its many interesting parts today.\n"


# --- 15: one NUL byte is not a binary file -------------------------------------------------


def test_one_nul_inside_text_is_removed_and_said(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    data = (LINE * 20).encode()
    (src / "stray.txt").write_bytes(data[:700] + b"\x00" + data[700:])
    got = run_ok([str(src)], tmp_path / "out")
    assert got["rejects.jsonl"] == []
    (record,) = got["articles.jsonl"]
    assert "\x00" not in record["text"]
    assert record["repairs"] == ["scrub:nul"]


@pytest.mark.parametrize(
    "head",
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\x00"],
    ids=["pdf", "png", "zip", "nul-first"],
)
def test_binary_signatures_are_still_binary(tmp_path: Path, head: bytes) -> None:
    """What is binary stays binary though its head holds few control bytes (sibling of 15)."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "doc.txt").write_bytes(head + (LINE * 20).encode())
    got = run_ok([str(src)], tmp_path / "out")
    assert codes(got["rejects.jsonl"]) == {"doc": ["binary_input"]}


# --- 18: UTF-16/32 JSONL -------------------------------------------------------------------


def _jsonl(n: int) -> str:
    text = "Ünïcode: " + GOOD
    return "".join(
        json.dumps({"id": f"a{i}", "text": text}, ensure_ascii=False) + "\n" for i in range(n)
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_jsonl_in_utf16_or_utf32_reads_each_article_once(tmp_path: Path, encoding: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "wide.jsonl").write_bytes(_jsonl(5).encode(encoding))
    got = run_ok([str(src)], tmp_path / "out")
    assert got["summary"]["articles_read"] == 5
    assert got["rejects.jsonl"] == []
    assert [r["id"] for r in got["articles.jsonl"]] == [f"a{i}" for i in range(5)]
    assert all(r["text"].startswith("Ünïcode: ") for r in got["articles.jsonl"])


def test_gzipped_utf16_jsonl(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "wide.jsonl.gz").write_bytes(gzip.compress(_jsonl(3).encode("utf-16")))
    got = run_ok([str(src)], tmp_path / "out")
    assert [r["id"] for r in got["articles.jsonl"]] == ["a0", "a1", "a2"]


# --- 19: a UTF-8 file with a cp1252 line ---------------------------------------------------


def test_mixed_utf8_and_cp1252_lines_are_decoded_per_line(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    data = (
        LINE * 3 + "Café crème in Zürich.\n"
    ).encode() + "Le café était très bon à Zürich.\n".encode("cp1252")
    (src / "mixed.txt").write_bytes(data)
    got = run_ok([str(src)], tmp_path / "out")
    (record,) = got["articles.jsonl"]
    assert record["text"].endswith("Café crème in Zürich.\nLe café était très bon à Zürich.")
    assert record["encoding"] == "utf-8+cp1252"
    assert record["fields_from"]["encoding"] == "per line: utf-8, cp1252 on line 5"


def test_all_cp1252_file_is_still_detected_whole(tmp_path: Path) -> None:
    """No UTF-8 evidence: the file is read in one charset, as before (the per-line path's
    sibling that must not change)."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "legacy.txt").write_bytes((LINE * 3 + "Le café était très bon.\n").encode("cp1252"))
    got = run_ok([str(src)], tmp_path / "out")
    (record,) = got["articles.jsonl"]
    assert record["encoding"] == "cp1252"
    assert "encoding" not in record["fields_from"]
    assert record["text"].endswith("Le café était très bon.")


# --- 30: the same rules reached twice ------------------------------------------------------


def test_same_rules_folder_twice_loads_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-rules", "--rules", str(RULES), "--rules", str(RULES)]) == 0
    assert main(["check-rules", "--rules", str(RULES), "--rules", str(RULES / "generic")]) == 0
    assert "duplicate" not in capsys.readouterr().err


def test_a_real_duplicate_names_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    # An identical copy (same name, same bytes) is the same pack, loaded once; an edited one
    # is a second pack of the same name.
    shutil.copy(RULES / "generic" / "chatbot.yaml", copy / "chatbot.yaml")
    assert main(["check-rules", "--rules", str(RULES), "--rules", str(copy)]) == 0
    with (copy / "chatbot.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# edited\n")
    assert main(["check-rules", "--rules", str(RULES), "--rules", str(copy)]) == 2
    err = capsys.readouterr().err
    original = RULES / "generic" / "chatbot.yaml"
    assert f"{copy / 'chatbot.yaml'}:1: duplicate pack name 'chatbot' (also in {original}:1)" in err


# --- 29: a pack's domains are host names ---------------------------------------------------

BAD_DOMAINS = """\
pack: x
description: A test pack.
scope: site
match:
  domains:
    - ok.example.com
    - "https://www.example.com/news/"
    - ""
    - "exa mple.com"
    - "../../etc"
  fingerprints:
    - literal: "| Example"
rules: []
"""


def test_domains_that_are_not_host_names_fail_at_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.yaml").write_text(BAD_DOMAINS, "utf-8")
    assert main(["check-rules", "--rules", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    where = tmp_path / "x.yaml"
    assert (
        f"{where}:7: pack 'x': domains[1]: 'https://www.example.com/news/' is not a host name; "
        "did you mean 'www.example.com'?"
    ) in err
    for line, i, value in ((8, 2, ""), (9, 3, "exa mple.com"), (10, 4, "../../etc")):
        assert f"{where}:{line}: pack 'x': domains[{i}]: {value!r} is not a host name" in err
    assert "domains[0]" not in err


def test_site_from_a_malformed_url_is_no_site() -> None:
    """The sibling on the input side: a URL whose host is not a host name gives no site."""
    from cleaner.engine.ruleset import domain_of

    assert domain_of("http://../../etc/passwd") is None
    assert domain_of("http://[::1]/x") is None
    assert domain_of("https://www.Example.com/news/") == "example.com"
    assert domain_of("https://my_blog.example.com/") == "my_blog.example.com"


# --- 31: every refused regex feature is named ----------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "feature"),
    [
        (r"(?P<w>\w+) (?P=w)", "a named backreference '(?P=name)'"),
        (r"(?P<w>\w+) \k<w>", "a named backreference '\\k<name>'"),
        (r"(a)\g{1}", "a backreference '\\g{...}'"),
        (r"a++b", "a possessive quantifier"),
        (r"a{2}+b", "a possessive quantifier"),
        (r"(?>ab)c", "atomic group '(?>...)'"),
        (r"(a)?(?(1)b|c)", "a conditional '(?(1)...|...)'"),
        (r"\Gfoo", "the '\\G' anchor"),
        (r"\((?:[^()]|(?R))*\)", "recursion or a subroutine call"),
        (r"(?|a|b)", "a branch reset"),
        (r"a\Kb", "'\\K'"),
        (r"(?x)a b", "an inline flag other than i, m, s, U"),
    ],
)
def test_refused_regex_features_are_named(pattern: str, feature: str) -> None:
    from cleaner.engine.regex import PatternError, compile_pattern

    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    message = str(info.value)
    assert message.startswith(f"uses {feature}")
    assert "rewrite: " in message


def test_supported_named_groups_and_escaped_lookalikes_still_compile() -> None:
    """RE2 does support '(?<name>...)'; an escaped '\\(?=' is a literal, not a lookahead."""
    from cleaner.engine.regex import compile_pattern

    assert compile_pattern(r"(?<w>\w+)").search("word") is not None
    assert compile_pattern(r"\(?=x").search("(=x") is not None


# --- 32: ids of files with the same name, and names that are not UTF-8 ---------------------


def test_same_file_name_in_two_folders_gives_two_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("in/a", "in/b"):
        Path(folder).mkdir(parents=True)
        Path(folder, "story.txt").write_text(GOOD, "utf-8")
    Path("in/a/alone.txt").write_text(GOOD, "utf-8")
    Path("in/b/data.jsonl").write_text(json.dumps({"text": GOOD}) + "\n", "utf-8")
    Path("in/data.jsonl").write_text(json.dumps({"text": GOOD}) + "\n", "utf-8")
    got = run_ok(["in"], tmp_path / "out")
    ids = sorted(r["id"] for r in got["articles.jsonl"])
    # A name no other file has keeps its id; the shared ones take the path 'source' shows.
    assert ids == ["alone", "in/a/story", "in/b/data:1", "in/b/story", "in/data:1"]


def test_same_file_given_twice_gives_two_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("story.txt").write_text(GOOD, "utf-8")
    got = run_ok(["story.txt", "story.txt"], tmp_path / "out")
    assert [r["id"] for r in got["articles.jsonl"]] == ["story", "story#2"]


def test_undecodable_name_and_its_lookalike_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name with the byte 0xE9 and a valid name spelling '\\xe9' used to show alike."""
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    with open(b"in/caf\xe9.txt", "wb") as fh:
        fh.write(GOOD.encode())
    Path("in/caf\\xe9.txt").write_text(GOOD, "utf-8")
    got = run_ok(["in"], tmp_path / "out")
    records = got["articles.jsonl"]
    assert sorted(r["source"] for r in records) == ["in/caf\\\\xe9.txt", "in/caf\\xe9.txt"]
    assert sorted(r["id"] for r in records) == ["caf\\\\xe9", "caf\\xe9"]


# --- 23: rules and text in the same Unicode normal form ------------------------------------

NFD_CAFE = "Cafe\u0301 du jour"  # 'é' as 'e' and a combining acute accent
NFC_CAFE = "Caf\u00e9 du jour"
NFD_PACK = f"""\
pack: nfd
description: A literal typed in NFD.
scope: site
match: {{domains: [nfd.test]}}
rules:
  - id: nfd-drop
    kind: drop_line
    description: The daily box.
    literal: "{NFD_CAFE}"
    examples:
      - input: "{NFD_CAFE}\\nText."
        output: "Text."
"""


@pytest.mark.parametrize("typed", [NFC_CAFE, NFD_CAFE], ids=["nfc-text", "nfd-text"])
def test_nfd_literal_matches_text_however_it_is_typed(tmp_path: Path, typed: str) -> None:
    from cleaner.pipeline import Cleaner
    from cleaner.record import RawArticle, Record

    shutil.copy(RULES / "config.yaml", tmp_path / "config.yaml")
    (tmp_path / "nfd.yaml").write_text(NFD_PACK, "utf-8")
    cleaner = Cleaner.from_paths([tmp_path])
    text = f"{typed}\n{GOOD}\nCaf\u00e9s open late: cre\u0300me bru\u0302le\u0301e for all."
    result = cleaner.clean(RawArticle("x", "x", text, site="nfd.test")).result
    assert isinstance(result, Record)
    assert "Caf" not in result.text.splitlines()[0]  # the box is gone
    assert "crème brûlée" in result.text  # the text itself is NFC, as configured
    assert "normalize:NFC" in result.repairs
    assert [r["rule"] for r in result.rules] == ["nfd-drop"]


def test_normalization_none_leaves_text_and_rules_as_written(tmp_path: Path) -> None:
    from cleaner.pipeline import Cleaner
    from cleaner.record import RawArticle, Record

    (tmp_path / "config.yaml").write_text("repair:\n  normalization: none\n", "utf-8")
    (tmp_path / "nfd.yaml").write_text(NFD_PACK, "utf-8")
    cleaner = Cleaner.from_paths([tmp_path])
    text = f"{NFC_CAFE}\n{GOOD}\nCre\u0300me."
    result = cleaner.clean(RawArticle("x", "x", text, site="nfd.test")).result
    assert isinstance(result, Record)
    assert result.text.startswith(NFC_CAFE)  # NFC text, NFD literal: no match, as configured
    assert result.text.endswith("Cre\u0300me.")


def test_fingerprints_that_match_every_article_or_none_fail_at_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sibling of 29 on the fingerprint side: an empty literal or '^' picked every article
    without a URL for the pack; a blank literal none."""
    pack = BAD_DOMAINS.split("  domains:")[0] + (
        '  fingerprints:\n    - literal: ""\n    - pattern: "^"\n    - literal: "   "\n'
        '    - literal: "| Example"\nrules: []\n'
    )
    (tmp_path / "x.yaml").write_text(pack, "utf-8")
    assert main(["check-rules", "--rules", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    where = tmp_path / "x.yaml"
    assert err[:3] == [
        f"{where}:6: pack 'x': fingerprint '' matches every article; give text only this site prints",
        f"{where}:7: pack 'x': fingerprint '^' matches every article; give text only this site prints",
        f"{where}:8: pack 'x': fingerprint '   ' is blank: matches none; give text only this site prints",
    ]
