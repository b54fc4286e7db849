"""Small corpora and readers shared by the scale tests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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


def every_point(attempt: Callable[[int], bool], workers: int = 2) -> int:
    """Run ``attempt(1)``, ``attempt(2)``... until one says there is no such point, ``workers``
    at a time (each point is its own processes and folder, so two cores halve the wait);
    returns how many points there were."""
    points, n = 0, 1
    with ThreadPoolExecutor(workers) as pool:
        while True:
            tried = list(pool.map(attempt, range(n, n + workers)))
            points += sum(tried)
            if not all(tried):
                return points
            n += workers
