"""Crash safety with real SIGKILLs: ``--resume`` finishes the job, and the final output equals an
uninterrupted run's, with no record lost and none duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cleaner.pipeline import Cleaner
from tests.conftest import ROOT, RULES
from tests.scale_helpers import every_point, output_files, write_corpus
from tests.warm import CLI_MAIN, WarmProcess, run_warm

# Runs the command line, sending itself SIGKILL just before the Nth os.replace: every rename the
# writers do (a shard's articles, its rejects, its marker, the joins, summary.json) is a point.
KILL_BEFORE_RENAME = """
import os, signal, sys
from cleaner import cli
from cleaner.io import writers
writers.CHECKPOINT_ITEMS = int(os.environ.get("TEST_CHECKPOINT", writers.CHECKPOINT_ITEMS))
n, calls, real = int(sys.argv[1]), [0], os.replace
def replace(src, dst):
    calls[0] += 1
    if calls[0] == n:
        if os.environ.get("TEST_CTRL_C"):  # a Ctrl-C lands here instead of a kill
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
os.replace = replace
sys.exit(cli.main(sys.argv[2:]))
"""


def cleaner_cmd(corpus: Path, out: Path, *extra: str) -> list[str]:
    return ["run", str(corpus), "-o", str(out), "--rules", str(RULES), *extra]


def _env(checkpoint: int | None, **more: str) -> dict[str, str]:
    env = {**os.environ, "CI": "1", **more}
    if checkpoint:
        env["TEST_CHECKPOINT"] = str(checkpoint)
    return env


def run_cleaner(args: list[str], checkpoint: int | None = None) -> subprocess.CompletedProcess[str]:
    """The command line, uninterrupted (n=0: no kill), optionally with smaller checkpoints."""
    return run_warm(KILL_BEFORE_RENAME, ["0", *args], env=_env(checkpoint))


def killed_at_rename(n: int, args: list[str], checkpoint: int | None = None) -> int:
    return run_warm(KILL_BEFORE_RENAME, [str(n), *args], env=_env(checkpoint)).returncode


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "in.jsonl.gz", 180)


LAYOUTS = {
    "single": [],
    "sharded": ["--shard-size", "70"],
    "sharded-zstd": ["--shard-size", "70", "--compression", "zstd"],
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_sigkill_before_every_rename_then_resume_equals_an_uninterrupted_run(
    corpus: Path, tmp_path: Path, layout: str
) -> None:
    extra = LAYOUTS[layout]
    # The single layout checkpoints every 10,000 articles; 70 here, so it has several too. The
    # reference keeps the default: the joined output does not depend on the checkpoints.
    checkpoint = 70 if layout == "single" else None
    reference = tmp_path / "reference"
    assert run_cleaner(cleaner_cmd(corpus, reference, *extra)).returncode == 0
    expected = output_files(reference)

    def kill_then_resume(n: int) -> bool:
        """False when the run has fewer than n renames (every point has been tried)."""
        out = tmp_path / f"out{n}"
        code = killed_at_rename(n, cleaner_cmd(corpus, out, *extra), checkpoint)
        if code == 0:
            return False
        assert code == -signal.SIGKILL
        resumed = run_cleaner(cleaner_cmd(corpus, out, *extra, "--resume"), checkpoint)
        assert resumed.returncode == 0, resumed.stderr
        assert output_files(out) == expected, f"killed before rename {n}"
        return True

    assert every_point(kill_then_resume) >= 10


def test_ctrl_c_before_every_rename_leaves_nothing_half_written(
    corpus: Path, tmp_path: Path
) -> None:
    # The commit's renames are the windows where a file exists but is not yet recorded.
    args = ["--shard-size", "70", "-j", "2"]
    reference = tmp_path / "reference"
    assert run_cleaner(cleaner_cmd(corpus, reference, *args)).returncode == 0
    expected = output_files(reference)

    def stop_then_resume(n: int) -> bool:
        """False when the run has fewer than n renames (every point has been tried)."""
        out = tmp_path / f"out{n}"
        argv = [str(n), *cleaner_cmd(corpus, out, *args)]
        proc = run_warm(KILL_BEFORE_RENAME, argv, env=_env(None, TEST_CTRL_C="1"))
        if proc.returncode == 0:
            return False
        assert proc.returncode == 130, proc.stderr
        assert "Traceback" not in proc.stderr
        assert not any((out / ".cleaner-run" / "tmp").iterdir()), f"before rename {n}"
        resumed = run_cleaner(cleaner_cmd(corpus, out, *args, "--resume"))
        assert resumed.returncode == 0, resumed.stderr
        assert output_files(out) == expected, f"interrupted before rename {n}"
        return True

    assert every_point(stop_then_resume) > 5


def test_killed_twice_including_during_the_resume(corpus: Path, tmp_path: Path) -> None:
    args = ["--shard-size", "50"]
    reference = tmp_path / "reference"
    assert run_cleaner(cleaner_cmd(corpus, reference, *args)).returncode == 0
    out = tmp_path / "out"
    assert killed_at_rename(5, cleaner_cmd(corpus, out, *args)) == -signal.SIGKILL
    assert killed_at_rename(4, cleaner_cmd(corpus, out, *args, "--resume")) == -signal.SIGKILL
    assert run_cleaner(cleaner_cmd(corpus, out, *args, "--resume")).returncode == 0
    assert output_files(out) == output_files(reference)


@pytest.mark.parametrize("after_shards", [0, 2, 5])
def test_sigkill_to_main_and_workers_mid_run_with_two_workers(
    tmp_path: Path, after_shards: int
) -> None:
    corpus = write_corpus(tmp_path / "in.jsonl", 2400)
    args = ["--shard-size", "40", "-j", "2"]
    reference = tmp_path / "reference"
    assert run_cleaner(cleaner_cmd(corpus, reference, *args)).returncode == 0
    out = tmp_path / "out"
    proc = WarmProcess(CLI_MAIN, cleaner_cmd(corpus, out, *args), env=_env(None))
    done = out / ".cleaner-run" / "done"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if done.is_dir() and len(list(done.glob("*.json"))) >= after_shards:
            break
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers
    assert proc.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    proc.close()
    resumed = run_cleaner(cleaner_cmd(corpus, out, *args, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert output_files(out) == output_files(reference)


def test_resume_refuses_changed_options(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert killed_at_rename(3, cleaner_cmd(corpus, out, "--shard-size", "70")) == -signal.SIGKILL
    proc = run_cleaner(cleaner_cmd(corpus, out, "--shard-size", "80", "--resume"))
    assert proc.returncode == 2
    assert "cannot resume" in proc.stderr
    assert "output changed" in proc.stderr


def test_resume_of_a_finished_run_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cleaner(cleaner_cmd(corpus, out, "--shard-size", "70")).returncode == 0
    before = output_files(out)
    assert run_cleaner(cleaner_cmd(corpus, out, "--shard-size", "70", "--resume")).returncode == 0
    assert output_files(out) == before


def test_rules_digest_does_not_depend_on_how_the_rules_path_is_spelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    relative = Cleaner.from_paths(["rules"]).rules_digest
    absolute = Cleaner.from_paths([ROOT / "rules"]).rules_digest
    assert relative == absolute


def test_a_second_run_into_a_busy_output_folder_is_refused(corpus: Path, tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    held = os.open(out, os.O_RDONLY)  # what a running `cleaner run -o out` holds
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        proc = run_cleaner(cleaner_cmd(corpus, out, "--shard-size", "70", "--resume"))
        assert proc.returncode == 2
        assert f"another cleaner run is writing to {out}" in proc.stderr
        assert list(out.iterdir()) == []  # it touched nothing
    finally:
        os.close(held)
    assert run_cleaner(cleaner_cmd(corpus, out, "--shard-size", "70")).returncode == 0
