"""``--engine ray`` on a local Ray (2 CPUs): the same records as the local engine, as a set."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cleaner.cli import main
from cleaner.errors import CleanerError
from cleaner.pipeline import Cleaner
from cleaner.ray_engine import run_ray
from cleaner.run import RunOptions
from tests.conftest import RULES
from tests.scale_helpers import corpus_lines, write_corpus

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
    common = ["--rules", str(RULES), "-j", "2"]  # a local Ray with num_cpus=2
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


def test_ray_with_one_cpu_finishes(tmp_path: Path) -> None:
    # With -j 1 the one cleaning actor holds the only CPU; a read task that needed a CPU slot
    # waited for it for ever (ray-project/ray#44687). A subprocess, so a hang fails the test
    # instead of stalling the suite.
    src = write_corpus(tmp_path / "a.jsonl", 300)
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    common = ["--rules", str(RULES), "-j", "1", "--no-progress"]
    assert main(["run", str(src), "-o", str(local), *common]) == 0
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    cmd = [sys.executable, "-m", "cleaner.cli", "run", str(src), "-o", str(ray_out)]
    proc = subprocess.Popen(
        [*cmd, "--engine", "ray", *common],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("cleaner run --engine ray -j 1 did not finish in 240 s")
    assert proc.returncode == 0, err[-2000:]
    assert "will hang" not in err  # Ray's false alarm about actors on every CPU is dropped
    records = sorted(
        x for p in ray_out.glob("articles-*.jsonl") for x in p.read_text("utf-8").splitlines()
    )
    assert records == sorted((local / "articles.jsonl").read_text("utf-8").splitlines())
    assert json.loads((ray_out / "summary.json").read_text("utf-8"))["articles_read"] == 300


def test_ray_j0_starts_one_actor_per_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ray
    import ray.data

    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    src = write_corpus(tmp_path / "a.jsonl", 40)
    sizes: list[int] = []
    cpus: list[float] = []
    real_pool, real_resources = ray.data.ActorPoolStrategy, ray.cluster_resources

    def pool(**kwargs: Any) -> object:
        sizes.append(kwargs["size"])
        return real_pool(**kwargs)

    def resources() -> dict[str, float]:
        found: dict[str, float] = real_resources()  # type: ignore[no-untyped-call,unused-ignore]
        cpus.append(found["CPU"])
        return found

    monkeypatch.setattr(ray.data, "ActorPoolStrategy", pool)
    monkeypatch.setattr(ray, "cluster_resources", resources)
    out = tmp_path / "ray"
    args = ["run", str(src), "-o", str(out), "--rules", str(RULES), "--engine", "ray", "-j", "0"]
    assert main(args) == 0
    # as many actors as the CPUs Ray sees (cgroup limits included), not os.cpu_count()
    assert cpus
    assert sizes == [int(cpus[0])]
    assert json.loads((out / "summary.json").read_text("utf-8"))["articles_read"] == 40


def test_ray_refuses_what_it_cannot_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_corpus(tmp_path / "a.jsonl", 5)
    args = ["run", str(src), "--rules", str(RULES), "--engine", "ray"]
    assert main([*args, "-o", "-"]) == 2
    assert main([*args, "-o", str(tmp_path / "o"), "--resume"]) == 2
    assert "--resume is for the local engine" in capsys.readouterr().err
    assert main([*args, "-o", str(tmp_path / "o"), "-j", "-1"]) == 2
    assert "-j must be 0 (one worker per CPU) or more, not -1" in capsys.readouterr().err
    # the same check for callers of the API, which skip the command line's
    options = RunOptions(workers=-1)
    with pytest.raises(CleanerError, match="one cleaning actor per CPU of the cluster"):
        run_ray(Cleaner.from_paths([RULES]), [str(src)], str(tmp_path / "o"), options)


def test_ray_dedup_keeps_the_local_engines_first_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Copies inside a file and across files, in blocks of 128 KB, so many Ray tasks clean
    # and write in no set order: the keeper is still the first copy in input order (order
    # keys), and every file equals the local engine's as a set.
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr("cleaner.ray_engine.READ_BLOCK_BYTES", 128 << 10)
    inputs = tmp_path / "in"
    inputs.mkdir()
    lines = corpus_lines(400)
    copies = [
        json.dumps({"id": f"copy-{i}", "text": json.loads(line)["text"].upper()})
        for i, line in enumerate(lines[::5])
        if line.endswith("}")  # not a malformed line
    ]
    (inputs / "a.jsonl").write_text("\n".join(lines + copies[:20]) + "\n", "utf-8")
    (inputs / "b.jsonl").write_text("\n".join(copies[20:] + lines[:30]) + "\n", "utf-8")
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    common = ["--rules", str(RULES), "-j", "2", "--dedup", "exact"]
    assert main(["run", str(inputs), "-o", str(local), *common]) == 0
    assert main(["run", str(inputs), "-o", str(ray_out), "--engine", "ray", *common]) == 0

    def lines_of(paths: list[Path]) -> list[str]:
        return sorted(x for p in paths for x in p.read_text("utf-8").splitlines())

    for kind in ("articles", "rejects", "duplicates"):
        shards = sorted(ray_out.glob(f"{kind}-*.jsonl"))
        assert len(shards) > 1, "the run must spread over several write tasks"
        assert lines_of(shards) == lines_of([local / f"{kind}.jsonl"]), kind
    summary = json.loads((ray_out / "summary.json").read_text("utf-8"))
    expected = json.loads((local / "summary.json").read_text("utf-8"))
    assert {k: v for k, v in summary.items() if k != "shards"} == expected
    assert summary["duplicates_written"] >= 100
    assert summary["reconciled"]
    assert not (ray_out / ".cleaner-ray").exists()
