"""Corpus-scale input and output: compressed JSONL, WARC/WET, shards, workers, Parquet."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import zstandard

from cleaner.batch import BATCH_ITEMS, Tally
from cleaner.cli import main, one_line_summary
from cleaner.io.readers import JsonlKeys, read_inputs
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject
from cleaner.run import RunStats
from tests.conftest import RULES, cli_process
from tests.scale_helpers import BODY, decompress, lines_of, output_files, write_corpus


def run_cli(*args: str) -> int:
    return main(["run", *args, "--rules", str(RULES)])


# -- JSONL input -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["in.jsonl", "in.jsonl.gz", "in.jsonl.zst"])
def test_compressed_jsonl_reads_the_same_articles(tmp_path: Path, name: str) -> None:
    (tmp_path / "plain").mkdir()
    plain = write_corpus(tmp_path / "plain" / "in.jsonl", 120)
    other = write_corpus(tmp_path / name, 120)
    a = [(x.id, x.data if isinstance(x, RawArticle) else None) for x in read_inputs([str(plain)])]
    b = [(x.id, x.data if isinstance(x, RawArticle) else None) for x in read_inputs([str(other)])]
    assert a == b
    assert len(a) == 120


def test_folder_input_finds_compressed_jsonl(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a.jsonl.gz", 10)
    write_corpus(tmp_path / "b.jsonl.zst", 10)
    (tmp_path / "notes.md").write_text("not an input", "utf-8")
    sources = {x.source.split(":")[0].rsplit("/", 1)[-1] for x in read_inputs([str(tmp_path)])}
    assert sources == {"a.jsonl.gz", "b.jsonl.zst"}


def test_keys_are_configurable_and_the_rest_goes_to_meta(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"doc_id": 7, "body": BODY, "link": "https://krasia.com/a", "lang": "x"}) + "\n",
        "utf-8",
    )
    keys = JsonlKeys(text="body", id="doc_id", url="link")
    (item,) = list(read_inputs([str(src)], keys))
    assert isinstance(item, RawArticle)
    assert (item.id, item.url, item.meta, item.html) == (
        "7",
        "https://krasia.com/a",
        {"lang": "x"},
        False,
    )


def test_malformed_lines_are_rejected_with_file_and_line_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in.jsonl.gz"
    lines = [
        json.dumps({"id": "a", "text": BODY}),
        "{oops",
        "",
        "[1, 2]",
        json.dumps({"id": "b", "text": 3}),
    ]
    src.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    out = tmp_path / "out"
    assert run_cli(str(src), "-o", str(out)) == 0
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    assert [(r["source"].rsplit("/", 1)[-1], r["reasons"][0]["code"]) for r in rejects] == [
        ("in.jsonl.gz:2", "bad_jsonl"),
        ("in.jsonl.gz:4", "bad_jsonl"),
        ("in.jsonl.gz:5", "bad_jsonl"),
    ]
    assert "line 2 is not JSON" in rejects[0]["reasons"][0]["message"]
    assert "'text' is a int" in rejects[2]["reasons"][0]["message"]
    assert (out / "articles.jsonl").read_text("utf-8").count("\n") == 1


def test_truncated_gzip_rejects_the_rest_and_keeps_what_was_read(tmp_path: Path) -> None:
    full = write_corpus(tmp_path / "full.jsonl.gz", 300).read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(full[: len(full) // 2])
    items = list(read_inputs([str(cut)]))
    assert isinstance(items[-1], Reject)
    assert items[-1].reasons[0].code == "unreadable"
    assert items[-1].reasons[0].message.startswith("cannot read past line")
    assert sum(isinstance(x, RawArticle) for x in items) > 10


def test_html_key_reads_pages_from_compressed_jsonl(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl.zst"
    rows = [{"id": "h", "html": "<p>Hello</p>", "text": "kept in meta"}, {"id": "t", "text": BODY}]
    src.write_bytes(
        zstandard.ZstdCompressor().compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    )
    page, missing = list(read_inputs([str(src)], JsonlKeys(html="html")))
    assert isinstance(page, RawArticle)
    assert (page.id, page.html, page.data, page.meta) == (
        "h",
        True,
        "<p>Hello</p>",
        {"text": "kept in meta"},
    )
    assert isinstance(missing, Reject)
    assert missing.reasons[0].message == "'html' is missing, not a string"


def test_html_articles_are_cleaned_to_text(cleaner: Cleaner) -> None:
    pytest.importorskip("trafilatura")
    html = f"<html><body><nav>Home | World</nav><article><p>{BODY}</p></article></body></html>"
    result = cleaner.clean(RawArticle("h", "h", html, html=True)).result
    assert isinstance(result, Record)
    assert result.text.startswith("The council approved")


# -- WARC / WET --------------------------------------------------------------------------------


def warc_record(headers: dict[str, str], block: bytes) -> bytes:
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return gzip.compress(head.encode() + block + b"\r\n\r\n")


def http_response(status: str, ctype: str, body: bytes) -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n\r\n".encode() + body


def test_warc_responses_become_articles_with_url_and_fetch_date(tmp_path: Path) -> None:
    date = "2024-02-03T04:05:06Z"
    common = {
        "WARC-Date": date,
        "WARC-Type": "response",
        "Content-Type": "application/http; msgtype=response",
    }
    records = [
        warc_record(
            {"WARC-Type": "warcinfo", "WARC-Record-ID": "<urn:uuid:0>", "WARC-Date": date},
            b"software: x\r\n",
        ),
        warc_record(
            {
                **common,
                "WARC-Record-ID": "<urn:uuid:1>",
                "WARC-Target-URI": "https://example.org/a",
            },
            http_response("200 OK", "text/html; charset=utf-8", b"<p>Hi</p>"),
        ),
        warc_record(
            {
                **common,
                "WARC-Record-ID": "<urn:uuid:2>",
                "WARC-Target-URI": "https://example.org/b",
            },
            http_response("200 OK", "text/plain", BODY.encode()),
        ),
        warc_record(
            {
                **common,
                "WARC-Record-ID": "<urn:uuid:3>",
                "WARC-Target-URI": "https://example.org/c",
            },
            http_response("404 Not Found", "text/html", b"gone"),
        ),
        warc_record(
            {
                **common,
                "WARC-Record-ID": "<urn:uuid:4>",
                "WARC-Target-URI": "https://example.org/d.png",
            },
            http_response("200 OK", "image/png", b"\x89PNG"),
        ),
    ]
    src = tmp_path / "crawl.warc.gz"
    src.write_bytes(b"".join(records))
    items = list(read_inputs([str(src)]))
    assert [type(x).__name__ for x in items] == ["RawArticle", "RawArticle", "Reject", "Reject"]
    html, text, gone, png = items
    assert isinstance(html, RawArticle)
    assert isinstance(text, RawArticle)
    assert (html.id, html.url, html.html, html.data) == (
        "urn:uuid:1",
        "https://example.org/a",
        True,
        b"<p>Hi</p>",
    )
    # A fetch date is not a publication date: it goes to meta, never to date_published.
    assert html.meta["warc_date"] == date
    assert not text.html
    assert "crawl.warc.gz@" in text.source  # file@offset: where the record starts
    assert isinstance(gone, Reject)
    assert gone.reasons[0].code == "http_status"
    assert isinstance(png, Reject)
    assert png.reasons[0].code == "not_text"
    out = tmp_path / "out"
    assert run_cli(str(src), "-o", str(out)) == 0
    records = [json.loads(x) for x in (out / "articles.jsonl").read_text("utf-8").splitlines()]
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    assert len(records) + len(rejects) == 4  # every response record is accounted for
    (record,) = [r for r in records if r["url"] == "https://example.org/b"]
    assert record["date_published"] is None
    assert record["meta"]["warc_date"] == date


def test_wet_conversion_records_are_text_articles(tmp_path: Path) -> None:
    src = tmp_path / "crawl.warc.wet.gz"
    src.write_bytes(
        warc_record(
            {
                "WARC-Type": "conversion",
                "WARC-Record-ID": "<urn:uuid:9>",
                "WARC-Refers-To": "<urn:uuid:1>",
                "WARC-Target-URI": "https://example.org/a",
                "WARC-Date": "2024-02-03T04:05:06Z",
                "Content-Type": "text/plain",
            },
            BODY.encode(),
        )
    )
    (item,) = list(read_inputs([str(src)]))
    assert isinstance(item, RawArticle)
    assert (item.id, item.html, item.meta["warc_refers_to"]) == ("urn:uuid:9", False, "urn:uuid:1")


# -- output layouts ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "in.jsonl", 2 * BATCH_ITEMS + 57)


@pytest.fixture(scope="module")
def single(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("single") / "out"
    assert run_cli(str(corpus), "-o", str(out)) == 0
    return out


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_shards_hold_the_same_records_as_the_single_file(
    corpus: Path, single: Path, tmp_path: Path, compression: str
) -> None:
    out = tmp_path / "out"
    assert (
        run_cli(str(corpus), "-o", str(out), "--shard-size", "150", "--compression", compression)
        == 0
    )
    suffix = {"none": ".jsonl", "gzip": ".jsonl.gz", "zstd": ".jsonl.zst"}[compression]
    shards = sorted(out.glob(f"articles-*{suffix}"))
    assert [p.name for p in shards] == [f"articles-0000{i}{suffix}" for i in range(4)]
    assert len(list(out.glob(f"rejects-*{suffix}"))) == 4
    assert lines_of(shards) == (single / "articles.jsonl").read_bytes().splitlines()
    assert (
        lines_of(sorted(out.glob("rejects-*")))
        == (single / "rejects.jsonl").read_bytes().splitlines()
    )
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["shards"][0] == {
        "articles": f"articles-00000{suffix}",
        "rejects": f"rejects-00000{suffix}",
    }
    assert {k: v for k, v in summary.items() if k != "shards"} == json.loads(
        (single / "summary.json").read_text("utf-8")
    )
    assert not (out / ".cleaner-run").exists()


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_single_file_is_deterministic(
    corpus: Path, single: Path, tmp_path: Path, compression: str
) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert run_cli(str(corpus), "-o", str(out), "--compression", compression) == 0
    a, b = (output_files(o) for o in outs)
    assert a == b
    (name,) = [n for n in a if n.startswith("articles")]
    assert decompress(outs[0] / name) == (single / "articles.jsonl").read_bytes()


@pytest.mark.parametrize("shard_size", [None, "100"])
def test_two_workers_write_the_same_bytes_as_one(
    corpus: Path, tmp_path: Path, shard_size: str | None
) -> None:
    extra = ["--shard-size", shard_size] if shard_size else []
    one, two = tmp_path / "j1", tmp_path / "j2"
    assert run_cli(str(corpus), "-o", str(one), *extra) == 0
    assert run_cli(str(corpus), "-o", str(two), "-j", "2", *extra) == 0
    assert output_files(one) == output_files(two)


def test_a_new_sharded_run_replaces_old_shards(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(str(corpus), "-o", str(out), "--shard-size", "50") == 0
    assert run_cli(str(corpus), "-o", str(out), "--shard-size", "400") == 0
    assert sorted(p.name for p in out.glob("articles-*")) == [
        "articles-00000.jsonl",
        "articles-00001.jsonl",
    ]


def test_parquet_holds_the_same_records(corpus: Path, single: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    expected = [json.loads(x) for x in (single / "articles.jsonl").read_text("utf-8").splitlines()]
    for extra in ([], ["--shard-size", "150"]):
        out = tmp_path / f"out{len(extra)}"
        assert (
            run_cli(
                str(corpus), "-o", str(out), "--format", "parquet", "--compression", "zstd", *extra
            )
            == 0
        )
        rows = [
            r for p in sorted(out.glob("articles*.parquet")) for r in pq.read_table(p).to_pylist()
        ]
        assert rows_as_jsonl(rows) == expected
        assert (out / ("rejects.jsonl.zst" if not extra else "rejects-00000.jsonl.zst")).exists()


def rows_as_jsonl(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parquet rows as the JSONL records they were written from."""
    for r in rows:
        r["meta"] = json.loads(r["meta"])
        r["fields_from"] = dict(r["fields_from"])
        if r["quality"] is None:  # no --quality: the JSONL record has no such key
            del r["quality"]
        else:
            r["quality"] = {f: dict(signals) for f, signals in r["quality"]}
    return rows


def test_parquet_keeps_the_quality_signals(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    for fmt in ("jsonl", "parquet"):
        assert (
            run_cli(
                str(seeds), "-o", str(tmp_path / fmt), "--format", fmt, "-q", "--quality", "gopher"
            )
            == 0
        )
    jsonl = (tmp_path / "jsonl" / "articles.jsonl").read_text("utf-8").splitlines()
    expected = [json.loads(x) for x in jsonl]
    rows = pq.read_table(tmp_path / "parquet" / "articles.parquet").to_pylist()
    assert rows_as_jsonl(rows) == expected
    assert all(r["quality"]["gopher_quality"]["n_words"] > 0 for r in expected)


def test_parquet_columns_are_the_record_fields() -> None:
    pytest.importorskip("pyarrow")
    import dataclasses

    from cleaner.io.parquet import SCHEMA

    assert SCHEMA.names == [f.name for f in dataclasses.fields(Record)]


def test_usage_errors_name_the_problem(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(str(corpus), "-o", str(tmp_path / "o"), "--shard-size", "0") == 2
    assert run_cli(str(corpus), "-o", "-", "--shard-size", "10") == 2
    assert run_cli(str(corpus), "-o", "-", "--resume") == 2
    assert (
        run_cli(
            str(corpus),
            "-o",
            str(tmp_path / "o"),
            "--shard-size",
            "10",
            "--rejects",
            str(tmp_path / "r"),
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "--shard-size must be at least 1" in err
    assert "--resume needs an output folder" in err


# -- progress and the closing line -------------------------------------------------------------


def test_piped_run_prints_one_summary_line_and_no_progress_bar(
    corpus: Path, tmp_path: Path
) -> None:
    proc = cli_process(
        "run", str(corpus), "-o", str(tmp_path / "o"), "--rules", str(RULES), env={"CI": ""}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("cleaner: 457 read, ")
    assert "MB/s" in line


def test_progress_bar_shows_rate_and_rejects_on_a_terminal(corpus: Path, tmp_path: Path) -> None:
    from cleaner.run import RunOptions, run

    pytest.importorskip("tqdm")
    import io

    from tqdm import tqdm

    buf = io.StringIO()
    real_init = tqdm.__init__

    def to_buffer(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["file"] = buf
        real_init(self, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(tqdm, "__init__", to_buffer)
    try:
        run(
            Cleaner.from_paths([RULES]),
            [str(corpus)],
            str(tmp_path / "o"),
            RunOptions(progress=True),
        )
    finally:
        mp.undo()
    shown = buf.getvalue()
    assert "docs/s" in shown
    assert "rejected" in shown
    assert "B/s" in shown


def test_one_line_summary_reads_well() -> None:
    tally = Tally(read=10, written=8, rejected=2)
    tally.reasons.update({"too_short": 2})
    line = one_line_summary(RunStats(tally, 2.0, 50_000_000, 0))
    assert (
        line == "cleaner: 10 read, 8 written, 2 rejected (too_short 2); 50.0 MB in 2.0 s, 25.0 MB/s"
    )
