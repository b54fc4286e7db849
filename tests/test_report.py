"""``cleaner run --report`` and ``cleaner report``: the aggregates are the same bytes whatever the
worker count, batching, merge order or interruption; the page is rebuilt from the folder; the
comparison's ``--fail-on`` fails on the regression it watches."""

from __future__ import annotations

import json
import random
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from cleaner import batch as batch_module
from cleaner.cli import main
from cleaner.report import aggregate
from cleaner.report.aggregate import RunAggregate
from cleaner.report.compare import METRICS, parse_condition
from tests.conftest import RULES
from tests.scale_helpers import corpus_lines
from tests.test_resume import cleaner_cmd, killed_at_rename, run_cleaner


def write_sites_corpus(path: Path, n: int) -> Path:
    """The scale helpers' corpus (seeds, malformed lines, empty texts), spread over 23 sites,
    with repeated texts for --dedup."""
    lines = []
    for i, line in enumerate(corpus_lines(n)):
        if line.startswith('{"id": "broken"'):
            lines.append(line)
            continue
        obj = json.loads(line)
        if "url" in obj:
            obj["url"] = f"https://www.site{i % 23}.example/news/{i}"
        lines.append(json.dumps(obj, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_sites_corpus(tmp_path / "in.jsonl", 180)


def run_report(corpus: Path, out: Path, *extra: str) -> dict[str, Any]:
    args = ["run", str(corpus), "-o", str(out), "--rules", str(RULES), "-q", "--report"]
    assert main([*args, *extra]) == 0
    state: dict[str, Any] = json.loads((out / "report.json").read_text("utf-8"))
    return state


def test_report_json_is_the_same_bytes_for_one_and_two_workers_and_any_batching(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aggregate, "SITE_CAP", 5)  # so sites overflow into "(other)"
    one = run_report(corpus, tmp_path / "one", "-j", "1")
    monkeypatch.setattr(batch_module, "BATCH_ITEMS", 16)  # many batches, merged out of step
    two = run_report(corpus, tmp_path / "two", "-j", "2")
    assert (tmp_path / "one" / "report.json").read_bytes() == (
        tmp_path / "two" / "report.json"
    ).read_bytes()
    agg = one["aggregates"]
    summary = json.loads((tmp_path / "one" / "summary.json").read_text("utf-8"))
    sites = agg["sites"]
    assert len(sites) == 6
    assert aggregate.OTHER_SITE in sites
    assert sum(s["documents"] for s in sites.values()) == summary["articles_read"]
    assert sum(s["rejected"] for s in sites.values()) == summary["rejects_written"]
    assert sum(agg["length_after"]) == summary["records_written"]
    assert sum(agg["length_before"]) == summary["articles_read"]
    assert set(agg["reject_samples"]) == set(summary["reject_reasons"])
    assert all(len(s) <= aggregate.SAMPLES for s in agg["rule_samples"].values())
    # A chrome rule's sample shows the lines it removed.
    windows = [s[3] for samples in agg["rule_samples"].values() for s in samples]
    assert any(op == "-" for w in windows for op, _ in w)
    assert set(agg["rule_hits"]) == set(summary["rules"])
    assert two == one


def test_summary_json_is_unchanged_by_report(corpus: Path, tmp_path: Path) -> None:
    run_report(corpus, tmp_path / "with")
    assert (
        main(["run", str(corpus), "-o", str(tmp_path / "without"), "--rules", str(RULES), "-q"])
        == 0
    )
    with_, without = tmp_path / "with", tmp_path / "without"
    for name in ("summary.json", "articles.jsonl", "rejects.jsonl"):
        assert (with_ / name).read_bytes() == (without / name).read_bytes()
    assert not (without / "report.json").exists()
    # A later run without --report into the same folder leaves no report of the earlier run.
    assert main(["run", str(corpus), "-o", str(with_), "--rules", str(RULES), "-q"]) == 0
    assert not (with_ / "report.json").exists()
    assert not (with_ / "report.html").exists()


def test_merge_order_does_not_change_the_aggregates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregate, "SITE_CAP", 3)
    parts = []
    for i in range(12):
        agg = RunAggregate()
        for j in range(5):
            rid = f"d{i}-{j}"
            site = f"s{(i * 5 + j) % 7}.example"
            agg.add_reject(rid, site, 10 * j, [("empty", "no text")], [("r", 1)], "in.jsonl")
            agg.add_rule_sample("r", rid, site, [["-", rid]])
        parts.append(agg)
    states = []
    for seed in range(3):
        order = parts[:]
        random.Random(seed).shuffle(order)
        total = RunAggregate()
        for p in order:
            total.merge(RunAggregate.from_state(p.to_state()))
        states.append(json.dumps(total.to_state(), sort_keys=True))
    assert states[0] == states[1] == states[2]
    assert len(json.loads(states[0])["sites"]) == 4  # three named and "(other)"


def test_dedup_report_counts_duplicates_per_site_and_samples_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_sites_corpus(tmp_path / "in.jsonl", 120)
    one = run_report(corpus, tmp_path / "one", "--dedup", "exact")
    monkeypatch.setattr(batch_module, "BATCH_ITEMS", 16)
    run_report(corpus, tmp_path / "two", "--dedup", "exact", "-j", "2", "--shard-size", "50")
    assert (tmp_path / "one" / "report.json").read_bytes() == (
        tmp_path / "two" / "report.json"
    ).read_bytes()
    summary = json.loads((tmp_path / "one" / "summary.json").read_text("utf-8"))
    sites = one["aggregates"]["sites"].values()
    assert summary["duplicates_written"] > 0
    assert sum(s["duplicates"] for s in sites) == summary["duplicates_written"]
    assert sum(s["written"] for s in sites) == summary["records_written"]
    assert one["aggregates"]["duplicate_samples"]
    # Every dropped copy belongs to one kept document's cluster.
    sizes = one["aggregates"]["cluster_sizes"]
    assert sum((int(size) - 1) * n for size, n in sizes.items()) == summary["duplicates_written"]
    largest = one["aggregates"]["largest_clusters"]
    assert -largest[0][0] == max(int(size) for size in sizes)
    page = (tmp_path / "one" / "report.html").read_text("utf-8")
    assert 'id="duplicates-table"' in page
    assert 'id="clusters-table"' in page


def test_report_rebuilds_the_same_page_and_works_without_report_json(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_report(corpus, out)
    written = (out / "report.html").read_bytes()
    (out / "report.html").unlink()
    assert main(["report", str(out), "-q"]) == 0
    assert (out / "report.html").read_bytes() == written
    # Nothing to fetch: no script, no link, no image or style from elsewhere (an SVG's
    # href="#id" points inside the page).
    assert not re.search(rb'<script|<link|@import|url\((?!#)|(?:src|href)="(?!#)', written)
    # A run without --report: the page still shows summary.json's totals.
    (out / "report.json").unlink()
    assert main(["report", str(out), "-o", str(tmp_path / "plain.html"), "-q"]) == 0
    plain = (tmp_path / "plain.html").read_text("utf-8")
    assert 'data-summary="articles_read">180<' in plain
    assert "run with <code>--report</code>" in plain


def test_resumed_run_gives_the_same_report(tmp_path: Path) -> None:
    corpus = write_sites_corpus(tmp_path / "in.jsonl", 180)
    extra = ("--shard-size", "70", "--report")
    reference = tmp_path / "reference"
    assert run_cleaner(cleaner_cmd(corpus, reference, *extra)).returncode == 0
    out = tmp_path / "out"
    # Killed after the first shard's marker (the manifest, then articles, rejects, marker).
    assert killed_at_rename(5, cleaner_cmd(corpus, out, *extra)) == -signal.SIGKILL
    assert not (out / "report.json").exists()
    resumed = run_cleaner(cleaner_cmd(corpus, out, *extra, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after 70" in resumed.stderr
    assert (out / "report.json").read_bytes() == (reference / "report.json").read_bytes()
    # Resuming without --report what started with it is refused: the shards hold its counts.
    assert killed_at_rename(5, cleaner_cmd(corpus, tmp_path / "o2", *extra)) == -signal.SIGKILL
    refused = run_cleaner(cleaner_cmd(corpus, tmp_path / "o2", "--shard-size", "70", "--resume"))
    assert refused.returncode == 2
    assert "report" in refused.stderr


def test_compare_fails_on_the_regression_it_watches(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    run_report(corpus, old)
    fewer = tmp_path / "fewer.jsonl"
    lines = corpus.read_text("utf-8").splitlines()
    fewer.write_text("\n".join(lines[:150]) + "\n", "utf-8")  # a sixth fewer articles
    run_report(fewer, new)
    page = tmp_path / "cmp.html"
    base = ["report", str(new), "--compare", str(old), "-o", str(page)]
    assert main([*base, "--fail-on", "written_pct<-2"]) == 1
    err = capsys.readouterr().err
    assert "written_pct<-2: -16" in err
    assert "FAILED" in err
    assert 'class="fail"' in page.read_text("utf-8")
    assert main([*base, "--fail-on", "written_pct<-50", "--fail-on", "rejects_pts>5"]) == 0
    assert main([*base, "--fail-on", "rule:no-such-rule:removed_pts>0.1"]) == 0
    # The same run against itself changes nothing.
    same = ["report", str(old), "--compare", str(old), "-o", str(page)]
    assert main([*same, "--fail-on", "written_pct<0", "--fail-on", "removed_pts>0"]) == 0


def test_fail_on_grammar_and_its_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    c = parse_condition("rule:share-widgets:removed_pts > 10")
    assert (c.metric, c.param, c.op, c.limit) == ("rule:ID:removed_pts", "share-widgets", ">", 10)
    old = {"chars_in": 1000, "chars_out": 900, "rules": {"share-widgets": {"removed_chars": 10}}}
    new = {"chars_in": 1000, "chars_out": 700, "rules": {"share-widgets": {"removed_chars": 210}}}
    assert c.value(old, new) == pytest.approx(20.0)
    assert c.holds(old, new)
    assert parse_condition("reason:empty:pts>=1").param == "empty"
    out = tmp_path / "x"
    assert (
        main(["report", str(out), "--compare", str(out), "-o", "p.html", "--fail-on", "written<2"])
        == 2
    )
    err = capsys.readouterr().err
    assert "unknown metric 'written'" in err
    assert "valid metrics: " + ", ".join(METRICS) in err
    assert main(["report", str(out), "--fail-on", "written_pct<2"]) == 2
    assert "--fail-on needs --compare" in capsys.readouterr().err
    assert main(["report", str(out)]) == 2
    assert "no summary.json" in capsys.readouterr().err


def test_report_without_the_extra_is_a_usage_error_before_anything_is_touched(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    out = tmp_path / "out"
    assert main(["run", str(corpus), "-o", str(out), "--rules", str(RULES), "--report"]) == 2
    assert "pip install 'cleaner[report]'" in capsys.readouterr().err
    assert not out.exists()
    assert main(["run", str(corpus), "-o", "-", "--rules", str(RULES), "--report"]) == 2


def test_quality_signals_get_a_histogram_with_their_threshold_when_records_carry_them(
    corpus: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    run_report(corpus, plain)
    assert "Quality signal" not in (plain / "report.html").read_text("utf-8")
    out = tmp_path / "out"
    state = run_report(corpus, out, "--quality", "gopher", "--no-default-rules")
    n_words = state["aggregates"]["quality"]["gopher_quality.n_words"]
    records = (out / "articles.jsonl").read_text("utf-8").splitlines()
    assert sum(n_words.values()) == len(records) > 0  # one count per record written
    assert state["quality_thresholds"]["gopher_quality.n_words"] == {"min": 50.0, "max": 100000.0}
    page = (out / "report.html").read_text("utf-8")
    assert "Quality signal: gopher_quality.n_words" in page
    assert "threshold 50" in page
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    filtered = [r for r in rejects if all(x.get("field") == "quality" for x in r["reasons"])]
    assert state["aggregates"]["filtered"] == len(filtered) > 0
    assert "filtered by the quality filters" in page
