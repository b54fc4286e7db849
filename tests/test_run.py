"""End to end through the command line: outputs, reconciliation, bad inputs, exit codes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from cleaner.cli import main
from tests.conftest import RULES, SEEDS, cli_process

GOOD = "A real sentence about the economy and its many interesting parts today.\n" * 5


def read_jsonl(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def run_cli(*args: str) -> int:
    return main(["run", *args, "--rules", str(RULES)])


@pytest.fixture
def mixed_inputs(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(GOOD, "utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_bytes(b" \n\n\t\n")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 4)
    rng = random.Random(1)
    (src / "garbage.txt").write_bytes(bytes(rng.randrange(128, 256) for _ in range(300)))
    (src / "latin1.txt").write_bytes(
        ("Ça coûte très cher à Paris, disent les habitants du quartier. " * 4).encode("cp1252")
    )
    (src / "chrome-only.txt").write_text("Share To\n\nWhatsApp\n", "utf-8")
    return src


def test_every_article_is_accounted_for(mixed_inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(str(mixed_inputs), "-o", str(out)) == 0
    records = read_jsonl(out / "articles.jsonl")
    rejects = read_jsonl(out / "rejects.jsonl")
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["articles_read"] == 7 == len(records) + len(rejects)
    assert summary["reconciled"] is True
    codes = {Path(r["source"]).name: [x["code"] for x in r["reasons"]] for r in rejects}
    assert codes == {
        "binary.txt": ["binary_input"],
        "blank.txt": ["empty_input"],
        "chrome-only.txt": ["empty_text"],
        "empty.txt": ["empty_input"],
        "garbage.txt": ["undecodable"],
    }
    by_name = {Path(r["source"]).name: r for r in records}
    assert by_name["latin1.txt"]["encoding"] == "cp1252"
    assert by_name["latin1.txt"]["text"].startswith("Ça coûte très cher")
    assert all(r["message"] for rej in rejects for r in rej["reasons"])


def test_strict_exits_1_when_rejects(mixed_inputs: Path, tmp_path: Path) -> None:
    assert run_cli(str(mixed_inputs), "-o", str(tmp_path / "o"), "--strict") == 1
    assert run_cli(str(SEEDS), "-o", str(tmp_path / "s"), "--strict") == 0


def test_rule_error_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "x.yaml").write_text("pack: x\n  bad: [\n", "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(SEEDS), "-o", str(out), "--rules", str(bad)]) == 2
    assert not out.exists()
    assert "x.yaml:2: YAML syntax error" in capsys.readouterr().err


def test_usage_error_exits_2() -> None:
    assert main(["run"]) == 2


def test_same_input_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run_cli(str(SEEDS), "-o", str(tmp_path / name)) == 0
    for f in ("articles.jsonl", "rejects.jsonl", "summary.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_crash_mid_run_leaves_previous_output_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert run_cli(str(SEEDS), "-o", str(out)) == 0
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    from cleaner import pipeline

    calls = {"n": 0}
    real = pipeline.Cleaner.clean

    def explode(self, raw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, raw)

    monkeypatch.setattr(pipeline.Cleaner, "clean", explode)
    assert run_cli(str(SEEDS), "-o", str(out)) == 130  # as a Ctrl-C ends it
    # The previous output is whole; beside it only the hidden folder that --resume continues from.
    assert {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()} == before
    assert [f.name for f in out.iterdir() if f.is_dir()] == [".cleaner-run"]
    monkeypatch.setattr(pipeline.Cleaner, "clean", real)
    assert run_cli(str(SEEDS), "-o", str(out), "--resume") == 0
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_pipe_jsonl_in_and_out(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "j1", "text": GOOD, "url": "https://example.org/a", "extra": 7}),
        "{not json",
        json.dumps({"id": "j3", "body": "no text key"}),
    ]
    proc = cli_process("run", "-", "-o", "-", "--rules", str(RULES), input="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["id"] for r in records] == ["j1"]
    assert records[0]["meta"] == {"extra": 7}
    assert records[0]["site"] == "example.org"
    err_lines = [json.loads(x) for x in proc.stderr.splitlines() if x.startswith("{")]
    rejects = [x for x in err_lines if "reasons" in x]
    assert [(r["id"], r["reasons"][0]["code"]) for r in rejects] == [
        ("stdin:2", "bad_jsonl"),
        ("j3", "bad_jsonl"),
    ]
    assert rejects[0]["source"] == "stdin:2"  # one name for id and source


def test_output_folder_cannot_be_the_input(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD, "utf-8")
    assert run_cli(str(tmp_path), "-o", str(tmp_path)) == 2


def test_check_and_test_rules_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-rules", "--rules", str(RULES)]) == 0
    assert main(["test-rules", "--rules", str(RULES)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("passed, 0 failed")
