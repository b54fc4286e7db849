"""datatrove's nearest equivalent of cleaner's text pipeline, run by bench/scale.py.

JsonlReader -> FTFYFormatter -> line removal by the same patterns (Python ``re``, one
alternation, line by line) -> a seeded langdetect step on the first 1,500 characters (its own
LanguageFilter downloads a fastText model at run time, which is not allowed here) -> JsonlWriter.
Runs in its own virtualenv (``.venv-peers``: ``pip install 'datatrove[processing,io]'``), so
datatrove never becomes a dependency of cleaner.

    .venv-peers/bin/python bench/peers_datatrove.py INPUT.jsonl PATTERNS.json OUTDIR [--no-lang]
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import LambdaFilter
    from datatrove.pipeline.formatters import FTFYFormatter
    from datatrove.pipeline.formatters.base import BaseFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from langdetect import DetectorFactory, detect

    source, patterns_file, outdir = Path(argv[0]), Path(argv[1]), Path(argv[2])
    with_lang = "--no-lang" not in argv
    compiled = []
    for pattern, ignore_case in json.loads(patterns_file.read_text("utf-8")):
        try:
            re.compile(pattern)
        except re.error:
            continue
        compiled.append(f"(?i:{pattern})" if ignore_case else f"(?:{pattern})")
    chrome = re.compile("|".join(compiled))

    class LineRemover(BaseFormatter):  # type: ignore[misc]
        name = "line remover"

        def format(self, text: str) -> str:
            return "\n".join(line for line in text.split("\n") if not chrome.search(line))

    DetectorFactory.seed = 0

    def english(doc: Any) -> bool:
        try:
            return bool(detect(doc.text[:1500]) == "en")
        except Exception:
            return False

    steps: list[Any] = [
        JsonlReader(str(source.parent), glob_pattern=source.name, compression=None),
        FTFYFormatter(),
        LineRemover(),
    ]
    if with_lang:
        steps.append(LambdaFilter(english))
    steps.append(JsonlWriter(str(outdir / "out"), compression=None))
    start = time.perf_counter()
    LocalPipelineExecutor(
        steps, tasks=1, workers=1, logging_dir=str(outdir / "logs"), skip_completed=False
    ).run()
    secs = time.perf_counter() - start
    print(
        json.dumps({"seconds": secs, "patterns": len(compiled), "mb": source.stat().st_size / 1e6})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
