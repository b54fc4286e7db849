"""Issue 18, hostile input round two, part A: readers, limits, paths, schema, WARC.

Each case gives a reject with a reason (and the run goes on) or a usage error with exit 2;
never a traceback, a hang, or a record that silently differs from its input.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import zstandard

from cleaner.cli import main
from cleaner.limits import MAX_JSON_DEPTH
from tests.conftest import RULES

TEXT = "A real sentence about the economy and its many interesting parts today. " * 3


def run(*args: str) -> int:
    return main(["run", *args, "--rules", str(RULES)])


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def codes(out: Path) -> list[str]:
    return [r["reasons"][0]["code"] for r in jsonl(out / "rejects.jsonl")]


def nested(depth: int) -> str:
    """A JSON value ``depth`` containers deep."""
    return "[" * depth + "1" + "]" * depth


def line(**fields: Any) -> str:
    return json.dumps({"text": TEXT, **fields})


# -- 1: integers past Python's 4,300-digit limit ---------------------------------------------


def test_a_5000_digit_integer_is_a_bad_jsonl_reject_and_the_run_goes_on(tmp_path: Path) -> None:
    # Rejected, not kept: no JSON reader downstream (Python's included) reads it back.
    src = tmp_path / "in.jsonl"
    src.write_text('{"n":1' + "0" * 5000 + ',"text":"x"}\n' + line() + "\n", "utf-8")
    assert run(str(src), "-o", str(tmp_path / "out")) == 0
    rejects = jsonl(tmp_path / "out" / "rejects.jsonl")
    assert [r["reasons"][0]["code"] for r in rejects] == ["bad_jsonl"]
    assert "number too long" in rejects[0]["reasons"][0]["message"]
    assert len(jsonl(tmp_path / "out" / "articles.jsonl")) == 1


def test_an_integer_beyond_64_bits_stays_exact_in_parquet_meta(tmp_path: Path) -> None:
    # A sibling: the Parquet writer read records back with orjson, which turns 10**29 into 1e29.
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "in.jsonl"
    src.write_text(line(big=10**29, small=-(10**40)) + "\n", "utf-8")
    assert run(str(src), "-o", str(tmp_path / "out"), "--format", "parquet") == 0
    meta = pq.read_table(tmp_path / "out" / "articles.parquet").column("meta").to_pylist()
    assert [json.loads(m) for m in meta] == [{"big": 10**29, "small": -(10**40)}]


# -- 2, 12: corrupt and truncated .jsonl.zst -------------------------------------------------


def zst_lines(n: int) -> bytes:
    return b"".join(json.dumps({"id": f"d{i}", "text": TEXT}).encode() + b"\n" for i in range(n))


def test_a_corrupt_zst_is_an_unreadable_reject(tmp_path: Path) -> None:
    data = zstandard.ZstdCompressor().compress(zst_lines(200))
    (tmp_path / "in.jsonl.zst").write_bytes(data[:20] + b"\xff" * 50 + data[70:])
    (tmp_path / "next.jsonl").write_text(line() + "\n", "utf-8")
    assert (
        run(
            str(tmp_path / "in.jsonl.zst"),
            str(tmp_path / "next.jsonl"),
            "-o",
            str(tmp_path / "out"),
        )
        == 0
    )
    assert codes(tmp_path / "out") == ["unreadable"]
    assert len(jsonl(tmp_path / "out" / "articles.jsonl")) == 1  # the run went on


def test_a_truncated_zst_is_counted_as_an_unreadable_reject(tmp_path: Path) -> None:
    # Two frames, cut inside the second: the first frame's lines are read, then the reject.
    first = zstandard.ZstdCompressor().compress(zst_lines(5))
    second = zstandard.ZstdCompressor().compress(zst_lines(50))
    (tmp_path / "in.jsonl.zst").write_bytes(first + second[: len(second) // 2])
    assert run(str(tmp_path / "in.jsonl.zst"), "-o", str(tmp_path / "out")) == 0
    rejects = jsonl(tmp_path / "out" / "rejects.jsonl")
    assert [r["reasons"][0]["code"] for r in rejects] == ["unreadable"]
    assert "truncated zstd" in rejects[0]["reasons"][0]["message"]
    assert len(jsonl(tmp_path / "out" / "articles.jsonl")) == 5


def test_every_frame_of_a_multi_frame_zst_is_read(tmp_path: Path) -> None:
    # A guard for 12: the frame walk must not mistake a frame boundary for the end (main reads
    # these too, through the buffered reader; a bare read() stops after the first frame).
    frames = b"".join(zstandard.ZstdCompressor().compress(zst_lines(3)) for _ in range(3))
    (tmp_path / "in.jsonl.zst").write_bytes(frames)
    assert run(str(tmp_path / "in.jsonl.zst"), "-o", str(tmp_path / "out")) == 0
    assert len(jsonl(tmp_path / "out" / "articles.jsonl")) == 9


# -- 3, 4 (and 21): one nesting limit on every path and output ---------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["-j", "2"], id="workers"),
        pytest.param(["--format", "parquet"], id="parquet"),
        pytest.param([], id="jsonl"),
    ],
)
@pytest.mark.parametrize("inner", [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, 300, 600, 1000])
def test_deep_pass_through_fields_are_one_bad_jsonl_reject_everywhere(
    tmp_path: Path, args: list[str], inner: int
) -> None:
    # The line's object is one level, its field ``inner`` more: MAX_JSON_DEPTH in all is read.
    if "parquet" in args:
        pytest.importorskip("pyarrow")
    src = tmp_path / "in.jsonl"
    deep = json.dumps({"text": TEXT, "deep": 0}).replace("0}", nested(inner) + "}")
    src.write_text(deep + "\n" + line() + "\n", "utf-8")
    assert run(str(src), "-o", str(tmp_path / "out"), *args) == 0
    rejects = jsonl(tmp_path / "out" / "rejects.jsonl")
    if inner < MAX_JSON_DEPTH:
        assert rejects == []
        return
    assert [r["reasons"][0]["code"] for r in rejects] == ["bad_jsonl"]
    assert (
        f"nests too deeply: more than {MAX_JSON_DEPTH} levels"
        in rejects[0]["reasons"][0]["message"]
    )


# -- 5: numeric options are checked against a range at load ------------------------------------


def test_a_huge_limit_in_config_fails_check_rules_with_file_line_and_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "config.yaml").write_text(
        "limits:\n  max_article_bytes: 100000000000000000000\n", "utf-8"
    )
    (tmp_path / "a.txt").write_text(TEXT, "utf-8")
    assert main(["check-rules", "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert f"{rules}/config.yaml:2: limits: option 'max_article_bytes' is out of range" in err
    assert "(valid: 1 to 1073741824)" in err
    # run refuses it the same way, before reading anything (it raised OverflowError mid-run)
    code = main(
        ["run", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--rules", str(rules)]
    )
    assert code == 2


def test_a_huge_count_in_a_rule_fails_at_load_with_its_line(tmp_path: Path) -> None:
    from cleaner.engine.load import load_packs
    from cleaner.errors import RuleErrors

    (tmp_path / "pack.yaml").write_text(
        "pack: demo\ndescription: Demo.\nscope: site\nmatch:\n  domains: [demo.test]\nrules:\n"
        "  - id: demo-drop\n    kind: drop_line\n    description: Drop it.\n"
        '    line: "Demo chrome"\n    first_lines: 100000000000000000000000\n'
        '    examples:\n      - input: "Demo chrome\\nText."\n        output: "Text."\n',
        "utf-8",
    )
    with pytest.raises(RuleErrors) as info:
        load_packs([tmp_path])
    assert [str(e) for e in info.value.errors] == [
        f"{tmp_path}/pack.yaml:11: rule 'demo-drop': option 'first_lines' is out of range, "
        "got 100000000000000000000000 (valid: 1 to 1000000)"
    ]


def test_every_integer_option_declares_a_bounded_range() -> None:
    from cleaner.config import SECTIONS
    from cleaner.engine.kinds import KINDS
    from cleaner.engine.load import FINGERPRINT_OPTIONS, MATCH_OPTIONS, PACK_OPTIONS
    from cleaner.engine.options import INT, int_range

    options = [o for opts in SECTIONS.values() for o in opts]
    options += [o for kind in KINDS.values() for o in kind.declared()]
    options += [*PACK_OPTIONS, *MATCH_OPTIONS, *FINGERPRINT_OPTIONS]
    ints = [o for o in options if o.type == INT]
    assert len(ints) > 20
    for o in ints:
        low, high = int_range(o)
        assert 0 <= low <= high <= 1 << 30, o.name
        if o.default is not None:
            assert low <= o.default <= high, o.name


# -- 6, 9: link loops and FIFOs, named or reached through a link --------------------------------


def test_a_symlink_loop_named_on_the_command_line_is_an_unreadable_reject(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to("b.txt")
    (tmp_path / "b.txt").symlink_to("a.txt")
    (tmp_path / "good.txt").write_text(TEXT, "utf-8")
    out = tmp_path / "out"
    assert run(str(tmp_path / "a.txt"), str(tmp_path / "good.txt"), "-o", str(out)) == 0
    rejects = jsonl(out / "rejects.jsonl")
    assert [r["reasons"][0]["code"] for r in rejects] == ["unreadable"]
    assert "symbolic links" in rejects[0]["reasons"][0]["message"]
    assert len(jsonl(out / "articles.jsonl")) == 1


@pytest.mark.parametrize("named", [False, True], ids=["in-folder", "named"])
def test_a_fifo_behind_a_link_is_refused_not_read(tmp_path: Path, named: bool) -> None:
    # Case 9, and its sibling: a FIFO named on the command line (both blocked forever).
    src = tmp_path / "d"
    src.mkdir()
    os.mkfifo(src / "pipe")
    (src / "link.txt").symlink_to("pipe")
    out = tmp_path / "out"
    args = [str(src / "link.txt"), str(src / "pipe")] if named else [str(src)]
    code, _ = in_subprocess(["run", *args, "-o", str(out), "--rules", str(RULES)])
    assert code == 0
    rejects = jsonl(out / "rejects.jsonl")
    assert {r["reasons"][0]["code"] for r in rejects} == {"unreadable"}
    assert len(rejects) == (2 if named else 1)
    assert all("not a regular file" in r["reasons"][0]["message"] for r in rejects)


def in_subprocess(args: list[str], timeout: float = 120) -> tuple[int, str]:
    """The CLI in a child process, so a hang fails the test instead of stalling the suite."""
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stderr


# -- 7: rule, config and schema files are read with a bounded read ------------------------------


@pytest.mark.parametrize("where", ["rules", "config", "schema"])
def test_an_endless_device_as_a_rule_config_or_schema_file_is_refused(
    tmp_path: Path, where: str
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    if where == "rules":
        args = ["check-rules", "--rules", "/dev/zero"]
    elif where == "config":
        (rules / "config.yaml").symlink_to("/dev/zero")
        args = ["check-rules", "--rules", str(rules)]
    else:
        (tmp_path / "a.txt").write_text(TEXT, "utf-8")
        args = ["run", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out")]
        args += ["--rules", str(RULES), "--schema", "/dev/zero"]
    code, err = in_subprocess(args)
    assert code == 2, err
    assert "Traceback" not in err
    assert "not a regular file" in err or "over the limit" in err


def test_a_rule_file_over_the_limit_is_refused_without_trusting_stat(tmp_path: Path) -> None:
    from cleaner.engine.yamlsafe import MAX_RULE_FILE_BYTES, read_rule_file
    from cleaner.errors import RuleError

    big = tmp_path / "big.yaml"
    big.write_bytes(b"# x\n" * (MAX_RULE_FILE_BYTES // 4 + 1))
    with pytest.raises(RuleError, match="over the limit"):
        read_rule_file(big)


# -- 11: a user's schema patterns run on RE2 ---------------------------------------------------


def user_schema(tmp_path: Path, url_pattern: str) -> Path:
    from cleaner.steps.validate import default_schema

    schema = default_schema()
    schema["properties"]["url"] = {"type": ["string", "null"], "pattern": url_pattern}
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema), "utf-8")
    return path


def test_a_backtracking_schema_pattern_cannot_hang_a_run(tmp_path: Path) -> None:
    schema = user_schema(tmp_path, "^(a+)+$")
    src = tmp_path / "in.jsonl"
    src.write_text(line(url="a" * 38 + "!") + "\n" + line(url="aaaa") + "\n", "utf-8")
    out = tmp_path / "out"
    code, err = in_subprocess(
        ["run", str(src), "-o", str(out), "--rules", str(RULES), "--schema", str(schema)], 60
    )
    assert code == 0, err
    rejects = jsonl(out / "rejects.jsonl")
    assert [(r["reasons"][0]["code"], r["reasons"][0]["field"]) for r in rejects] == [
        ("schema", "url")
    ]
    assert [r["url"] for r in jsonl(out / "articles.jsonl")] == ["aaaa"]


def test_a_schema_pattern_re2_cannot_run_is_refused_at_load_with_file_and_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = user_schema(tmp_path, "^(a)\\1$")
    (tmp_path / "a.txt").write_text(TEXT, "utf-8")
    assert run(str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--schema", str(schema)) == 2
    err = capsys.readouterr().err
    assert f"{schema}: schema /properties/url/pattern: pattern" in err
    assert "backreference" in err


def test_pattern_properties_of_a_user_schema_run_on_re2() -> None:
    # In a child process: on Python's re this backtracks for hours, and must fail, not hang.
    code = """if True:
        from cleaner.steps.validate import Validator
        schema = {
            "type": "object",
            "patternProperties": {"^(a+)+$": {"type": "integer"}},
            "additionalProperties": False,
        }
        validator = Validator(schema)
        assert validator.problems({"aaa": 1}) == []
        hostile = {"a" * 38 + "!": 1}
        assert [p.code for p in validator.problems(hostile)] == ["schema"]
    """
    proc = subprocess.run([sys.executable, "-c", code], timeout=60, check=False)
    assert proc.returncode == 0


# -- 13: a truncated last WARC record --------------------------------------------------------


def warc_response(uri: str, body: bytes) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{uri}>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
        f"WARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    )
    return head.encode() + http + b"\r\n\r\n"


PAGE = b"<html><body><article><p>" + TEXT.encode() * 4 + b"</p></article></body></html>"


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_a_truncated_last_warc_record_is_a_truncated_record_reject(
    tmp_path: Path, gz: bool
) -> None:
    pytest.importorskip("fastwarc")
    first, last = warc_response("http://a.test/1", PAGE), warc_response("http://a.test/2", PAGE)
    data = gzip.compress(first) + gzip.compress(last)[:-100] if gz else first + last[:-300]
    src = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    src.write_bytes(data)
    assert run(str(src), "-o", str(tmp_path / "out")) == 0
    rejects = jsonl(tmp_path / "out" / "rejects.jsonl")
    assert [r["reasons"][0]["code"] for r in rejects] == ["truncated_record"]
    message = rejects[0]["reasons"][0]["message"]
    offset = len(gzip.compress(first)) if gz else len(first)
    assert rejects[0]["source"].endswith(f"{src.name}@{offset}")
    assert f"offset {offset:,}" in message
    assert [r["url"] for r in jsonl(tmp_path / "out" / "articles.jsonl")] == ["http://a.test/1"]


def test_a_whole_warc_file_gives_every_record(tmp_path: Path) -> None:
    pytest.importorskip("fastwarc")
    src = tmp_path / "crawl.warc"
    src.write_bytes(warc_response("http://a.test/1", PAGE) + warc_response("http://a.test/2", PAGE))
    assert run(str(src), "-o", str(tmp_path / "out")) == 0
    assert len(jsonl(tmp_path / "out" / "articles.jsonl")) == 2


def test_a_huge_worker_count_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A sibling of 5 on the command line: -j 10**20 raised OverflowError. (-j 100000 started
    # processes until the machine gave out; not tested here, so this test is safe on main.)
    (tmp_path / "a.txt").write_text(TEXT, "utf-8")
    out = tmp_path / "out"
    assert run(str(tmp_path / "a.txt"), "-o", str(out), "-j", "100000000000000000000") == 2
    assert "-j must be at most 1024" in capsys.readouterr().err
    assert not (out / "articles.jsonl").exists()
