"""Faults mid-run: SIGKILL the run or one worker at random moments, fill the disk, then resume.

After ``cleaner run --resume`` the output must equal an uninterrupted run's, byte for byte.
These drive the real command line in child processes, with real signals and a real tmpfs.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, RULES, SEEDS, small_tmpfs

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


def run_to_end(*args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cli(*args), cwd=ROOT, capture_output=True, text=True, check=False)
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
        proc = subprocess.Popen(
            cli(str(src), "-o", str(out), "-j", "2", *SHARD, *resume),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the run and its workers
        )
        time.sleep(rng.uniform(0, budget))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        resume = ["--resume"]
    assert kills == KILLS
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, "--resume")
    assert tree(out) == tree(ref)


def test_sigkill_one_worker_then_resume(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", 600)
    ref, out = tmp_path / "ref", tmp_path / "out"
    budget = run_to_end(str(src), "-o", str(ref), "-j", "2", *SHARD)
    rng = random.Random(21)
    for _ in range(5):
        proc = subprocess.Popen(
            cli(str(src), "-o", str(out), "-j", "2", *SHARD, "--resume"),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.3, max(0.4, budget / 2)))
        workers = children(proc.pid) if proc.poll() is None else []
        if workers:
            os.kill(rng.choice(workers), signal.SIGKILL)
        try:
            # A lost worker must never hang the run: it ends (finished or failed) promptly.
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("the run hung after one of its workers was killed")
        assert proc.returncode in (0, 3), err
    run_to_end(str(src), "-o", str(out), "-j", "2", *SHARD, "--resume")
    assert tree(out) == tree(ref)


def test_full_disk_keeps_committed_shards_and_resume_completes(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", 600)
    ref = tmp_path / "ref"
    run_to_end(str(src), "-o", str(ref), *SHARD)
    size = sum(len(v) for v in tree(ref).values())
    with small_tmpfs(tmp_path / "disk", str(size // 2)) as disk:
        out = disk / "out"
        proc = subprocess.run(
            cli(str(src), "-o", str(out), *SHARD), cwd=ROOT, capture_output=True, text=True
        )
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
