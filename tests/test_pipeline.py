"""The pipeline's steps, one behaviour at a time."""

from __future__ import annotations

import json
from pathlib import Path

from cleaner.cli import main
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject
from cleaner.steps.decode import decode
from cleaner.steps.normalize import normalize_lines
from tests.conftest import RULES, SEEDS

BODY = "The council approved the new budget on Tuesday after a long debate about schools.\n" * 3


def clean(cleaner: Cleaner, data: bytes | str, **kw: str) -> Record:
    result = cleaner.clean(RawArticle("t", "t", data, **kw)).result
    assert isinstance(result, Record), result
    return result


def test_mojibake_is_repaired_and_the_repair_recorded(cleaner: Cleaner) -> None:
    broken = "The company’s ‘core’ values — matter.\n".encode().decode("cp1252") + BODY
    record = clean(cleaner, broken.encode("utf-8"))
    assert record.text.startswith("The company’s ‘core’ values — matter.")
    assert record.repairs == ("encode:sloppy-windows-1252", "decode:utf-8")


def test_clean_typography_is_left_alone(cleaner: Cleaner) -> None:
    text = "Xiaomi’s strategy: “Mobile × AIoT” — and more.\n" + BODY
    record = clean(cleaner, text.encode("utf-8"))
    assert record.text.splitlines()[0] == "Xiaomi’s strategy: “Mobile × AIoT” — and more."
    assert record.repairs == ()


def test_whitespace_is_normalised() -> None:
    text = "  a\u00a0\u00a0b \t c  \r\n\r\n\r\n\r\nd\u200b e\n\n"
    assert normalize_lines(text) == ["a b c", "", "d e"]


def test_utf8_bom_and_charset_are_recorded() -> None:
    assert decode(b"\xef\xbb\xbfhello").encoding == "utf-8-sig"
    assert decode("Grüße aus München, schöne Grüße".encode("cp1252")).encoding == "cp1252"


def test_site_pack_by_domain_including_subdomains(cleaner: Cleaner) -> None:
    text = "Headline here\n\nWritten by Ann Lee Published on 3 mins read\n\n" + BODY
    record = clean(cleaner, text, url="https://asia.krasia.com/some/article")
    assert record.site == "asia.krasia.com"
    assert "Written by" not in record.text
    assert record.author == "Ann Lee"
    assert {r["pack"] for r in record.rules} == {"krasia.com"}


def test_url_of_another_site_ignores_fingerprints(cleaner: Cleaner) -> None:
    text = "Title | KrASIA\nWritten by Ann Lee Published on 3 mins read\n" + BODY
    record = clean(cleaner, text, url="https://example.org/x")
    assert record.text.startswith("Title | KrASIA\nWritten by Ann Lee")
    assert record.site == "example.org"


def test_fingerprint_selects_a_site_pack_without_url(cleaner: Cleaner) -> None:
    record = clean(
        cleaner, "Title | KrASIA\n\nWritten by Ann Lee Published on 3 mins read\n" + BODY
    )
    assert record.site == "krasia.com"
    assert record.title == "Title"
    assert record.fields_from == {"title": "krasia-title", "author": "krasia-author"}


def test_selection_reports_why(cleaner: Cleaner) -> None:
    sel = cleaner.rules.select("x\nShulou(Shulou.com)11/24 Report--\n")
    assert sel.reasons["shulou.com"] == "fingerprint 'Shulou\\\\(Shulou\\\\.com\\\\)'"
    assert (
        cleaner.rules.select("x", url="http://shulou.com/a").reasons["shulou.com"]
        == "domain shulou.com"
    )


def test_a_year_is_never_guessed(cleaner: Cleaner) -> None:
    text = (SEEDS / "004_bfc1f0876cff9b3f.txt").read_bytes()
    assert clean(cleaner, text).date_published is None


def test_custom_schema_rejects_with_field(tmp_path: Path) -> None:
    schema = json.loads(
        (Path(__file__).parent.parent / "cleaner" / "record.schema.json").read_text()
    )
    schema["properties"]["title"] = {"type": "string"}
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema), "utf-8")
    out = tmp_path / "out"
    assert (
        main(
            ["run", str(SEEDS), "-o", str(out), "--rules", str(RULES), "--schema", str(schema_path)]
        )
        == 0
    )
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rejects] == ["001_55b0bdf7265a22e0", "003_1bab8ad11751d2c7"]
    assert rejects[0]["reasons"] == [
        {"code": "schema", "field": "title", "message": "None is not of type 'string'"}
    ]
    assert rejects[0]["record"]["text"]


def test_document_filters_reject_with_rule_and_reason(tmp_path: Path) -> None:
    (tmp_path / "filters.yaml").write_text(
        """\
pack: filters
description: Document filters.
scope: generic
rules:
  - id: keep-english
    kind: allowed_languages
    description: Only English.
    languages: [en]
    examples:
      - input: "Le conseil municipal a approuvé le budget mardi après un long débat."
        rejects: lang_not_allowed
  - id: need-title
    kind: required_fields
    description: A title is required.
    fields: [title]
    examples:
      - input: "Text"
        rejects: missing_field
  - id: enough-words
    kind: min_words
    description: At least five words.
    min: 5
    examples:
      - input: "Too short"
        rejects: too_short
      - input: "This one has enough words."
        rejects: null
""",
        "utf-8",
    )
    c = Cleaner.from_paths([tmp_path])
    result = c.clean(RawArticle("f", "f", "Le conseil a voté.".encode())).result
    assert isinstance(result, Reject)
    assert [(r.code, r.rule, r.field) for r in result.reasons] == [
        ("lang_not_allowed", "keep-english", "lang"),
        ("missing_field", "need-title", "title"),
        ("too_short", "enough-words", None),
    ]
    assert result.record is not None
