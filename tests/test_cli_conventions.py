"""Issue 17 parts 2-3: inputs read as users expect (or refused with a reason), every skipped
file counted, and the Unix conventions (-q, --version, python -m cleaner, -o - streams, a
closed pipe, exit codes in --help, pack errors with a line and a "did you mean")."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.cli import main
from cleaner.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED = sorted(SEEDS.glob("*.txt"))[0]
TEXT = SEED.read_text("utf-8")


def cli(*argv: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *argv],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "1"},
        check=False,
    )


def jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# -- inputs ----------------------------------------------------------------------------------


def test_json_csv_and_txt_gz_are_read_as_articles(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "many.json").write_text(json.dumps([{"id": "j1", "text": TEXT}, {"id": "j2"}, 3]))
    (src / "one.json").write_text(json.dumps({"id": "o1", "text": TEXT, "url": "https://x.org/a"}))
    with (src / "rows.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "body", "lang_hint"], ["c1", TEXT, "en"]])
    (src / "g.txt.gz").write_bytes(gzip.compress(TEXT.encode()))
    (src / "plain.txt").write_bytes(gzip.compress(TEXT.encode()))  # gzip by content
    out = tmp_path / "out"
    assert main(["run", str(src), "-o", str(out), "--text-key", "body"]) == 0
    by_id = {r["id"]: r for r in jsonl(out / "articles.jsonl")}
    assert set(by_id) == {"c1", "g", "plain"}
    assert by_id["c1"]["meta"] == {"lang_hint": "en"}
    assert by_id["g"]["text"] == by_id["plain"]["text"]
    # Without the right --text-key the JSON rows are rejects that say which fields there are.
    assert main(["run", str(src), "-o", str(tmp_path / "o2")]) == 0
    ids = {r["id"] for r in jsonl(tmp_path / "o2" / "articles.jsonl")}
    assert {"j1", "o1", "g", "plain"} <= ids
    codes = [r["reasons"][0]["code"] for r in jsonl(tmp_path / "o2" / "rejects.jsonl")]
    assert codes.count("bad_row") == 3  # j2 without text, the 3, and c1 without a 'text' column


def test_a_csv_row_without_the_text_column_names_the_columns(tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("id,body\nc1,hello\n", "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "rows.csv"), "-o", str(out)]) == 0
    (reject,) = jsonl(out / "rejects.jsonl")
    assert reject["source"].endswith("rows.csv:1")  # type: ignore[union-attr]
    message = reject["reasons"][0]["message"]  # type: ignore[index]
    assert "fields: id, body" in message
    assert "--text-key" in message


def test_parquet_rows_are_articles(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"id": ["p1", "p2"], "text": [TEXT, None], "n": [1, 2]})
    pq.write_table(table, tmp_path / "rows.parquet")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "rows.parquet"), "-o", str(out)]) == 0
    (rec,) = jsonl(out / "articles.jsonl")
    assert rec["id"] == "p1"
    assert rec["meta"] == {"n": 1}
    (reject,) = jsonl(out / "rejects.jsonl")
    assert reject["id"] == "p2"


def test_skipped_files_are_counted_and_named_files_refused(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, "utf-8")
    (src / "README.md").write_text("# notes\n", "utf-8")
    (src / "data.xml").write_text("<a/>", "utf-8")
    (src / "b.md").write_text("more notes", "utf-8")
    proc = cli("run", str(src), str(src / "README.md"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "skipped 3 files (.md 2, .xml 1)" in proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["files_skipped"] == {".md": 2, ".xml": 1}
    # Named on the command line, the README is not silently an article: a reject says why.
    (reject,) = jsonl(tmp_path / "out" / "rejects.jsonl")
    assert reject["reasons"][0]["code"] == "unsupported_input"  # type: ignore[index]
    assert summary["articles_read"] == 2


def test_a_missing_input_is_a_usage_error_and_nothing_is_written(tmp_path: Path) -> None:
    proc = cli("run", str(tmp_path / "typo.jsonl"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "typo.jsonl' not found" in proc.stderr
    assert not (tmp_path / "out").exists()


# -- conventions -----------------------------------------------------------------------------


def test_version_module_and_exit_codes_in_help() -> None:
    import cleaner

    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"cleaner {cleaner.__version__}"
    for argv in (("--help",), ("run", "--help")):
        out = cli(*argv).stdout
        assert "exit codes:" in out
        for code, _ in EXIT_CODES:
            assert f"\n  {code:<4} " in out


def test_dash_o_streams_records_rejects_as_jsonl_and_one_summary_line(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "a", "text": TEXT}), "{not json", json.dumps({"id": "b"})]
    proc = cli("run", "-", "-o", "-", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["id"] for x in proc.stdout.splitlines()] == ["a"]
    err = proc.stderr.splitlines()
    *rejects, last = err
    assert [json.loads(x)["id"] for x in rejects] == ["stdin:2", "b"]
    assert json.loads(rejects[0])["source"] == "stdin:2"  # one name for stdin, id and source
    assert last.startswith("cleaner: 3 read, 1 written, 2 rejected")
    summary = tmp_path / "summary.json"
    proc = cli(
        "run", "-", "-o", "-", "--rejects", str(tmp_path / "r.jsonl"), "--summary", str(summary),
        stdin="\n".join(lines) + "\n",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert json.loads(summary.read_text("utf-8"))["records_written"] == 1
    assert len(jsonl(tmp_path / "r.jsonl")) == 2


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    proc = cli("run", str(SEED), "-o", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_a_closed_pipe_ends_quietly_with_status_0(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as fh:
        for i in range(300):
            fh.write(json.dumps({"id": f"d{i}", "text": TEXT}) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleaner", "run", str(big), "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CI": "1"},
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    first = proc.stdout.readline()  # as `| head -1` does, then the reader goes away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=300) == 0, err
    assert json.loads(first)["id"] == "d0"
    assert "Traceback" not in err
    assert "Broken pipe" not in err


def test_pack_errors_have_a_line_and_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "pack: p\ndescription: d\nscope: site\nmatch:\n  domain: [example.com]\nrules: []\n"
    )
    proc = cli("check-rules", "--no-default-rules", "--rules", str(tmp_path / "p.yaml"))
    assert proc.returncode == 2
    assert (
        f"{tmp_path / 'p.yaml'}:5: unknown key 'domain' (valid: domains, fingerprints); "
        "did you mean 'domains'?"
    ) in proc.stderr


def test_hostile_rows_are_rejects_with_a_reason_and_the_run_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, "utf-8")
    (src / "broken.json").write_text('[{"id": "x", "text": "unfinished', "utf-8")
    (src / "deep.json").write_text("[" * 1500 + "]" * 1500, "utf-8")
    (src / "latin1.csv").write_bytes(b"id,text\nl1,caf\xe9\n")
    (src / "fake.parquet").write_bytes(b"PAR1 not really")
    (src / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 5000))
    (src / "big.json").write_text(json.dumps([{"id": "b", "text": "word " * 1000}]), "utf-8")
    (tmp_path / "cleaner.yaml").write_text("limits:\n  max_article_bytes: 200\n", "utf-8")
    proc = cli("run", "in", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    rejects = {
        Path(str(r["source"])).name.split(":")[0]: r
        for r in jsonl(tmp_path / "out" / "rejects.jsonl")
    }
    code = {name: r["reasons"][0]["code"] for name, r in rejects.items()}  # type: ignore[index]
    assert code == {
        "a.txt": "too_large",  # the seed is over the 200-byte limit too
        "broken.json": "bad_row",
        "deep.json": "bad_row",
        "latin1.csv": "unreadable",
        "fake.parquet": "unreadable",
        "bomb.txt.gz": "too_large",
        "big.json": "too_large",
    }
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["reconciled"]


@pytest.mark.slow
def test_a_ray_run_prints_only_its_summary_and_keeps_rays_output_in_a_log(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "out"
    proc = cli("run", str(SEEDS), "-o", str(out), "--engine", "ray", "-j", "1", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("cleaner: 5 read, 5 written, 0 rejected")
    assert (out / "ray.log").is_file()
