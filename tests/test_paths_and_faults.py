"""Where output goes, and what happens when writing it fails.

- The output folder is never an input folder, inside one or around one, unless the user says so.
- No output name derived from an id, a site or a shard leaves the output folder.
- A full disk ends the run with a clear message and exit 3; committed output stays whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner.cli import EXIT_STOPPED, EXIT_USAGE, main
from cleaner.errors import CleanerError
from cleaner.io.paths import MAX_NAME_BYTES, output_path
from tests.conftest import ROOT, RULES, SEEDS, small_tmpfs

GOOD = "A real sentence about the economy and its many interesting parts today.\n" * 5


def run(*args: str) -> int:
    return main(["run", *args, "--rules", str(RULES)])


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def visible(folder: Path) -> dict[str, bytes]:
    """The output files, without the hidden work folder a stopped run keeps for --resume."""
    return {k: v for k, v in tree(folder).items() if not k.startswith(".")}


# -- output location -------------------------------------------------------------------------


@pytest.fixture
def data(tmp_path: Path) -> Path:
    src = tmp_path / "data"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text(GOOD, "utf-8")
    (src / "sub" / "b.txt").write_text(GOOD, "utf-8")
    return src


@pytest.mark.parametrize(
    ("output", "phrase"),
    [
        ("data", "is the input"),
        ("data/out", "is inside the input folder"),
        ("data/sub/deeper/out", "is inside the input folder"),
        ("data/sub/../out", "is inside the input folder"),
        (".", "holds the input"),
    ],
)
def test_output_never_overlaps_input(
    data: Path,
    output: str,
    phrase: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(data.parent)
    before = tree(data.parent)
    assert run("data", "-o", output) == EXIT_USAGE
    err = capsys.readouterr().err
    assert phrase in err
    assert "--allow-output-in-input" in err
    assert tree(data.parent) == before  # nothing was written


def test_overlap_is_found_through_symlinks(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "alias").symlink_to(data)
    assert run(str(data), "-o", str(tmp_path / "alias" / "out")) == EXIT_USAGE
    assert "is inside the input folder" in capsys.readouterr().err


def test_an_input_file_is_never_the_rejects_file(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(str(data), "-o", str(tmp_path / "o"), "--rejects", str(data / "r.jsonl")) == 2
    assert "rejects file" in capsys.readouterr().err
    assert run(str(data / "a.txt"), "-o", str(tmp_path / "o"), "--rejects", str(data / "a.txt"))
    assert (data / "a.txt").read_text("utf-8") == GOOD


@pytest.mark.parametrize("output", ["data", "data/out"])
def test_allowed_on_purpose_and_own_output_is_never_read(
    data: Path, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(data.parent)
    for _ in range(2):  # the second run must not read the first run's output
        assert run("data", "-o", output, "--allow-output-in-input") == 0
        summary = json.loads(Path(output, "summary.json").read_text("utf-8"))
        assert summary["articles_read"] == 2
        records = Path(output, "articles.jsonl").read_text("utf-8").splitlines()
        assert sorted(json.loads(r)["id"] for r in records) == ["a", "b"]


# -- names derived from ids and sites --------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "../x", "a/b", "/etc/passwd", "a\\b", "a\0b", "x" * (MAX_NAME_BYTES + 1)],
)
def test_output_path_refuses_names_that_leave_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(CleanerError, match="output file name"):
        output_path(tmp_path, name)


def test_output_path_takes_plain_names(tmp_path: Path) -> None:
    for name in ("articles.jsonl", "rejects-00001.jsonl.gz", "é" * 127):
        assert output_path(tmp_path, name).parent == tmp_path


def test_hostile_ids_and_sites_write_nothing_outside_the_output(tmp_path: Path) -> None:
    hostile = ["../../escape", "/etc/passwd", "..", "a/../../b", "C:\\x", "\x00", "~root"]
    lines = [
        json.dumps({"id": h, "text": GOOD, "site": h, "url": f"http://{h}/x"}) for h in hostile
    ]
    src = tmp_path / "deep" / "in.jsonl"
    src.parent.mkdir()
    src.write_text("\n".join(lines), "utf-8")
    out = tmp_path / "deep" / "out"
    before = set(tmp_path.rglob("*"))
    assert run(str(src), "-o", str(out)) == 0
    created = set(tmp_path.rglob("*")) - before
    assert created == {out, out / "articles.jsonl", out / "rejects.jsonl", out / "summary.json"}
    ids = [json.loads(x)["id"] for x in (out / "articles.jsonl").read_text("utf-8").splitlines()]
    assert ids == hostile  # kept as data, exactly


# -- full disk -------------------------------------------------------------------------------


def big_input(folder: Path, n: int) -> Path:
    folder.mkdir()
    body = "".join(
        f"Sentence {i} about the harbour, the council and the weather.\n" for i in range(40)
    )
    for i in range(n):
        (folder / f"{i:04d}.txt").write_text(f"Article {i}.\n" + body, "utf-8")
    return folder


def test_full_disk_ends_with_a_message_and_exit_3_then_resume_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = big_input(tmp_path / "big", 600)
    assert run(str(big), "-o", str(tmp_path / "ref")) == 0
    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        out = disk / "out"
        assert run(str(SEEDS), "-o", str(out)) == 0  # fits: committed
        committed = visible(out)
        capsys.readouterr()
        assert run(str(big), "-o", str(out)) == EXIT_STOPPED
        err = capsys.readouterr().err
        assert "No space left on device" in err
        assert "--resume" in err
        assert "Traceback" not in err
        assert visible(out) == committed  # earlier output whole until a run finishes
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        assert run(str(big), "-o", str(out), "--resume") == 0
        assert tree(out) == tree(tmp_path / "ref")


def test_a_write_limit_ends_the_run_the_same_way(tmp_path: Path) -> None:
    """Where no tmpfs can be mounted, RLIMIT_FSIZE makes the kernel refuse writes past 64 KB
    (EFBIG instead of ENOSPC): the same path through the code, on any machine."""
    out = tmp_path / "out"
    assert run(str(SEEDS), "-o", str(out)) == 0
    committed = visible(out)
    script = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)); "
        "from cleaner.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    args = ["run", str(big_input(tmp_path / "big", 200)), "-o", str(out), "--rules", str(RULES)]
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert proc.returncode == EXIT_STOPPED, proc.stderr
    assert "File too large" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert visible(out) == committed


def test_output_that_is_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").write_text("not a folder", "utf-8")
    assert run(str(SEEDS), "-o", str(tmp_path / "out")) == EXIT_USAGE
    assert "is a file, not a folder" in capsys.readouterr().err


def test_rejects_file_never_collides_with_the_runs_own_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run(str(SEEDS), "-o", str(out), "--rejects", str(out / "articles.jsonl")) == 2
    assert "would be overwritten by the run's own 'articles.jsonl'" in capsys.readouterr().err
    assert run(str(SEEDS), "-o", str(out), "--rejects", str(out / "rejects.jsonl")) == 0


def test_sigterm_stops_the_run_cleanly_and_resume_finishes(tmp_path: Path) -> None:
    """A scheduler's SIGTERM mid-run: exit 143, earlier output whole; --resume finishes."""
    src = big_input(tmp_path / "big", 3000)
    assert run(str(src), "-o", str(tmp_path / "ref")) == 0
    out = tmp_path / "out"
    assert run(str(SEEDS), "-o", str(out)) == 0
    committed = visible(out)
    args = ["run", str(src), "-o", str(out), "--rules", str(RULES)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleaner.cli", *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(600):  # wait until it is writing: its work folder exists
        if any(p.name.startswith(".cleaner") for p in out.iterdir()) or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert visible(out) == committed
    assert run(str(src), "-o", str(out), "--resume") == 0
    assert tree(out) == tree(tmp_path / "ref")
