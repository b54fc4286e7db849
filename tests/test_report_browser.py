"""The report in a real browser (headless Chromium over the DevTools protocol): it loads with no
console error and no request but the file itself, its numbers equal ``summary.json``, and a
screenshot is saved. Without chromium the test skips, except in CI (``CI=true``), where a
missing browser is a failure (``.ci/run`` installs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.cli import main
from tests.chromium import find_chromium, in_ci, load_page
from tests.conftest import RULES
from tests.test_report import write_sites_corpus

pytest.importorskip("websocket", reason="pip install -e '.[dev]' (websocket-client)")
if find_chromium() is None and not in_ci():
    pytest.skip("no chromium: apt-get install chromium (CI installs it)", allow_module_level=True)

# The page's numbers, as the DOM shows them (thousands separators removed).
READ_NUMBERS = """(() => {
  const num = (e) => Number(e.textContent.replace(/,/g, ''));
  const totals = {};
  document.querySelectorAll('#totals-table [data-summary]').forEach((e) => {
    const k = e.dataset.summary;
    totals[k] = k === 'reconciled' ? e.textContent === 'yes' : num(e);
  });
  const rules = {};
  document.querySelectorAll('#rules-table tr[data-rule]').forEach((tr) => {
    rules[tr.dataset.rule] = {
      documents: num(tr.querySelector('[data-field=documents]')),
      removed_chars: num(tr.querySelector('[data-field=removed_chars]')),
    };
  });
  const reasons = {};
  document.querySelectorAll('#reasons-table tr[data-reason]').forEach((tr) => {
    reasons[tr.dataset.reason] = num(tr.querySelector('[data-field=n]'));
  });
  return {totals, rules, reasons, svgs: document.querySelectorAll('svg').length,
          tables: document.querySelectorAll('table').length};
})()"""


def test_report_page_in_chromium_matches_summary_json(tmp_path: Path) -> None:
    if find_chromium() is None:  # only in CI: elsewhere the module skipped
        pytest.fail("CI=true and no chromium on PATH: .ci/run installs Debian's chromium")
    corpus = write_sites_corpus(tmp_path / "in.jsonl", 120)
    out = tmp_path / "out"
    args = ["run", str(corpus), "-o", str(out), "--rules", str(RULES), "-q", "--report"]
    assert main([*args, "--dedup", "exact"]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    shot = tmp_path / "report.png"
    page = load_page(out / "report.html", js=READ_NUMBERS, screenshot=shot)
    assert page.errors == []
    assert page.requests == [page.url]  # the file itself, nothing else
    got = page.values
    for key in ("articles_read", "records_written", "rejects_written", "duplicates_written"):
        assert got["totals"][key] == summary[key], key
    assert got["totals"]["chars_in"] == summary["chars_in"]
    assert got["totals"]["chars_out"] == summary["chars_out"]
    assert got["totals"]["reconciled"] is True
    assert got["rules"] == summary["rules"]
    assert got["reasons"] == summary["reject_reasons"]
    assert got["svgs"] >= 4
    assert got["tables"] >= 5
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_comparison_page_in_chromium(tmp_path: Path) -> None:
    if find_chromium() is None:
        pytest.fail("CI=true and no chromium on PATH: .ci/run installs Debian's chromium")
    corpus = write_sites_corpus(tmp_path / "in.jsonl", 60)
    for name in ("old", "new"):
        args = ["run", str(corpus), "-o", str(tmp_path / name), "--rules", str(RULES), "-q"]
        assert main(args) == 0
    cmp = tmp_path / "cmp.html"
    base = ["report", str(tmp_path / "new"), "--compare", str(tmp_path / "old"), "-o", str(cmp)]
    assert main([*base, "-q", "--fail-on", "written_pct<-2"]) == 0
    page = load_page(cmp, js="document.querySelectorAll('#conditions-table .ok').length")
    assert page.errors == []
    assert page.requests == [page.url]
    assert page.values == 1
