"""Fuzz targets over the readers and the pipeline, shared by the test suite (hypothesis, a
bounded number of examples), ``bench/fuzz.py`` (long hypothesis runs) and
``bench/fuzz_atheris.py`` (coverage-guided).

Each target feeds one input through real code and checks what must hold for any input: no
exception escapes, each article gives exactly one record or reject, a reject says why, and
what would be written is valid UTF-8 JSON with no NUL in the text.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from cleaner.errors import RuleErrors
from cleaner.io.readers import JsonlKeys, read_jsonl_stream
from cleaner.io.writers import dumps
from cleaner.pipeline import Cleaner
from cleaner.record import RawArticle, Record, Reject


def check_written(obj: dict[str, Any]) -> None:
    """The JSON line a writer would produce: strict UTF-8, and it parses back to the same."""
    line = dumps(obj)
    raw = line.encode("utf-8")  # raises on a lone surrogate
    assert b"\n" not in raw
    assert json.loads(raw) == json.loads(line)


def check_result(result: Record | Reject) -> None:
    if isinstance(result, Reject):
        assert result.reasons, "a reject must say why"
        for reason in result.reasons:
            assert reason.code
            assert reason.message
        check_written(result.to_dict())
        return
    text = result.text
    assert text, "a record has text"
    assert "\x00" not in text
    assert result.n_chars == len(text)
    assert result.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    check_written(result.to_dict())


def fuzz_clean(
    cleaner: Cleaner,
    data: bytes | str,
    url: str | None = None,
    site: str | None = None,
    html: bool = False,
) -> Record | Reject:
    raw = RawArticle("fuzz", "fuzz", data, url=url, site=site, html=html)
    result = cleaner.clean(raw).result
    check_result(result)
    return result


def fuzz_jsonl(cleaner: Cleaner, data: bytes, max_bytes: int = 4096) -> int:
    """Read ``data`` as a JSONL file and clean every article; return how many there were."""
    expected = 0
    for line in io.BytesIO(data):
        if len(line) > max_bytes + (1 if line.endswith(b"\n") else 0) or line.strip():
            expected += 1
    n = 0
    stopped = False
    for item in read_jsonl_stream(io.BytesIO(data), "fuzz.jsonl", JsonlKeys(), max_bytes):
        n += 1
        if isinstance(item, Reject):
            check_result(item)
            stopped = "the rest of the file is not read" in item.reasons[0].message
        else:
            check_result(cleaner.clean(item).result)
    # A line too long to skip ends the file, and its reject says so; else one item per line.
    assert n <= expected if stopped else n == expected, f"{n} items from {expected} lines"
    return n


_RULES_DIR = Path(tempfile.mkdtemp(prefix="cleaner-fuzz-rules-"))
SAMPLE = "Title | Site\nShare this\nA sentence about the weather and the council today.\n" * 3


def fuzz_rule_file(data: bytes | str) -> bool:
    """Load ``data`` as a rule pack: it loads, or fails with rule errors that name the file;
    nothing else may escape. A pack that loads must then clean a document. True if it loaded."""
    path = _RULES_DIR / "fuzz.yaml"
    if isinstance(data, str):
        path.write_text(data, "utf-8", errors="surrogatepass")
    else:
        path.write_bytes(data)
    errors = None
    try:
        cleaner = Cleaner.from_paths([_RULES_DIR])
    except RuleErrors as exc:
        errors = exc.errors
    if errors is not None:
        assert errors
        assert all(str(path) in str(e) for e in errors)
        return False
    for site in (None, "fuzz.test"):
        check_result(cleaner.clean(RawArticle("r", "r", SAMPLE, site=site)).result)
    return True


def fuzz_zst(
    cleaner: Cleaner, lines: list[bytes], frames: int, cut: int | None, flip: int | None
) -> int:
    """``lines`` compressed as a .jsonl.zst of ``frames`` frames, then cut at ``cut`` bytes and
    one byte flipped at ``flip``: every line is read, or the file ends in an ``unreadable``
    reject; a cut inside a frame is always reported. Returns how many items came out."""
    import zstandard

    from cleaner.io.zstd import zstd_lines

    body = [b"".join(lines[i::frames]) for i in range(frames)]
    parts = [zstandard.ZstdCompressor().compress(b) for b in body]
    data = b"".join(parts)
    ends = {sum(len(p) for p in parts[: i + 1]) for i in range(len(parts))} | {0}
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    if flip is not None and data:
        at = flip % len(data)
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    items = list(read_jsonl_stream(zstd_lines(io.BytesIO(data)), "f.jsonl.zst", JsonlKeys(), 4096))
    for item in items:
        if isinstance(item, Reject):
            check_result(item)
        else:
            check_result(cleaner.clean(item).result)
    last = items[-1] if items else None
    unreadable = isinstance(last, Reject) and last.reasons[0].code == "unreadable"
    if flip is None and len(data) not in ends:  # cut inside a frame: said so, at the end
        assert unreadable, f"a cut at {len(data)} of {ends} was not reported"
    if flip is None and cut is None:
        assert not unreadable
    return len(items)


def fuzz_warc(bodies: list[bytes], gz: bool, cut: int) -> int:
    """WARC response records of ``bodies`` (each record gzipped when ``gz``), the file cut at
    ``cut``: no exception escapes, and no article carries a partial body (a cut last record is
    a reject, never a page with part of its text). Pages are not cleaned: the pipeline-html
    target covers that, at fifty times the cost of reading."""
    import gzip

    from cleaner.io.items import Limits
    from cleaner.io.warc import read_warc

    records = []
    for i, body in enumerate(bodies):
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
        head = (
            f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{i}>\r\n"
            f"WARC-Target-URI: http://fuzz.test/{i}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
        ).encode()
        record = head + http + b"\r\n\r\n"
        records.append(gzip.compress(record, mtime=0) if gz else record)
    data = b"".join(records)
    data = data[: cut % (len(data) + 1)]
    n = 0
    for item in read_warc(io.BytesIO(data), "f.warc", Limits()):
        n += 1
        if isinstance(item, Reject):
            check_result(item)
            continue
        assert item.data in bodies, "an article with a partial body"
    return n


def fuzz_deep_meta(cleaner: Cleaner, line: bytes) -> None:
    """A JSONL line of any nesting: read, cleaned, and what is written goes through every
    output path the same way (a JSON line, pickling to a worker, a Parquet row), or the line is
    one ``bad_jsonl`` reject; never a crash on one path only."""
    import pickle

    from cleaner.io.parquet import table_of
    from cleaner.io.writers import dump_line

    (item,) = list(read_jsonl_stream(io.BytesIO(line), "f.jsonl", JsonlKeys(), 1 << 20))
    if isinstance(item, Reject):
        check_result(item)
        return
    pickle.loads(pickle.dumps(item))
    result = cleaner.clean(item).result
    check_result(result)
    pickle.loads(pickle.dumps(result))
    if isinstance(result, Record):
        table_of(dump_line(result.to_dict()) + b"\n")
