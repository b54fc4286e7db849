"""Data-Juicer's nearest equivalent of cleaner's text pipeline, run by bench/scale.py.

``fix_unicode_mapper`` -> ``replace_content_mapper`` (the same drop_line patterns, one
multi-line alternation that deletes whole lines) -> a seeded langdetect step on the first
1,500 characters, standing in for ``language_id_score_filter``, which downloads a fastText model
at run time (not allowed here). Batches of 200, as Data-Juicer's batched ops take them; JSONL
in and out with orjson. Needs ``.venv-peers`` with ``py-data-juicer`` and ``aiohttp`` (which
Data-Juicer imports but does not declare).

    .venv-peers/bin/python bench/peers_datajuicer.py INPUT.jsonl PATTERNS.json OUTPUT.jsonl
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    import orjson
    from data_juicer.ops.mapper import FixUnicodeMapper, ReplaceContentMapper
    from langdetect import DetectorFactory, detect

    source, patterns_file, target = Path(argv[0]), Path(argv[1]), Path(argv[2])
    compiled = []
    for pattern, ignore_case in json.loads(patterns_file.read_text("utf-8")):
        body = pattern.removeprefix("^").removesuffix("$")
        try:
            re.compile(body)
        except re.error:
            continue
        compiled.append(f"(?i:{body})" if ignore_case else f"(?:{body})")
    # A whole line (and its line break) whose content matches one of the patterns.
    line_pattern = "(?m)^[^\\n]*?(?:" + "|".join(compiled) + ")[^\\n]*(?:\\n|$)"
    fix = FixUnicodeMapper()
    strip = ReplaceContentMapper(pattern=line_pattern, repl="")
    DetectorFactory.seed = 0

    def english(text: str) -> bool:
        try:
            return bool(detect(text[:1500]) == "en")
        except Exception:
            return False

    start = time.perf_counter()
    kept = 0
    with source.open("rb") as src, target.open("wb") as dst:
        batch: list[dict[str, Any]] = []

        def flush() -> int:
            samples = {"text": [d["text"] for d in batch]}
            samples = strip.process_batched(fix.process_batched(samples))
            n = 0
            for doc, text in zip(batch, samples["text"], strict=True):
                if english(text):
                    dst.write(orjson.dumps({**doc, "text": text}) + b"\n")
                    n += 1
            batch.clear()
            return n

        for line in src:
            batch.append(orjson.loads(line))
            if len(batch) == 200:
                kept += flush()
        if batch:
            kept += flush()
    secs = time.perf_counter() - start
    print(json.dumps({"seconds": secs, "kept": kept, "mb": source.stat().st_size / 1e6}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
