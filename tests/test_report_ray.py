"""``--engine ray --report``: the same report.json as the local engine, byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cleaner.cli import main
from tests.conftest import RULES
from tests.test_report import write_sites_corpus

if not os.environ.get("CI"):
    pytest.importorskip("ray", reason="pip install -e '.[ray]' to run the Ray tests")

# Ray's own deprecation notices (about its internals) are not ours to fix.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.mark.parametrize("dedup", ["none", "exact"])
def test_ray_report_equals_the_local_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dedup: str
) -> None:
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_sites_corpus(inputs / "a.jsonl", 300)
    write_sites_corpus(inputs / "b.jsonl", 150)
    common = ["--rules", str(RULES), "-q", "--report", "--dedup", dedup]
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    assert main(["run", str(inputs), "-o", str(local), "-j", "1", *common]) == 0
    assert (
        main(["run", str(inputs), "-o", str(ray_out), "--engine", "ray", "-j", "2", *common]) == 0
    )
    assert (ray_out / "report.json").read_bytes() == (local / "report.json").read_bytes()
    assert (ray_out / "report.html").stat().st_size > 0
