"""Hostile input: whatever arrives, each article gives a record or a reject that says why.

Random bytes, invalid UTF-8, NUL bytes, a 100 MB line, broken JSONL, odd file names and
symbolic links. Each case runs the real command line and checks the three promises: no crash,
every article accounted for, and output that is valid UTF-8 JSON.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cleaner.cli import main
from cleaner.io.paths import printable
from cleaner.limits import DEFAULT_MAX_ARTICLE_BYTES
from cleaner.steps.repair import scrub
from tests.conftest import ROOT, RULES, cli_process

GOOD = "A real sentence about the economy and its many interesting parts today.\n" * 5


def run_ok(inputs: list[str], out: Path, *extra: str) -> dict[str, Any]:
    """Run the CLI; return the parsed outputs after checking the run's invariants."""
    assert main(["run", *inputs, "-o", str(out), "--rules", str(RULES), *extra]) == 0
    return outputs(out)


def outputs(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in ("articles.jsonl", "rejects.jsonl"):
        raw = (out / name).read_bytes()
        text = raw.decode("utf-8")  # strict: the output is always valid UTF-8
        assert "\x00" not in text
        result[name] = [json.loads(line) for line in text.splitlines()]
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["reconciled"] is True
    assert summary["articles_read"] == len(result["articles.jsonl"]) + len(result["rejects.jsonl"])
    for reject in result["rejects.jsonl"]:
        assert reject["reasons"]
        assert all(r["code"] and r["message"] for r in reject["reasons"])
    for record in result["articles.jsonl"]:
        assert record["text"]
    result["summary"] = summary
    return result


def codes(rejects: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {r["id"]: [x["code"] for x in r["reasons"]] for r in rejects}


def rules_with_limit(tmp_path: Path, limit: int) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    config = rules / "config.yaml"
    config.write_text(
        config.read_text("utf-8") + f"limits:\n  max_article_bytes: {limit}\n", "utf-8"
    )
    return rules


# -- bytes that are not text -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes_give_a_reject_or_a_record(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    src = tmp_path / "in"
    src.mkdir()
    for i, size in enumerate((1, 7, 100, 5000, 70_000)):
        (src / f"r{i}.txt").write_bytes(rng.randbytes(size))
    (src / "r.jsonl").write_bytes(
        b"\n".join(rng.randbytes(rng.randrange(1, 300)) for _ in range(20))
    )
    got = run_ok([str(src)], tmp_path / "out")
    # A byte or two may read as some legacy charset; 100 random bytes never pass as text.
    rejected = {Path(r["source"]).name for r in got["rejects.jsonl"]}
    assert rejected >= {"r2.txt", "r3.txt", "r4.txt"}


def test_invalid_utf8_is_decoded_or_rejected_never_written_raw(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "stray.txt").write_bytes(GOOD.encode() + b"caf\xe9 \xff\xfe \xc3\x28 end\n")
    (src / "truncated.txt").write_bytes(GOOD.encode() + "München".encode()[:2])
    (src / "overlong.txt").write_bytes(GOOD.encode() + b"\xc0\xaf\xe0\x80\xaf\n")
    (src / "surrogate.txt").write_bytes(GOOD.encode() + b"\xed\xa0\x80\n")  # CESU surrogate
    got = run_ok([str(src)], tmp_path / "out")
    records = {r["id"]: r for r in got["articles.jsonl"]}
    assert set(records) | set(codes(got["rejects.jsonl"])) == {
        "stray",
        "truncated",
        "overlong",
        "surrogate",
    }
    for record in records.values():
        assert record["encoding"] != "utf-8"  # not UTF-8, and the record says what it was


def test_nul_bytes(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "head.txt").write_bytes(b"\x00" + GOOD.encode())
    (src / "late.txt").write_bytes(GOOD.encode() * 40 + b"more \x00\x00 words\n")
    (src / "utf16.txt").write_bytes(GOOD.encode("utf-16-le"))  # NULs everywhere, no BOM
    lines = [
        json.dumps({"id": "nul-text", "text": "Before\u0000after. " + GOOD}),
        json.dumps({"id": "nul-meta", "text": GOOD, "note": "a\u0000b"}),
    ]
    (src / "n.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    got = run_ok([str(src)], tmp_path / "out")
    assert codes(got["rejects.jsonl"]) == {"head": ["binary_input"], "utf16": ["binary_input"]}
    records = {r["id"]: r for r in got["articles.jsonl"]}
    assert "more words" in records["late"]["text"]
    assert records["nul-text"]["text"].startswith("Beforeafter.")
    assert records["nul-meta"]["meta"] == {"note": "a\u0000b"}  # escaped in JSON, kept as given


def test_nul_and_lone_surrogates_are_scrubbed_even_with_repair_off(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "config.yaml").write_text("repair:\n  enabled: false\n", "utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "s", "text": "x\u0000y \ud800 z. " + GOOD}) + "\n", "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(src), "-o", str(out), "--rules", str(rules)]) == 0
    (record,) = outputs(out)["articles.jsonl"]
    assert record["text"].startswith("xy \ufffd z.")
    assert record["repairs"] == ["scrub:nul", "scrub:lone-surrogate"]


@pytest.mark.parametrize(
    ("text", "want", "steps"),
    [
        ("plain ascii", "plain ascii", []),
        ("café “quoted”", "café “quoted”", []),
        ("a\x00b", "ab", ["scrub:nul"]),
        ("é\ud800", "é\ufffd", ["scrub:lone-surrogate"]),
        ("\udfff", "\ufffd", ["scrub:lone-surrogate"]),
        ("\x00x\udc80", "x\ufffd", ["scrub:nul", "scrub:lone-surrogate"]),
        ("emoji 😀 is a pair, not a surrogate", "emoji 😀 is a pair, not a surrogate", []),
    ],
)
def test_scrub_finds_every_nul_and_lone_surrogate(text: str, want: str, steps: list[str]) -> None:
    assert scrub(text) == (want, steps)


# -- size ------------------------------------------------------------------------------------


_PEAK_RSS = (
    "import sys; from cleaner.cli import main; rc = main(sys.argv[1:]); "
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
    "print('peak-kb', hwm.split()[1], file=sys.stderr); sys.exit(rc)"
)


def _run_measured(args: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI in a child; return it and its peak resident memory in MB. VmHWM, unlike
    ru_maxrss, starts afresh at exec, so the parent's size does not count."""
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    peak = [line for line in proc.stderr.splitlines() if line.startswith("peak-kb")]
    assert peak, proc.stderr
    return proc, int(peak[0].split()[1]) / 1024


def test_a_100_mb_line_is_rejected_without_being_held_in_memory(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    line = b"word " * (20 * 1024 * 1024)  # 100 MiB, no line break
    (src / "huge.txt").write_bytes(line)
    with (src / "huge.jsonl").open("wb") as fh:
        fh.write(json.dumps({"id": "before", "text": GOOD}).encode() + b"\n")
        fh.write(b'{"id": "huge", "text": "' + line + b'"}\n')
        fh.write(json.dumps({"id": "after", "text": GOOD}).encode() + b"\n")
    del line
    out = tmp_path / "out"
    proc, rss_mb = _run_measured(["run", str(src), "-o", str(out), "--rules", str(RULES)])
    assert proc.returncode == 0, proc.stderr
    got = outputs(out)
    assert codes(got["rejects.jsonl"]) == {"huge": ["too_large"], "huge:2": ["too_large"]}
    assert [r["id"] for r in got["articles.jsonl"]] == ["before", "after"]
    message = got["rejects.jsonl"][0]["reasons"][0]["message"]
    assert f"over the limit of {DEFAULT_MAX_ARTICLE_BYTES:,} bytes" in message
    # The interpreter and libraries take ~100 MB; holding the line would add 100 MB or more.
    assert rss_mb < 100 + 3 * DEFAULT_MAX_ARTICLE_BYTES / 2**20, f"peak {rss_mb:.0f} MB"


def test_the_size_limit_is_a_setting_and_applies_to_every_reader(tmp_path: Path) -> None:
    rules = rules_with_limit(tmp_path, 1000)
    src = tmp_path / "in"
    src.mkdir()
    (src / "small.txt").write_text(GOOD, "utf-8")
    (src / "big.txt").write_text(GOOD * 10, "utf-8")
    (src / "j.jsonl").write_text(
        json.dumps({"id": "jbig", "text": GOOD * 10})
        + "\n"
        + json.dumps({"id": "js", "text": GOOD}),
        "utf-8",
    )
    out = tmp_path / "out"
    stdin_line = json.dumps({"id": "sbig", "text": GOOD * 10}) + "\n"
    proc = cli_process(
        "run", str(src), "-", "-o", str(out), "--rules", str(rules), input=stdin_line
    )
    assert proc.returncode == 0, proc.stderr
    got = outputs(out)
    assert codes(got["rejects.jsonl"]) == {
        "big": ["too_large"],
        "j:1": ["too_large"],
        "stdin:1": ["too_large"],
    }
    assert sorted(r["id"] for r in got["articles.jsonl"]) == ["js", "small"]


def test_the_pipeline_itself_enforces_the_limit(tmp_path: Path) -> None:
    from cleaner.pipeline import Cleaner
    from cleaner.record import RawArticle, Reject

    cleaner = Cleaner.from_paths([rules_with_limit(tmp_path, 1000)])
    for data in (GOOD * 10, (GOOD * 10).encode()):
        result = cleaner.clean(RawArticle("x", "x", data)).result
        assert isinstance(result, Reject)
        assert [r.code for r in result.reasons] == ["too_large"]


# -- JSONL -----------------------------------------------------------------------------------

JSONL_CASES: list[tuple[bytes, str | None, str]] = [
    # (line, expected reject code or None for a record, a phrase the message holds)
    (b"{not json", "bad_jsonl", "is not JSON"),
    (b'{"id": "t", "text": "unterminated', "bad_jsonl", "is not JSON"),
    (b"[1, 2, 3]", "bad_jsonl", "not a JSON object"),
    (b'"just a string"', "bad_jsonl", "not a JSON object"),
    (b"42", "bad_jsonl", "not a JSON object"),
    (b"null", "bad_jsonl", "not a JSON object"),
    (b'{"id": "m"}', "bad_jsonl", "'text' is missing"),
    (b'{"id": "n", "text": null}', "bad_jsonl", "'text' is missing"),
    (b'{"id": "i", "text": 5}', "bad_jsonl", "'text' is a int"),
    (b'{"id": "l", "text": ["a", "b"]}', "bad_jsonl", "'text' is a list"),
    (b'{"id": "o", "text": {"a": 1}}', "bad_jsonl", "'text' is a dict"),
    (b'{"id": "e", "text": ""}', "empty_input", "no text"),
    (b"[" * 100_000 + b"]" * 100_000, "bad_jsonl", "nests too deeply"),
    (b'{"id": "d", "text": "x", "m": ' + b"[" * 5000 + b"]" * 5000 + b"}", "bad_jsonl", "nests"),
    (b'{"id": "nan", "text": "t", "score": NaN}', "bad_jsonl", "NaN is not a JSON value"),
    (b'{"id": "inf", "text": "t", "score": -Infinity}', "bad_jsonl", "-Infinity is not"),
    (b'{"id": "big", "text": "t", "score": 1e999}', "bad_jsonl", "out of range"),
    (
        b'{"id": "s", "text": "t", "m": "\\udfff"}',
        "invalid_unicode",
        "'meta' holds a lone surrogate",
    ),
    (b'{"id": "s", "text": "t", "url": "\\udfff"}', "invalid_unicode", "'url' holds a lone"),
    (b'{"id": "u", "text": "caf\xe9"}', "bad_jsonl", "is not JSON"),  # not UTF-8
]


@pytest.mark.parametrize(("line", "code", "phrase"), JSONL_CASES)
def test_jsonl_lines_that_cannot_be_articles(
    tmp_path: Path, line: bytes, code: str | None, phrase: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(line + b"\n" + json.dumps({"id": "next", "text": GOOD}).encode())
    got = run_ok([str(src)], tmp_path / "out")
    assert [r["id"] for r in got["articles.jsonl"]] == ["next"]  # the run goes on
    (reject,) = got["rejects.jsonl"]
    assert reject["source"].endswith("in.jsonl:1")
    assert [r["code"] for r in reject["reasons"]] == [code]
    assert phrase in reject["reasons"][0]["message"]


def test_jsonl_values_of_the_wrong_type_that_can_be_ignored(tmp_path: Path) -> None:
    lines = [
        {"id": 1.5, "text": GOOD},  # an id that is not a string or integer: a derived id
        {"id": True, "text": GOOD},
        {"id": ["x"], "text": GOOD},
        {"id": "", "text": GOOD},
        {"id": 7, "text": GOOD, "url": 5, "site": ["a"]},  # unusable url/site: ignored
        {"id": "surrogate-pair-ok", "text": GOOD, "m": "\U0001f600"},
        {"id": "huge-int", "text": GOOD, "n": 10**40},
        {"id": "lone\ud800", "text": GOOD},  # an id must be writable: shown escaped
    ]
    src = tmp_path / "in.jsonl"
    body = "\r\n".join(json.dumps(x, ensure_ascii=True) for x in lines)  # CRLF, no final break
    src.write_bytes(b"\xef\xbb\xbf" + body.encode())  # and a BOM
    got = run_ok([str(src)], tmp_path / "out")
    assert got["rejects.jsonl"] == []
    records = got["articles.jsonl"]
    assert [r["id"] for r in records] == [
        "in:1",
        "in:2",
        "in:3",
        "in:4",
        "7",
        "surrogate-pair-ok",
        "huge-int",
        "lone\\ud800",
    ]
    assert records[4]["url"] is None
    assert records[4]["site"] is None
    assert records[5]["meta"] == {"m": "\U0001f600"}
    assert records[6]["meta"] == {"n": 10**40}


def test_blank_lines_are_not_articles(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n\n" + json.dumps({"id": "a", "text": GOOD}) + "\n  \n\t\n", "utf-8")
    got = run_ok([str(src)], tmp_path / "out")
    assert got["summary"]["articles_read"] == 1


# -- file names ------------------------------------------------------------------------------

ODD_NAMES = [
    "with space.txt",
    "new\nline.txt",
    "tab\there.txt",
    "-leading-dash.txt",
    "--double.txt",
    "ünïcödé 文章.txt",
    "quote\"and'apostrophe.txt",
    "back\\slash.txt",
    "semi;colon$(echo pwned).txt",
    "a" * 251 + ".txt",  # 255 bytes, the longest name most file systems take
]


def test_odd_file_names(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ODD_NAMES:
        (src / name).write_text(GOOD, "utf-8")
    raw = os.fsencode(src) + b"/caf\xe9-latin1-name.txt"  # not UTF-8: a surrogate in Python
    with open(raw, "wb") as fh:
        fh.write(GOOD.encode())
    got = run_ok([str(src)], tmp_path / "out")
    assert got["rejects.jsonl"] == []
    ids = sorted(r["id"] for r in got["articles.jsonl"])
    expected = sorted([n.removesuffix(".txt") for n in ODD_NAMES] + ["caf\\xe9-latin1-name"])
    assert ids == expected
    sources = [r["source"] for r in got["articles.jsonl"]]
    assert any(s.endswith("in/caf\\xe9-latin1-name.txt") for s in sources)


def test_a_file_named_like_an_option_is_read_after_double_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("-x.txt").write_text(GOOD, "utf-8")
    assert main(["run", "-o", "out", "--rules", str(RULES), "--", "-x.txt"]) == 0
    assert [r["id"] for r in outputs(Path("out"))["articles.jsonl"]] == ["-x"]


def test_printable_keeps_text_and_shows_undecodable_bytes() -> None:
    assert printable("plain/ü.txt") == "plain/ü.txt"
    assert printable(os.fsdecode(b"caf\xe9.txt")) == "caf\\xe9.txt"


# -- symbolic links and special files -------------------------------------------------------


@pytest.fixture
def linked_tree(tmp_path: Path) -> Path:
    """in/ with real files, and links of every kind; outside/ beside it."""
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (src / "a.txt").write_text(GOOD, "utf-8")
    (src / "sub" / "b.txt").write_text(GOOD, "utf-8")
    (src / "notes.md").write_text(GOOD, "utf-8")
    (outside / "secret.txt").write_text(GOOD, "utf-8")
    (src / "alias-of-a.txt").symlink_to("a.txt")  # same file: read once
    (src / "notes.txt").symlink_to("notes.md")  # in the tree, not read otherwise: read
    (src / "sub-again").symlink_to("sub")  # folder in the tree: its files are read anyway
    (src / "sub" / "loop").symlink_to("..")  # a loop
    (src / "self.txt").symlink_to("self.txt")  # a link to itself
    (src / "escape.txt").symlink_to(outside / "secret.txt")
    (src / "escape-dir").symlink_to(outside)
    (src / "broken.txt").symlink_to("does-not-exist.txt")
    (src / "broken-other").symlink_to("nowhere")  # not named like an input: not reported
    return src


def test_symlinks_inside_input_folders(linked_tree: Path, tmp_path: Path) -> None:
    got = run_ok([str(linked_tree)], tmp_path / "out")
    assert sorted(r["id"] for r in got["articles.jsonl"]) == ["a", "b", "notes"]
    rejects = {Path(r["source"]).name: r["reasons"][0] for r in got["rejects.jsonl"]}
    assert {k: v["code"] for k, v in rejects.items()} == {
        "broken.txt": "unreadable",
        "escape-dir": "link_outside_input",
        "escape.txt": "link_outside_input",
        "self.txt": "unreadable",
    }
    assert "leaves the input folder" in rejects["escape.txt"]["message"]
    assert "outside/secret.txt" in rejects["escape.txt"]["message"]
    assert "broken symbolic link to 'does-not-exist.txt'" in rejects["broken.txt"]["message"]


def test_a_link_named_on_the_command_line_is_followed(linked_tree: Path, tmp_path: Path) -> None:
    got = run_ok([str(linked_tree / "escape.txt"), str(linked_tree / "escape-dir")], tmp_path / "o")
    assert [r["id"] for r in got["articles.jsonl"]] == ["escape", "secret"]


def test_a_fifo_named_like_an_article_is_refused_not_read(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    os.mkfifo(src / "pipe.txt")  # reading it would block forever
    (src / "a.txt").write_text(GOOD, "utf-8")
    got = run_ok([str(src)], tmp_path / "out")
    assert codes(got["rejects.jsonl"]) == {"pipe": ["unreadable"]}
    assert "not a regular file" in got["rejects.jsonl"][0]["reasons"][0]["message"]


def test_an_unreadable_file_and_folder_are_rejects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tests run as root, who reads everything; the OS refusal is simulated where it lands.
    src = tmp_path / "in"
    (src / "locked").mkdir(parents=True)
    (src / "locked" / "inner.txt").write_text(GOOD, "utf-8")
    (src / "secret.txt").write_text(GOOD, "utf-8")
    (src / "fine.txt").write_text(GOOD, "utf-8")
    real_scandir, real_open = os.scandir, Path.open

    def scandir(path: Any) -> Any:
        if isinstance(path, str | Path) and Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    real_os_open = os.open

    def os_open(path: Any, *args: Any, **kwargs: Any) -> Any:  # inputs open through os.open
        if Path(path).name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(Path, "open", open_)
    monkeypatch.setattr(os, "open", os_open)
    got = run_ok([str(src)], tmp_path / "out")
    assert codes(got["rejects.jsonl"]) == {"secret": ["unreadable"], "locked": ["unreadable"]}
    assert [r["id"] for r in got["articles.jsonl"]] == ["fine"]


def test_a_folder_tree_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    src = deep = tmp_path / "in"
    src.mkdir()
    levels = []
    for _ in range(sys.getrecursionlimit() + 100):  # mkdir(parents=True) itself recurses
        deep = deep / "d"
        deep.mkdir()
        levels.append(deep)
    (deep / "bottom.txt").write_text(GOOD, "utf-8")
    (src / "top.txt").write_text(GOOD, "utf-8")
    try:
        got = run_ok([str(src)], tmp_path / "out")
        assert sorted(r["id"] for r in got["articles.jsonl"]) == ["bottom", "top"]
    finally:  # bottom up: shutil.rmtree (and pytest's own clean-up) would recurse too deep
        (deep / "bottom.txt").unlink()
        for level in reversed(levels):
            level.rmdir()
