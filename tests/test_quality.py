"""Quality filters: presets and their examples, user files and their errors, the record's
signals and the rejects, config and CLI, -j, resume's digest and ``cleaner stats``."""

from __future__ import annotations

import json
import shutil
from array import array
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.errors import RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.quality.families import FAMILIES, MAX, MIN
from cleaner.quality.filters import PRESETS, load_quality, run_examples
from cleaner.quality.signals import Split
from cleaner.quality.stats import percentile, suggest
from cleaner.record import RawArticle, Record, Reject
from tests.conftest import RULES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MENU = "Home\nNews\nSport\nWeather\nContact us\nLogin\nRegister\nSearch the site today\n"
GOOD = (
    "The city council voted on Tuesday to expand the bus network to the northern suburbs, a "
    "plan that has been debated for more than three years.\nSupporters said the new routes "
    "would cut commuting times for thousands of residents and reduce traffic in the centre. "
    "They expect the first buses in May.\nOpponents argued that the cost of the project, "
    "estimated at twelve million pounds, was too high for a council with a budget gap. The "
    "vote was close.\nThe mayor said the council would publish the full plan next week.\n"
)


def _inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "menu.txt").write_text(MENU, "utf-8")
    return folder


def test_every_preset_example_gives_its_expected_decision() -> None:
    filters = load_quality(list(PRESETS))
    assert [f.id for f in filters.filters] == [
        "gopher_quality",
        "gopher_repetition",
        "c4",
        "fineweb",
    ]
    assert sum(len(f.examples) for f in filters.filters) >= 10
    assert run_examples(filters) == []


def test_each_family_checks_only_signals_it_computes() -> None:
    for family in FAMILIES.values():
        options = family.Options()
        signals = family.measure(Split(GOOD), options)
        assert {c.signal for c in family.checks} <= set(signals), family.name


def test_a_user_file_sets_thresholds_and_per_language_overrides(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "filters:\n"
        "  - id: long_enough\n"
        "    kind: gopher_quality\n"
        "    description: Only the word count, 20 words; Chinese counts characters.\n"
        "    min_doc_words: 20\n"
        "    max_doc_words: null\n"
        "    min_avg_word_length: null\n"
        "    max_avg_word_length: null\n"
        "    min_alpha_words_ratio: null\n"
        "    min_stop_words: null\n"
        "    languages:\n"
        "      zh: {min_doc_words: 10}\n"
        "    examples:\n"
        "      - input: Too short to keep.\n"
        "        rejects: long_enough\n"
        "      - input: 市议会周二投票决定扩展公交网络。\n"
        "        lang: zh\n"
        "        rejects: null\n",
        "utf-8",
    )
    filters = load_quality([str(path)])
    assert run_examples(filters) == []
    (f,) = filters.filters
    # 15 Han characters are 15 words in Chinese, and one "word" for the English rules.
    assert f.measure(Split("市议会周二投票决定扩展公交网络。", "zh-cn"), "zh-cn")["n_words"] == 15
    assert f.measure(Split("市议会周二投票决定扩展公交网络。"), None)["n_words"] == 1
    assert f.options_for("zh-tw").min_doc_words == 10
    assert f.options_for("en").min_doc_words == 20


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "    kind: gopher_quality\n    min_doc_words: many\n",
            ":5: rule 'x': option 'min_doc_words' must be a number or null, got string",
        ),
        ("    kind: gopher\n", ":4: rule 'x': unknown kind 'gopher' (valid: gopher_quality,"),
        ("    kind: c4\n    min_sentence: 3\n", ":5: rule 'x': unknown key 'min_sentence'"),
        (
            "    kind: fineweb\n    languages:\n      en: {short_line_length: short}\n",
            "rule 'x': languages: en: option 'short_line_length' must be an integer",
        ),
    ],
)
def test_a_bad_filter_file_names_its_file_line_and_filter(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    examples = "    examples:\n      - input: x\n        rejects: null\n"
    path.write_text(f"filters:\n  - id: x\n    description: d\n{body}{examples}", "utf-8")
    with pytest.raises(RuleErrors) as err:
        load_quality([str(path)])
    assert f"{path}{message}" in str(err.value) or message in str(err.value)
    assert str(path) in str(err.value)


def test_a_failing_example_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "filters:\n  - id: x\n    kind: c4\n    description: d\n    examples:\n"
        "      - input: One line.\n        rejects: null\n",
        "utf-8",
    )
    (problem,) = run_examples(load_quality([str(path)]))
    assert problem.startswith(f"{path}:6: rule 'x': example expected keep, got x")


def test_an_unknown_name_lists_the_presets() -> None:
    with pytest.raises(RuleErrors, match=r"unknown quality filter or preset 'gopherr'.*gopher, c4"):
        load_quality(["gopherr"])


def _cleaner(*filters: str, drop: bool = True) -> Cleaner:
    settings = ({"quality": {"filters": list(filters), "drop": drop}}, "test")
    return Cleaner.from_paths([RULES], settings=[settings])


def test_signals_go_on_the_record_and_a_failing_document_is_a_reject_with_its_values() -> None:
    cleaner = _cleaner("gopher", "c4", "fineweb")
    kept = cleaner.clean(RawArticle("good", "good.txt", GOOD.encode())).result
    assert isinstance(kept, Record)
    assert kept.quality is not None
    assert set(kept.quality) == {"gopher_quality", "gopher_repetition", "c4", "fineweb"}
    assert list(kept.to_dict())[-2:] == ["quality", "text"]
    dropped = cleaner.clean(RawArticle("menu", "menu.txt", MENU.encode())).result
    assert isinstance(dropped, Reject)
    codes = {r.code: r for r in dropped.reasons}
    assert {"gopher_quality", "c4", "fineweb"} <= set(codes)
    values = codes["gopher_quality"].to_dict()["values"]
    assert values["n_words"] == {"value": 12, "min": 50}
    assert codes["gopher_quality"].rule == "gopher_quality"
    assert dropped.record is not None
    assert dropped.record["quality"]["fineweb"]["short_line_ratio"] == 1.0


def test_decisions_are_made_on_the_stored_signals() -> None:
    cleaner = _cleaner("gopher", "c4", "fineweb", drop=False)
    for text in (GOOD, MENU, GOOD + GOOD):
        record = cleaner.clean(RawArticle("d", "d.txt", text.encode())).result
        assert isinstance(record, Record)
        assert record.quality is not None
        assert cleaner.quality is not None
        live = {f.id: bad for f, bad in cleaner.quality.evaluate(record.text, record.lang)[1]}
        for f in cleaner.quality.filters:
            stored = f.failing(record.quality[f.id], record.lang)
            assert stored == live.get(f.id, {})


def test_without_quality_filters_records_have_no_quality_key() -> None:
    record = Cleaner.from_paths([RULES]).clean(RawArticle("g", "g.txt", GOOD.encode())).result
    assert isinstance(record, Record)
    assert record.quality is None
    assert "quality" not in record.to_dict()


def test_quality_changes_the_resume_digest_and_its_absence_does_not() -> None:
    plain = Cleaner.from_paths([RULES])
    empty = Cleaner.from_paths([RULES], settings=[({"quality": {"filters": []}}, "t")])
    assert plain.rules_digest == empty.rules_digest
    assert _cleaner("gopher").rules_digest != plain.rules_digest
    assert _cleaner("gopher").rules_digest != _cleaner("c4").rules_digest


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def test_run_quality_from_the_cli_with_one_and_two_workers(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    args = ["--rules", str(RULES), "-q", "--quality", "gopher,c4,fineweb"]
    assert main(["run", str(inputs), "-o", str(tmp_path / "j1"), *args]) == 0
    assert main(["run", str(inputs), "-o", str(tmp_path / "j2"), "-j", "2", *args]) == 0
    for name in ("articles.jsonl", "rejects.jsonl", "summary.json"):
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes()
    records = [json.loads(x) for x in _lines(tmp_path / "j1" / "articles.jsonl")]
    assert len(records) == 5
    assert all("gopher_repetition" in r["quality"] for r in records)
    (reject,) = [json.loads(x) for x in _lines(tmp_path / "j1" / "rejects.jsonl")]
    assert reject["id"] == "menu"
    summary = json.loads((tmp_path / "j1" / "summary.json").read_text("utf-8"))
    assert summary["reject_reasons"]["gopher_quality"] == 1
    assert summary["reject_reasons"]["fineweb"] == 1


def test_the_config_key_selects_filters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _inputs(tmp_path)
    (tmp_path / "cleaner.yaml").write_text("quality:\n  filters: [fineweb]\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(inputs), "-o", str(tmp_path / "out"), "--rules", str(RULES), "-q"]) == 0
    records = [json.loads(x) for x in _lines(tmp_path / "out" / "articles.jsonl")]
    assert {tuple(r["quality"]) for r in records} == {("fineweb",)}
    (reject,) = [json.loads(x) for x in _lines(tmp_path / "out" / "rejects.jsonl")]
    assert [r["code"] for r in reject["reasons"]] == ["fineweb"]


def test_stats_prints_the_same_report_for_any_worker_count_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = _inputs(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = ["stats", str(inputs), "--rules", str(RULES), "--target-drop", "0.2"]
    assert main([*args, "--json"]) == 0
    one = capsys.readouterr().out
    assert main([*args, "--json", "-j", "2"]) == 0
    assert capsys.readouterr().out == one
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    report = json.loads(one)
    assert report["documents"] == 6
    assert report["filters"]["fineweb"]["dropped"] == 1
    (words_min, _) = report["filters"]["gopher_quality"]["signals"]["n_words"]["checks"]
    assert words_min["option"] == "min_doc_words"
    assert words_min["drops"] == 1
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.startswith("6 documents with signals")
    assert "min_doc_words" in text


def test_percentiles_and_suggested_thresholds() -> None:
    values = array("d", [float(v) for v in range(1, 101)])
    assert [percentile(values, p) for p in (1, 50, 99)] == [1.0, 50.0, 99.0]
    high = suggest(values, MAX, 0.05)
    assert high is not None
    assert sum(v > high for v in values) == 5
    low = suggest(values, MIN, 0.05)
    assert low is not None
    assert sum(v < low for v in values) == 5


def test_resume_with_quality_gives_the_same_shards(tmp_path: Path) -> None:
    # That --resume refuses changed filters follows from the digest (the test above): resume
    # compares the run's manifest, which holds it.
    inputs, out = _inputs(tmp_path), tmp_path / "out"
    args = ["run", str(inputs), "-o", str(out), "--rules", str(RULES), "-q", "--shard-size", "2"]
    assert main([*args, "--quality", "gopher"]) == 0
    first = sorted((p.name, p.read_bytes()) for p in out.glob("*-*.jsonl"))
    assert main([*args, "--quality", "gopher", "--resume"]) == 0
    assert sorted((p.name, p.read_bytes()) for p in out.glob("*-*.jsonl")) == first
    assert len(first) == 6  # three shards of articles and rejects


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_ray_applies_the_same_filters_as_the_local_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ray", reason="pip install -e '.[ray]' to run the Ray tests")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    inputs = _inputs(tmp_path)
    common = ["--rules", str(RULES), "-q", "-j", "2", "--quality", "gopher,c4,fineweb"]
    assert main(["run", str(inputs), "-o", str(tmp_path / "local"), *common]) == 0
    assert main(["run", str(inputs), "-o", str(tmp_path / "ray"), "--engine", "ray", *common]) == 0
    for kind in ("articles", "rejects"):
        ray_lines = sorted(x for p in (tmp_path / "ray").glob(f"{kind}*.jsonl") for x in _lines(p))
        assert ray_lines == sorted(_lines(tmp_path / "local" / f"{kind}.jsonl"))
