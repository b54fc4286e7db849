"""Issue 18, part C: the output folder tells the truth about one run.

24. A kill between the final renames never leaves one run's files beside another run's
    summary; the next run, resumed or not, repairs a half-published folder.
25. Output places are checked before any output is touched; a failure to publish one file leaves
    the others as they were.
26. An input deleted mid-run is the input's business: never reported as the output failing.
27. ``--resume`` checks the committed shards (size, digest) and redoes one missing or changed.
28. A new run into a folder leaves only its own files there, and never removes the user's.

Every finished run here is checked against its files (``tests.output_checks``).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cleaner.run as run_mod
from cleaner.batch import batches
from cleaner.cli import EXIT_OK, EXIT_STOPPED, EXIT_USAGE, main
from cleaner.workers import FAULT_ENV
from tests.conftest import ROOT, RULES
from tests.output_checks import assert_accounted
from tests.scale_helpers import every_point, output_files, write_corpus
from tests.test_resume import KILL_BEFORE_RENAME, cleaner_cmd, killed_at_rename, run_cleaner
from tests.warm import run_warm

GOOD = "A real sentence about the economy and its many interesting parts today.\n" * 5
SHARD = ["--shard-size", "30"]


def run(*args: str) -> int:
    return main(["run", *args, "--rules", str(RULES)])


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def visible(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(folder).items() if not k.startswith(".")}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 articles, a few bad, with repeats (so --dedup drops some)."""
    return write_corpus(tmp_path_factory.mktemp("big") / "big.jsonl", 120)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.jsonl"
    path.write_text(json.dumps({"id": "old", "text": GOOD}) + "\n", "utf-8")
    return path


# -- 24: publishing a run is all or nothing --------------------------------------------------

PUBLISH = {"single": [], "single-dedup": ["--dedup", "exact"]}


def stopped_at_rename(n: int, args: list[str], ctrl_c: bool) -> int:
    """The run, sent SIGKILL (or a Ctrl-C) just before its Nth rename, with small checkpoints."""
    if not ctrl_c:
        return killed_at_rename(n, args, checkpoint=50)
    env = {**os.environ, "CI": "1", "TEST_CHECKPOINT": "50", "TEST_CTRL_C": "1"}
    return run_warm(KILL_BEFORE_RENAME, [str(n), *args], env=env).returncode


@pytest.mark.parametrize(
    ("layout", "stop"),
    [
        ("single", "kill"),
        ("single", "ctrl-c"),
        pytest.param("single-dedup", "kill", marks=pytest.mark.slow),
    ],
)
def test_a_stop_before_any_rename_never_shows_two_runs_and_the_next_run_repairs(
    big: Path, small: Path, tmp_path: Path, layout: str, stop: str
) -> None:
    extra = PUBLISH[layout]
    old, reference = tmp_path / "old", tmp_path / "reference"
    assert run_cleaner(cleaner_cmd(small, old, *extra)).returncode == 0
    assert run_cleaner(cleaner_cmd(big, reference, *extra)).returncode == 0
    assert_accounted(reference)
    expected = output_files(reference)

    def stop_then_repair(n: int) -> bool:
        """False when the run has fewer than n renames (every point has been tried)."""
        out = tmp_path / f"out{n}"
        shutil.copytree(old, out)  # a finished run (1 article) is already there
        code = stopped_at_rename(n, cleaner_cmd(big, out, *extra), stop == "ctrl-c")
        if code == 0:
            return False
        assert code == (130 if stop == "ctrl-c" else -signal.SIGKILL)
        if (out / "summary.json").exists():  # the old run's or the new one's, whole
            assert_accounted(out)
        again = ["--resume"] if n % 2 else []  # either repairs the folder
        proc = run_cleaner(cleaner_cmd(big, out, *extra, *again), checkpoint=50)
        assert proc.returncode == 0, proc.stderr
        assert output_files(out) == expected, f"stopped before rename {n}"
        return True

    assert every_point(stop_then_repair) >= 10


# -- 25: every output place checked first; one failing file replaces none --------------------


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, Path]:
    """A finished run in ``out``, and a new input that would change it."""
    first, second = tmp_path / "first.txt", tmp_path / "second.jsonl"
    first.write_text(GOOD, "utf-8")
    lines = [json.dumps({"id": f"n{i}", "text": GOOD if i % 2 else ""}) for i in range(6)]
    second.write_text("\n".join(lines) + "\n", "utf-8")
    assert run(str(first), "-o", str(tmp_path / "out")) == EXIT_OK
    return second, tmp_path / "out"


def test_rejects_into_an_existing_folder_is_a_usage_error_that_touches_nothing(
    tmp_path: Path, previous: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = previous
    (tmp_path / "folder").mkdir()
    before = tree(tmp_path)
    assert run(str(src), "-o", str(out), "--rejects", str(tmp_path / "folder")) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "is a folder" in err
    assert "Traceback" not in err
    assert tree(tmp_path) == before
    assert_accounted(out)


@pytest.mark.parametrize(
    "case", ["articles-is-a-folder", "outdir-under-a-file", "rejects-under-a-file"]
)
def test_other_output_places_that_cannot_work_are_refused_before_anything_is_written(
    tmp_path: Path, previous: tuple[Path, Path], case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = previous
    (tmp_path / "plain").write_text("a file\n", "utf-8")
    args = [str(src), "-o", str(out)]
    if case == "articles-is-a-folder":
        (out / "articles.jsonl").unlink()
        (out / "articles.jsonl").mkdir()
    elif case == "outdir-under-a-file":
        args = [str(src), "-o", str(tmp_path / "plain" / "out")]
    else:
        args += ["--rejects", str(tmp_path / "plain" / "rejects.jsonl")]
    before = tree(tmp_path)
    assert run(*args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "nothing was written" in err, err
    assert tree(tmp_path) == before


def test_stdout_run_with_rejects_into_a_folder_is_refused_before_any_record(
    tmp_path: Path, previous: tuple[Path, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    src, _ = previous
    (tmp_path / "folder").mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cleaner.cli",
            "run",
            str(src),
            "-o",
            "-",
            "--rules",
            str(RULES),
            "--rejects",
            str(tmp_path / "folder"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == EXIT_USAGE, proc.stderr
    assert proc.stdout == ""
    assert "is a folder" in proc.stderr


def test_a_place_that_breaks_during_the_run_leaves_the_previous_output_whole(
    tmp_path: Path, previous: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    src, out = previous
    rejects = tmp_path / "rejects.jsonl"
    real = run_mod._clean_pass

    def then_a_folder(*args: Any, **kwargs: Any) -> int:
        n = real(*args, **kwargs)
        rejects.mkdir()  # where the rejects go became a folder while the run ran
        return n

    monkeypatch.setattr(run_mod, "_clean_pass", then_a_folder)
    before = visible(out)
    assert run(str(src), "-o", str(out), "--rejects", str(rejects)) == EXIT_STOPPED
    assert visible(out) == before, "articles.jsonl was replaced, the rejects could not be"
    assert_accounted(out)


def test_a_file_that_cannot_be_staged_replaces_no_other(
    tmp_path: Path, previous: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cleaner.io.writers as writers

    src, out = previous
    rejects = tmp_path / "elsewhere" / "rejects.jsonl"

    def full_disk(src: Path, target: Path) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(writers, "stage", full_disk, raising=False)
    before = visible(out)
    assert run(str(src), "-o", str(out), "--rejects", str(rejects)) == EXIT_STOPPED
    assert visible(out) == before
    assert not rejects.exists()
    monkeypatch.undo()  # the disk has room again
    assert run(str(src), "-o", str(out), "--rejects", str(rejects), "--resume") == EXIT_OK
    assert_accounted(out, rejects)


# -- 26: reading is not writing --------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz", "a.txt"])
def test_an_input_deleted_while_it_is_read_is_never_a_write_failure(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    victim = folder / name
    if name == "a.txt":
        victim.write_text(GOOD, "utf-8")
    else:
        write_corpus(victim, 3)
    (folder / "b.txt").write_text(GOOD, "utf-8")
    real = batches

    def deleting(items: Iterator[Any], *args: Any) -> Any:
        def gen() -> Iterator[Any]:
            for item in items:
                yield item
                victim.unlink(missing_ok=True)  # gone after its first article was read

        return real(gen(), *args)

    monkeypatch.setattr(run_mod, "batches", deleting)
    code = run(str(folder), "-o", str(out))
    err = capsys.readouterr().err
    assert code == EXIT_OK, err
    assert "cannot write" not in err
    summary = assert_accounted(out)
    assert summary["articles_read"] == (2 if name == "a.txt" else 4)


def test_a_read_error_that_escapes_a_reader_names_the_input_not_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    write_corpus(src, 3)

    def failing(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(src))
        yield  # a generator, as the readers are

    monkeypatch.setattr(run_mod, "read_expanded", failing)
    assert run(str(src), "-o", str(tmp_path / "out")) == EXIT_STOPPED
    err = capsys.readouterr().err
    assert f"cannot read '{src}'" in err
    assert "cannot write" not in err


# -- 27: resume checks what it keeps ---------------------------------------------------------


def _spoil(path: Path, how: str) -> None:
    if how == "deleted":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:-40])
    else:  # same size, one byte changed: only the digest sees it
        data = bytearray(path.read_bytes())
        data[10] ^= 0x01
        path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("layout", "victim", "how"),
    [
        ("sharded", "articles-00000.jsonl", "deleted"),
        ("sharded", "rejects-00001.jsonl", "truncated"),
        ("sharded", "articles-00001.jsonl", "edited"),
        ("single", ".cleaner-run/parts/articles-00000.jsonl", "deleted"),
    ],
)
def test_resume_redoes_a_committed_shard_that_is_missing_or_changed(
    big: Path, tmp_path: Path, layout: str, victim: str, how: str
) -> None:
    extra = SHARD if layout == "sharded" else []
    reference, out = tmp_path / "reference", tmp_path / "out"
    assert run_cleaner(cleaner_cmd(big, reference, *extra)).returncode == 0
    # run.json, then 3 renames per shard: killed before the 9th, shards 0 and 1 are committed.
    assert killed_at_rename(9, cleaner_cmd(big, out, *extra), checkpoint=30) == -signal.SIGKILL
    _spoil(out / victim, how)
    proc = run_cleaner(cleaner_cmd(big, out, *extra, "--resume"), checkpoint=30)
    assert proc.returncode == 0, proc.stderr
    assert "redoing shard" in proc.stderr
    assert output_files(out) == output_files(reference)
    assert_accounted(out)


@pytest.mark.parametrize(
    ("moment", "victim"),
    [
        ("between-passes", ".cleaner-run/pass1/articles-00001.jsonl"),
        ("pass2-1", "articles-00000.jsonl"),
    ],
)
def test_dedup_resume_redoes_a_missing_shard_of_either_pass(
    big: Path, tmp_path: Path, moment: str, victim: str
) -> None:
    args = [*SHARD, "--dedup", "exact"]
    reference, out, fired = tmp_path / "reference", tmp_path / "out", tmp_path / "fired"
    assert run_cleaner(cleaner_cmd(big, reference, *args)).returncode == 0
    env = {**os.environ, FAULT_ENV: f"{moment}:SIGKILL:{fired}"}
    proc = run_warm(KILL_BEFORE_RENAME, ["0", *cleaner_cmd(big, out, *args)], env=env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    (out / victim).unlink()
    proc = run_cleaner(cleaner_cmd(big, out, *args, "--resume"))
    assert proc.returncode == 0, proc.stderr
    assert "redoing shard" in proc.stderr
    assert output_files(out) == output_files(reference)
    assert_accounted(out)


# -- 28: a new run leaves its own files only -------------------------------------------------

SWITCHES = [
    (SHARD, []),
    ([], SHARD),
    (["--compression", "gzip"], []),
    ([*SHARD, "--compression", "zstd"], SHARD),
    (["--dedup", "exact"], []),
    ([*SHARD, "--dedup", "exact"], SHARD),
]
USER_FILES = {"notes.txt": b"mine\n", "articles.jsonl.bak": b"mine too\n", "articles-x.md": b"\n"}


@pytest.mark.parametrize(("first", "second"), SWITCHES, ids=lambda a: " ".join(a) or "single")
def test_a_new_run_in_another_layout_leaves_only_its_own_files_and_the_users(
    big: Path, tmp_path: Path, first: list[str], second: list[str]
) -> None:
    out, reference = tmp_path / "out", tmp_path / "reference"
    assert run(str(big), "-o", str(out), *first) == EXIT_OK
    for name, data in USER_FILES.items():
        (out / name).write_bytes(data)
    assert run(str(big), "-o", str(out), *second) == EXIT_OK
    assert run(str(big), "-o", str(reference), *second) == EXIT_OK
    assert tree(out) == {**tree(reference), **USER_FILES}
    assert_accounted(out)


def test_a_run_inside_its_input_folder_never_reads_its_own_duplicates_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text(GOOD, "utf-8")
    (data / "b.txt").write_text(GOOD.upper(), "utf-8")  # the same text, once normalised
    args = [str(data), "-o", str(data / "out"), "--dedup", "exact", "--allow-output-in-input"]
    assert run(*args) == EXIT_OK
    first = assert_accounted(data / "out")
    assert first["duplicates_written"] == 1
    assert run(*args) == EXIT_OK  # duplicates.jsonl is now in the input folder: not an input
    assert assert_accounted(data / "out") == first
