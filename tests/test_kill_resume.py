"""Faults mid-run: SIGKILL the run or one worker at random moments, fill the disk, then resume.

After ``cleaner run --resume`` the output must equal an uninterrupted run's, byte for byte.
These drive the real command line in child processes, with real signals and a real tmpfs.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cleaner.errors import RunStopped
from cleaner.pipeline import Cleaner
from cleaner.workers import FAULT_ENV, LocalEngine
from tests.conftest import ROOT, RULES, SEEDS, small_tmpfs
from tests.warm import CLI_MAIN, WarmProcess, run_warm

SHARD = ["--shard-size", "25"]
KILLS = 20


def corpus(folder: Path, n: int = 300) -> Path:
    """A JSONL file of ``n`` articles built from the seeds' lines, with some bad lines too."""
    rng = random.Random(3)
    lines = [
        line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text("utf-8").splitlines()
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if i % 37 == 5:
                fh.write("{broken\n")
                continue
            text = "\n".join(rng.choice(lines) for _ in range(rng.randrange(3, 30)))
            fh.write(json.dumps({"id": f"a{i}", "text": text}) + "\n")
    return path


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cleaner.cli", "run", *args, "--rules", str(RULES)]


def warm_cli(*args: str) -> list[str]:
    """``cli``'s arguments, for a child of the warm interpreter (tests/warm.py)."""
    return ["run", *args, "--rules", str(RULES)]


def run_to_end(*args: str) -> float:
    start = time.perf_counter()
    proc = run_warm(CLI_MAIN, warm_cli(*args))
    assert proc.returncode == 0, proc.stderr
    return time.perf_counter() - start


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


def test_sigkill_the_run_at_20_random_moments_then_resume(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in")
    ref, out = tmp_path / "ref", tmp_path / "out"
    budget = run_to_end(str(src), "-o", str(ref), "-j", "2", *SHARD)
    rng = random.Random(20)
    kills = attempts = 0
    resume: list[str] = []
    while kills < KILLS and attempts < 5 * KILLS:
        attempts += 1
        # Its own process group: the run and its workers.
        proc = WarmProcess(CLI_MAIN, warm_cli(str(src), "-o", str(out), "-j", "2", *SHARD, *resume))
        time.sleep(rng.uniform(0, budget))
        try:
            kills += proc.killpg(signal.SIGKILL)  # a run that ended first is not a kill
            proc.wait()
        finally:
            proc.close()
        resume = ["--resume"]
    assert kills == KILLS
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, "--resume")
    assert tree(out) == tree(ref)


# A worker dies at an exact moment (cleaner.workers.FAULT_ENV), not after a sleep that races:
# while the pool starts, mid-batch at the first, a middle and the last of the 24 batches, and
# after the last result while the run commits. SIGKILL is also what the OOM killer sends;
# SIGSEGV is a crash in a C extension, SIGABRT a C library giving up (a failed allocation).
WORKER_DEATHS = [
    ("start", "SIGKILL"),
    ("batch-0", "SIGKILL"),
    ("batch-11", "SIGKILL"),
    ("batch-23", "SIGKILL"),
    ("batch-5", "SIGSEGV"),
    ("batch-9", "SIGABRT"),
    ("batch-7", "SIGTERM"),
    ("flush", "SIGKILL"),
]


@pytest.fixture(scope="module")
def worker_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("workers")
    src = corpus(folder / "in", 600)
    run_to_end(str(src), "-o", str(folder / "ref"), "-j", "2", *SHARD)
    return src, folder / "ref"


@pytest.mark.parametrize(("moment", "sig"), WORKER_DEATHS)
def test_a_dying_worker_stops_the_run_cleanly_then_resume_completes(
    tmp_path: Path, worker_corpus: tuple[Path, Path], moment: str, sig: str
) -> None:
    src, ref = worker_corpus
    out, fired = tmp_path / "out", tmp_path / "fired"
    env = {**os.environ, FAULT_ENV: f"{moment}:{sig}:{fired}"}
    # A lost worker must never hang the run.
    proc = run_warm(
        CLI_MAIN, warm_cli(str(src), "-o", str(out), "-j", "2", *SHARD), env, timeout=120
    )
    assert fired.exists(), "the fault was never injected"
    assert "Traceback" not in proc.stderr
    reference = tree(ref)
    if moment == "flush":  # every result was in: the run is whole
        assert proc.returncode == 0, proc.stderr
        assert tree(out) == reference
        return
    assert proc.returncode == 3, proc.stderr
    assert "cleaner: a worker process died" in proc.stderr
    assert "--resume" in proc.stderr
    committed = {k: v for k, v in tree(out).items() if not k.startswith(".")}
    for name, data in committed.items():
        assert data == reference[name], f"committed shard {name} is not whole"
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, "--resume")
    assert tree(out) == reference


def test_a_worker_dying_at_start_leaves_no_pool_running(
    tmp_path: Path, cleaner: Cleaner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine is never handed to a caller who could close it, so it shuts its broken pool
    # down itself: left to the interpreter's exit, the executor's teardown thread raced
    # multiprocessing's finalizers and printed a traceback after the clean message.
    monkeypatch.setenv(FAULT_ENV, f"start:SIGKILL:{tmp_path / 'fired'}")
    with pytest.raises(RunStopped, match="a worker process died"):
        LocalEngine(cleaner, 2, str(tmp_path))
    assert (tmp_path / "fired").exists(), "the fault was never injected"
    managers = [t for t in threading.enumerate() if type(t).__name__ == "_ExecutorManagerThread"]
    assert not managers, "the broken pool's thread outlived the stop"
    assert not multiprocessing.active_children()


def test_stopping_after_a_worker_died_mid_result_does_not_hang(
    tmp_path: Path, cleaner: Cleaner
) -> None:
    # A worker stopped while it wrote a result leaves half a message in the result pipe: the
    # executor's thread then waits for the rest, and a stop that joined it waited for ever
    # (seen once under Ctrl-C with -j 2). Half a message is written here by hand.
    engine = LocalEngine(cleaner, 2, str(tmp_path))
    assert engine.pool is not None
    writer = engine.pool._result_queue._writer  # type: ignore[attr-defined]
    os.write(writer.fileno(), struct.pack("!i", 1 << 20) + b"half a result")
    stopped = threading.Thread(target=engine.close, args=(False,), daemon=True)
    stopped.start()
    stopped.join(timeout=120)  # a hang, not a speed: the stop takes well under a second
    assert not stopped.is_alive(), "the stop waited for the rest of a dead worker's result"
    assert not multiprocessing.active_children()


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status  # exited, waiting for init to reap it


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("busy", [False, True])
def test_workers_exit_when_the_run_is_killed(tmp_path: Path, busy: bool) -> None:
    # Idle workers wait on an input that never ends (a pipe kept open); a busy one has stopped
    # itself mid-batch (SIGSTOP), so the run waits on it for ever. Then the main process alone gets SIGKILL, as from a
    # scheduler's preemption or the OOM killer: no worker may live on, orphaned.
    fired = tmp_path / "fired"
    env = {**os.environ, FAULT_ENV: f"batch-0:SIGSTOP:{fired}"} if busy else None
    proc = subprocess.Popen(
        cli("-", "-o", str(tmp_path / "out"), "-j", "2", "--shard-size", "1"),
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdin is not None
    try:
        assert _wait_for(lambda: len(children(proc.pid)) == 2, 60), "the workers never started"
        workers = children(proc.pid)
        if busy:
            proc.stdin.write(b"An article that keeps a worker busy.\n")
            proc.stdin.close()  # the article ends with the input
            assert _wait_for(fired.exists, 60), "no worker took the batch"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert _wait_for(lambda: all(_gone(pid) for pid in workers), 5), "workers outlived the run"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        if not proc.stdin.closed:
            proc.stdin.close()


def test_full_disk_keeps_committed_shards_and_resume_completes(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", 600)
    ref = tmp_path / "ref"
    run_to_end(str(src), "-o", str(ref), *SHARD)
    size = sum(len(v) for v in tree(ref).values())
    with small_tmpfs(tmp_path / "disk", str(size // 2)) as disk:
        out = disk / "out"
        proc = run_warm(CLI_MAIN, warm_cli(str(src), "-o", str(out), *SHARD))
        assert proc.returncode == 3, proc.stderr
        assert "No space left on device" in proc.stderr
        assert "--resume" in proc.stderr  # the message says how to finish
        assert "Traceback" not in proc.stderr
        committed = {k: v for k, v in tree(out).items() if not k.startswith(".")}
        assert committed, "some shards were committed before the disk filled"
        reference = tree(ref)
        for name, data in committed.items():
            assert data == reference[name], f"committed shard {name} is not whole"
        subprocess.run(["mount", "-o", f"remount,size={4 * size}", str(disk)], check=True)
        run_to_end(str(src), "-o", str(out), *SHARD, "--resume")
        assert tree(out) == reference


def test_ctrl_c_stops_cleanly_then_resume_completes(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", 1500)
    ref, out = tmp_path / "ref", tmp_path / "out"
    run_to_end(str(src), "-o", str(ref), "-j", "2", *SHARD)
    proc = subprocess.Popen(
        cli(str(src), "-o", str(out), "-j", "2", *SHARD),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A terminal's Ctrl-C reaches the whole process group; a shell may have ignored it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    done = out / ".cleaner-run" / "done"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if done.is_dir() and any(done.iterdir()):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "cleaner: interrupted" in err
    assert "--resume" in err
    assert "Traceback" not in err
    assert not any((out / ".cleaner-run" / "tmp").iterdir())  # nothing half-written
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, "--resume")
    assert tree(out) == tree(ref)


# -- a run with a corpus stage (--dedup exact): two passes, a kill in either -------------------

DEDUP = ["--dedup", "exact"]


def dup_corpus(folder: Path, n: int = 300) -> Path:
    """``corpus``, with a copy of every third article further on (case and spacing changed)."""
    path = corpus(folder, n)
    lines = path.read_text("utf-8").splitlines()
    copies = []
    for line in lines[::3]:
        if line.startswith("{broken"):
            continue
        obj = json.loads(line)
        copies.append(json.dumps({"id": obj["id"] + "-copy", "text": obj["text"].upper()}))
    rng = random.Random(5)
    for copy in copies:
        lines.insert(rng.randrange(len(lines) + 1), copy)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def dedup_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("dedup")
    src = dup_corpus(folder / "in")
    run_to_end(str(src), "-o", str(folder / "ref"), "-j", "1", *SHARD, *DEDUP)
    summary = json.loads((folder / "ref" / "summary.json").read_text("utf-8"))
    assert summary["duplicates_written"] >= 50, "the corpus must hold duplicates"
    return src, folder / "ref"


# The main process SIGKILLs itself at an exact moment (cleaner.workers.inject_fault): after pass
# 1 commits a shard, between a shard's saved state and its marker, between the passes, after
# pass 2 commits its first or a middle shard. Its workers die with it.
PASS_KILLS = ["pass1-0", "pass1-6", "pass1-6-state", "between-passes", "pass2-0", "pass2-8"]


@pytest.mark.parametrize("moment", PASS_KILLS)
def test_dedup_sigkill_in_either_pass_then_resume_equals_an_uninterrupted_run(
    tmp_path: Path, dedup_corpus: tuple[Path, Path], moment: str
) -> None:
    src, ref = dedup_corpus
    out, fired = tmp_path / "out", tmp_path / "fired"
    env = {**os.environ, FAULT_ENV: f"{moment}:SIGKILL:{fired}"}
    args = cli(str(src), "-o", str(out), "-j", "2", *SHARD, *DEDUP)
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert fired.exists(), "the fault was never injected"
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not (out / "summary.json").exists()
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, *DEDUP, "--resume")
    assert tree(out) == tree(ref)  # and -j 2 wrote the bytes of -j 1


def test_dedup_worker_death_in_pass_1_stops_cleanly_then_resume_completes(
    tmp_path: Path, dedup_corpus: tuple[Path, Path]
) -> None:
    src, ref = dedup_corpus
    out, fired = tmp_path / "out", tmp_path / "fired"
    env = {**os.environ, FAULT_ENV: f"batch-1:SIGKILL:{fired}"}
    args = cli(str(src), "-o", str(out), "-j", "2", *SHARD, *DEDUP)
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "cleaner: a worker process died" in proc.stderr
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, *DEDUP, "--resume")
    assert tree(out) == tree(ref)


def test_dedup_sigkill_at_random_moments_then_resume(
    tmp_path: Path, dedup_corpus: tuple[Path, Path]
) -> None:
    src, ref = dedup_corpus
    out = tmp_path / "out"
    budget = run_to_end(str(src), "-o", str(tmp_path / "timed"), "-j", "2", *SHARD, *DEDUP)
    rng = random.Random(8)
    kills = attempts = 0
    resume: list[str] = []
    while kills < 8 and attempts < 40:
        attempts += 1
        proc = subprocess.Popen(
            cli(str(src), "-o", str(out), "-j", "2", *SHARD, *DEDUP, *resume),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0, budget))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        resume = ["--resume"]
    assert kills == 8
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, *DEDUP, "--resume")
    assert tree(out) == tree(ref)
