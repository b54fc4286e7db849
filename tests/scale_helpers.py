"""Small corpora and readers shared by the scale tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import zstandard

from tests.conftest import SEEDS

SEED_TEXTS = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
BODY = "The council approved the new budget on Tuesday after a long debate about schools.\n" * 3


def corpus_lines(n: int) -> list[str]:
    """``n`` JSONL lines: seed articles with and without URLs, malformed lines, empty texts."""
    lines = []
    for i in range(n):
        if i % 97 == 13:
            lines.append('{"id": "broken", "text": ')
            continue
        text = SEED_TEXTS[i % len(SEED_TEXTS)] if i % 3 else f"Item {i}.\n{BODY}"
        if i % 41 == 7:
            text = "   "
        obj: dict[str, Any] = {"id": f"d{i:05d}", "text": text, "n": i}
        if i % 2:
            obj["url"] = "https://www.scmp.com/news/" + str(i)
        lines.append(json.dumps(obj, ensure_ascii=False))
    return lines


def write_corpus(path: Path, n: int) -> Path:
    data = ("\n".join(corpus_lines(n)) + "\n").encode("utf-8")
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    elif path.name.endswith(".zst"):
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        path.write_bytes(data)
    return path


def decompress(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        return gzip.decompress(data)
    if path.name.endswith(".zst"):
        return zstandard.ZstdDecompressor().stream_reader(data).read()
    return data


def lines_of(paths: list[Path]) -> list[bytes]:
    return [line for p in paths for line in decompress(p).splitlines()]


def output_files(out: Path) -> dict[str, bytes]:
    """Every file a run left in ``out`` (hidden work files included), by name."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
