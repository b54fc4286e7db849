"""The five seed articles come out right, and `cleaned/` is exactly what `cleaner run` writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.cli import main
from tests.conftest import CLEANED, RULES, SEEDS

OUTPUTS = ("articles.jsonl", "rejects.jsonl", "summary.json")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds-out")
    assert main(["run", str(SEEDS), "-o", str(out), "--rules", str(RULES)]) == 0
    return out


@pytest.fixture(scope="module")
def records(fresh: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    rows = [json.loads(x) for x in (fresh / "articles.jsonl").read_text("utf-8").splitlines()]
    return {r["id"][:3]: r for r in rows}


@pytest.mark.parametrize("name", OUTPUTS)
def test_committed_output_is_current(fresh: Path, name: str) -> None:
    assert (fresh / name).read_bytes() == (CLEANED / name).read_bytes(), (
        f"cleaned/{name} is stale: run `cleaner run seeds -o cleaned` and review the diff"
    )


def test_all_five_are_written_in_english(records: dict[str, dict]) -> None:  # type: ignore[type-arg]
    assert sorted(records) == ["000", "001", "002", "003", "004"]
    assert {r["lang"] for r in records.values()} == {"en"}
    assert (CLEANED / "rejects.jsonl").read_text() == ""


def test_000_shulou(records: dict[str, dict]) -> None:  # type: ignore[type-arg]
    r = records["000"]
    text = r["text"]
    assert text.startswith("CTOnews.com September 12 news, Alibaba Group's new CEO Wu Yongming")
    assert text.endswith("September 12, 2023")
    for gone in (
        "Network Security Internet Technology",
        "In addition to Weibo, there is also WeChat",
        "Please pay attention",
        "WeChat public account",
        "Shulou",
        "Update From",
        "\nShare\n",
        "Report--",
        "Welcome to subscribe",
        "Views: 0",
        "The comments in the above article",
        "Share To",
        "Wechat",
        "©",
        "All rights reserved",
    ):
        assert gone not in text, gone
    assert (
        "\n\nWu Yongming\n\nChief Executive Officer of Alibaba Group\n\nSeptember 12, 2023" in text
    )
    assert r["title"] == (
        "Wu Yongming, Ali's new CEO: within 4 years, the post-85 and post-90s generation should be "
        "the main managers."
    )
    assert (r["date_published"], r["date_updated"]) == ("2023-09-12", "2025-01-15")


def test_001_chatbot_tail(records: dict[str, dict]) -> None:  # type: ignore[type-arg]
    original = (SEEDS / "001_55b0bdf7265a22e0.txt").read_text("utf-8").splitlines()
    assert original[-1] == "Would you like an Instagram or LinkedIn post based on this summary?"
    assert records["001"]["text"].splitlines() == original[:-1]
    assert "\nConclusion\n" in records["001"]["text"]
    assert records["001"]["date_published"] is None


def test_002_krasia(records: dict[str, dict]) -> None:  # type: ignore[type-arg]
    r = records["002"]
    text = r["text"]
    for gone in (
        "FB Pixel no script",
        " | KrASIA",
        "Written by Nikkei Asia",
        "3 mins read",
        "This article first appeared",
        "It has been republished here",
        "Auto loading next article",
    ):
        assert gone not in text, gone
    assert text.count("Alibaba can advance in 2023, says CEO") == 1
    assert (
        "\nDaniel Zhang takes greater control of tech group’s important cloud business.\n" in text
    )
    assert r["title"] == "Alibaba can advance in 2023, says CEO, after China's COVID U-turn"
    assert r["author"] == "Nikkei Asia"
    assert (r["date_published"], r["date_updated"]) == (None, None)


def test_003_scmp(records: dict[str, dict]) -> None:  # type: ignore[type-arg]
    original = (SEEDS / "003_1bab8ad11751d2c7.txt").read_text("utf-8")
    assert original.startswith(" date 2023-05-10 ")
    assert records["003"]["text"] == original.removeprefix(" date 2023-05-10 ")
    assert records["003"]["date_published"] == "2023-05-10"


def test_004_pandaily(records: dict[str, dict]) -> None:  # type: ignore[type-arg]
    r = records["004"]
    assert "SEE ALSO" not in r["text"]
    assert "Xiaomi Not Abandoning Surge Chipsets" not in r["text"]
    assert (
        r["title"] == "Xiaomi's CEO Announces Upgraded Core Strategy for Next Decade: Mobile × AIoT"
    )
    assert r["date_published"] is None  # "Aug. 16" has no year, and a year is never guessed
    original = [
        x.strip()
        for x in (SEEDS / "004_bfc1f0876cff9b3f.txt").read_text("utf-8").splitlines()
        if x.strip()
    ]
    assert [x for x in r["text"].splitlines() if x] == [
        x for x in original if not x.startswith("SEE ALSO:")
    ]


def test_records_name_the_rules_that_changed_them(records: dict[str, dict]) -> None:  # type: ignore[type-arg]
    assert [e["rule"] for e in records["001"]["rules"]] == ["chatbot-tail-offer-question"]
    assert records["001"]["rules"][0]["removed_chars"] == len(
        "Would you like an Instagram or LinkedIn post based on this summary?"
    )
    assert records["002"]["fields_from"] == {"title": "krasia-title", "author": "krasia-author"}
