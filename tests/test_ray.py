"""``--engine ray`` on a local Ray (2 CPUs): the same records as the local engine, as a set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cleaner.cli import main
from tests.conftest import RULES
from tests.scale_helpers import write_corpus

if not os.environ.get("CI"):
    pytest.importorskip("ray", reason="pip install -e '.[ray]' to run the Ray tests")

# Ray's own deprecation notices (about its internals) are not ours to fix.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_ray_writes_the_same_records_and_rejects_as_the_local_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_corpus(inputs / "a.jsonl.gz", 700)
    write_corpus(inputs / "b.jsonl", 300)
    (tmp_path / "elsewhere.txt").write_text("A page outside the input folder.\n", "utf-8")
    (inputs / "escape.txt").symlink_to(tmp_path / "elsewhere.txt")  # refused, with a reject
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    common = ["--rules", str(RULES), "-j", "2"]
    assert main(["run", str(inputs), "-o", str(local), *common]) == 0
    assert main(["run", str(inputs), "-o", str(ray_out), "--engine", "ray", *common]) == 0

    def lines(paths: list[Path]) -> list[str]:
        return sorted(x for p in paths for x in p.read_text("utf-8").splitlines())

    assert lines(sorted(ray_out.glob("articles-*.jsonl"))) == lines([local / "articles.jsonl"])
    assert lines(sorted(ray_out.glob("rejects-*.jsonl"))) == lines([local / "rejects.jsonl"])
    summary = json.loads((ray_out / "summary.json").read_text("utf-8"))
    expected = json.loads((local / "summary.json").read_text("utf-8"))
    assert {k: v for k, v in summary.items() if k != "shards"} == expected
    assert summary["articles_read"] == 1001
    assert summary["reject_reasons"]["link_outside_input"] == 1


def test_ray_refuses_what_it_cannot_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_corpus(tmp_path / "a.jsonl", 5)
    args = ["run", str(src), "--rules", str(RULES), "--engine", "ray"]
    assert main([*args, "-o", "-"]) == 2
    assert main([*args, "-o", str(tmp_path / "o"), "--resume"]) == 2
    assert "--resume is for the local engine" in capsys.readouterr().err
