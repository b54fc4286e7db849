"""Hostile HTML and compressed input: deeply nested or truncated pages, and gzip bombs.

A page gives a record or a reject that says why (never ``internal_error``, which would be a bug
caught by the last-resort guard); decompression is bounded, and an input over the bound is a
reject, read without holding it in memory.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, RULES

PARA = "<p>The council met on Tuesday to discuss the new budget for the city's schools.</p>"

_PEAK = (
    "import sys; from cleaner.cli import main; rc = main(sys.argv[1:]); "
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
    "print('peak-kb', hwm.split()[1], file=sys.stderr); sys.exit(rc)"
)


def run_measured(src: Path, out: Path) -> tuple[dict[str, Any], float]:
    """Run the CLI in a child; return its outputs and peak memory (MB)."""
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, "run", str(src), "-o", str(out), "--rules", str(RULES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    peak = [x for x in proc.stderr.splitlines() if x.startswith("peak-kb")]
    got: dict[str, Any] = {}
    for name in ("articles", "rejects"):
        lines = (out / f"{name}.jsonl").read_text("utf-8").splitlines()
        got[name] = [json.loads(x) for x in lines]
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["reconciled"] is True
    for reject in got["rejects"]:
        codes = [r["code"] for r in reject["reasons"]]
        assert codes
        assert "internal_error" not in codes, reject
    return got, int(peak[0].split()[1]) / 1024


def bomb_members(total: int, chunk: bytes = b" " * (16 << 20)) -> bytes:
    """gzip members that decompress to ``total`` bytes of spaces: ~1000:1, generated in
    moments because one compressed member is repeated."""
    member = gzip.compress(chunk, mtime=0)
    return member * (total // len(chunk))


def test_deeply_nested_html(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    depth = 100_000
    (src / "divs.html").write_text(
        "<html><body>" + "<div>" * depth + PARA * 5 + "</div>" * depth + "</body></html>",
        "utf-8",
    )
    (src / "unclosed.html").write_text("<html><body>" + "<b><i>" * depth + PARA * 5, "utf-8")
    (src / "tables.html").write_text("<table><tr><td>" * 20_000 + PARA * 5, "utf-8")
    got, _ = run_measured(src, tmp_path / "out")
    assert len(got["articles"]) + len(got["rejects"]) == 3


@pytest.mark.parametrize(
    "cut",
    ["<html><body><p>The council met", "<html><body>" + PARA * 5 + "<scr", "<!-- " + PARA * 5],
)
def test_truncated_html(tmp_path: Path, cut: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "cut.html").write_text(cut, "utf-8")
    (src / "cut2.html").write_bytes(("<html><body>" + PARA * 20).encode()[:-7] + b"\xe2\x80")
    got, _ = run_measured(src, tmp_path / "out")
    assert len(got["articles"]) + len(got["rejects"]) == 2


def test_html_gzip_bomb_is_rejected_within_bounded_memory(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "bomb.html.gz").write_bytes(
        gzip.compress(b"<html><body>", mtime=0) + bomb_members(4 << 30)  # 4 GiB from ~4 MB
    )
    (src / "truncated.html.gz").write_bytes(gzip.compress(PARA.encode() * 50)[:-20])
    (src / "fine.html.gz").write_bytes(gzip.compress(("<html><body>" + PARA * 5).encode()))
    got, peak_mb = run_measured(src, tmp_path / "out")
    reasons = {Path(r["source"]).name: r["reasons"][0] for r in got["rejects"]}
    assert reasons["bomb.html.gz"]["code"] in ("too_large", "page_too_large")
    assert reasons["truncated.html.gz"]["code"] == "unreadable"
    assert [Path(r["source"]).name for r in got["articles"]] == ["fine.html.gz"]
    assert peak_mb < 400, f"peak {peak_mb:.0f} MB: decompression was not bounded"


def test_jsonl_gzip_bomb_is_rejected_within_bounded_memory(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good = json.dumps({"id": "good", "text": "The council met on Tuesday. " * 10})
    with (src / "bomb.jsonl.gz").open("wb") as fh:
        fh.write(gzip.compress(good.encode() + b'\n{"id": "bomb", "text": "', mtime=0))
        fh.write(bomb_members(4 << 30))
        fh.write(gzip.compress(b'"}\n' + good.replace("good", "after").encode() + b"\n"))
    deflate = zlib.compressobj(1, zlib.DEFLATED, 31)  # one member: 256 MiB of "0", no break
    zeros = b"".join(deflate.compress(b"0" * (16 << 20)) for _ in range(16)) + deflate.flush()
    (src / "zeros.jsonl.gz").write_bytes(zeros)
    got, peak_mb = run_measured(src, tmp_path / "out")
    assert [r["id"] for r in got["articles"]][:1] == ["good"]
    reasons = {r["id"]: r["reasons"][0] for r in got["rejects"]}
    assert reasons["bomb:2"]["code"] == "too_large"
    assert "the rest of the file is not read" in reasons["bomb:2"]["message"]
    codes = {k: v["code"] for k, v in reasons.items()}
    assert any(k.startswith("zeros") for k in codes)
    assert peak_mb < 400, f"peak {peak_mb:.0f} MB: decompression was not bounded"
