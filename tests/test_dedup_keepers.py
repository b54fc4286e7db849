"""``corpus.dedup_keeper`` with ``--dedup exact`` (longest, newest, quality), and the quality
score ``keeper: quality`` ranks by: units, any grouping and keyed order, and end to end."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from cleaner.cli import main
from cleaner.pipeline import Cleaner
from cleaner.quality.filters import load_quality, score
from cleaner.record import RawArticle, Record
from cleaner.stages import Drop
from cleaner.stages.dedup import ExactDedup
from cleaner.stages.keepers import RankedExactDedup, quality_value
from tests.conftest import RULES
from tests.test_quality import GOOD


def record(i: str, text: str, **more: Any) -> dict[str, Any]:
    return {"id": i, "source": f"s:{i}", "text": text, "meta": {}, **more}


def docs() -> list[dict[str, Any]]:
    """Three clusters of exact copies (case and punctuation apart) and documents alone."""
    return [
        record("a1", "the same words here", date_published="2021-01-01"),
        record("alone1", "nothing like it"),
        record("a2", "The same words, here!", date_published="2023-01-01"),
        record("b1", "second cluster text"),
        record("a3", "THE SAME WORDS HERE", date_published="2023-01-01"),
        record("b2", "Second cluster text."),
        record("c1", "third one", quality={"score": {"mean_margin": 0.2}}),
        record("c2", "Third one.", quality={"score": {"mean_margin": 0.5}}),
        record("c3", "third ONE", quality={"score": {"mean_margin": 0.5}}),
        record("alone2", "and another"),
    ]


def verdicts(stage: Any, items: list[dict[str, Any]], size: int) -> list[Any]:
    """Scanned in batches of ``size`` merged in input order, saved and loaded, as pass 1 does."""
    state = stage.empty()
    for lo in range(0, len(items), size):
        state.merge(stage.load(stage.scan(items[lo : lo + size]).to_bytes()))
    sealed = stage.seal(stage.load(state.to_bytes()))
    return [stage.apply(d, sealed) for d in items]


def outcome(got: list[Any]) -> dict[str, Any]:
    """id -> the kept id it names (a drop) or its cluster's copies count (kept)."""
    return {
        (v.line["id"] if isinstance(v, Drop) else v["id"]): (
            v.line["duplicate_of"] if isinstance(v, Drop) else v["meta"].get("duplicates", 0)
        )
        for v in got
    }


EXPECTED = {
    # longest: a2 (punctuation); b2; c2 (the first of the two longest)
    "longest": {"a1": "a2", "a2": 2, "a3": "a2", "b1": "b2", "b2": 1, "c1": "c2", "c2": 2, "c3": "c2"},
    # newest: a2 and a3 tie, the first wins; no dates in b: the first
    "newest": {"a1": "a2", "a2": 2, "a3": "a2", "b1": 1, "b2": "b1", "c1": 2, "c2": "c1", "c3": "c1"},
    # quality: c2 and c3 tie, the first wins; unscored a and b: the first
    "quality": {"a1": 2, "a2": "a1", "a3": "a1", "b1": 1, "b2": "b1", "c1": "c2", "c2": 2, "c3": "c2"},
}  # fmt: skip


@pytest.mark.parametrize("keeper", sorted(EXPECTED))
def test_exact_keeper_rules_and_ties_in_any_grouping(keeper: str) -> None:
    stage = RankedExactDedup(keeper)
    items = docs()
    want = {**EXPECTED[keeper], "alone1": 0, "alone2": 0}
    for size in (1, 3, 10):
        assert outcome(verdicts(stage, items, size)) == want, size


def test_exact_keyed_scans_in_any_order_give_the_local_verdicts() -> None:
    stage = RankedExactDedup("longest")
    items = docs()
    local = verdicts(stage, items, 4)
    keys = [(i >> 2) << 32 | (i & 3) for i in range(len(items))]  # several "files"
    for seed in range(3):
        groups = [
            list(zip(keys[lo : lo + 3], items[lo : lo + 3], strict=True)) for lo in range(0, 10, 3)
        ]
        random.Random(seed).shuffle(groups)
        state = stage.scan_keyed(())
        for g in groups:
            state.merge(stage.load_keyed(stage.scan_keyed(g).to_bytes()))
        sealed = stage.seal_keyed(state)
        assert [stage.apply_keyed(d, k, sealed) for k, d in zip(keys, items, strict=True)] == local


def test_exact_keeper_first_is_the_plain_stage() -> None:
    """The keeper rule of the first copy gives the first-copy stage's verdicts (and that stage
    stays the default, so its output keeps its bytes)."""
    items = docs()
    assert verdicts(RankedExactDedup("first"), items, 3) == verdicts(ExactDedup(), items, 3)


def test_a_damaged_ranked_state_is_refused() -> None:
    from cleaner.errors import CleanerError

    data = RankedExactDedup("longest").scan(docs()).to_bytes()
    with pytest.raises(CleanerError, match="damaged"):
        RankedExactDedup("longest").load(data[:-2])


def test_the_quality_score_is_the_mean_clipped_margin() -> None:
    assert score([]) == 0.0
    assert score([1.0, -1.0, 0.5]) == 0.166667
    filters = load_quality(["gopher", "c4", "fineweb"], drop=False)
    good, _ = filters.evaluate(GOOD, "en")
    bare, _ = filters.evaluate(GOOD.replace(".", "").replace(",", ""), "en")
    assert -1 <= bare["score"]["mean_margin"] < good["score"]["mean_margin"] <= 1
    assert quality_value({"quality": good}) == good["score"]["mean_margin"]
    assert quality_value({"quality": {"c4": {"x": 1.0}}}) == float("-inf")


# -- end to end: one run per keeper (exact); quality through its score, exact and near --------


def _run(tmp_path: Path, lines: list[dict[str, Any]], name: str, *args: str) -> Path:
    src = tmp_path / "in.jsonl"  # one name: the records' source is the same in every run
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    out = tmp_path / name
    assert main(["run", str(src), "-o", str(out), "--rules", str(RULES), "-q", *args]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["reconciled"]
    return out


def _kept(out: Path) -> list[str]:
    return [json.loads(x)["id"] for x in (out / "articles.jsonl").read_text("utf-8").splitlines()]


def _config(tmp_path: Path, keeper: str, more: str = "") -> list[str]:
    rules = tmp_path / f"rules-{keeper}"
    rules.mkdir()
    (rules / "config.yaml").write_text(f"corpus:\n  dedup_keeper: {keeper}\n{more}", "utf-8")
    return ["--rules", str(rules)]


TEXT = "The committee met on Monday to discuss the harbour plan and its costs for the town. "


def _pages(folder: Path, pages: list[tuple[str, str, str]]) -> Path:
    """HTML pages (the date comes from the page's metadata), read in name order."""
    folder.mkdir()
    for name, text, date in pages:
        meta = f'<meta property="article:published_time" content="{date}">' if date else ""
        body = f"<article><p>{text}</p></article>"
        (folder / f"{name}.html").write_text(
            f"<html><head><title>t</title>{meta}</head><body>{body}</body></html>", "utf-8"
        )
    return folder


@pytest.mark.parametrize(
    ("keeper", "kept"),
    [("longest", ["c", "y"]), ("newest", ["b", "y"])],
)
def test_exact_keeper_end_to_end_and_j2(tmp_path: Path, keeper: str, kept: list[str]) -> None:
    pages = _pages(
        tmp_path / "pages",
        [
            ("a", TEXT * 3, "2020-02-02"),
            ("b", (TEXT * 3).upper(), "2024-02-02"),
            ("c", TEXT * 3 + "!!!", ""),  # no date: the last for newest
            ("y", "A different article about the weather in the hills this week. " * 3, ""),
        ],
    )
    conf = _config(tmp_path, keeper)
    base = ["run", str(pages), "--rules", str(RULES), "-q", "--dedup", "exact", *conf]
    one, two = tmp_path / "one", tmp_path / "two"
    assert main([*base, "-o", str(one)]) == 0
    assert _kept(one) == kept
    dups = [json.loads(x) for x in (one / "duplicates.jsonl").read_text("utf-8").splitlines()]
    assert {d["duplicate_of"] for d in dups} == {kept[0]}
    assert len(dups) == 2
    summary = json.loads((one / "summary.json").read_text("utf-8"))
    assert summary["reconciled"]
    assert main([*base, "-o", str(two), "-j", "2", "--shard-size", "2"]) == 0
    for kind in ("articles", "duplicates"):
        joined = b"".join(p.read_bytes() for p in sorted(two.glob(f"{kind}-*.jsonl")))
        assert joined == (one / f"{kind}.jsonl").read_bytes(), kind


@pytest.mark.parametrize("mode", ["exact", "near"])
def test_keeper_quality_keeps_the_best_scored_copy(tmp_path: Path, mode: str) -> None:
    bare = GOOD.replace(".", "").replace(",", "")  # the same words: a worse score
    lines = [
        {"id": "bare", "text": bare},
        {"id": "good", "text": GOOD},
        {"id": "good-again", "text": GOOD},  # a tie with "good": input order
    ]
    conf = _config(tmp_path, "quality", "quality:\n  drop: false\n")  # "bare" fails c4
    args = ("--dedup", mode, "--quality", "gopher,c4,fineweb", *conf)
    out = _run(tmp_path, lines, mode, *args)
    assert _kept(out) == ["good"]
    dups = [json.loads(x) for x in (out / "duplicates.jsonl").read_text("utf-8").splitlines()]
    assert {d["id"]: d["duplicate_of"] for d in dups} == {"bare": "good", "good-again": "good"}


def test_keeper_quality_without_quality_filters_is_a_usage_error_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": GOOD}) + "\n", "utf-8")
    args = ["run", str(src), "-o", str(tmp_path / "out"), "--rules", str(RULES), "--dedup", "exact"]
    assert main([*args, *_config(tmp_path, "quality")]) == 2
    assert "add --quality" in capsys.readouterr().err


def test_records_keep_their_bytes_without_quality_filters() -> None:
    result = Cleaner.from_paths([RULES]).clean(RawArticle("d", "d.txt", GOOD.encode())).result
    assert isinstance(result, Record)
    assert "quality" not in result.to_dict()
