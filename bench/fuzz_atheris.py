"""Coverage-guided fuzzing with atheris (``pip install atheris``), over the same targets as
the suite's hypothesis tests. Not part of CI: run it for as long as you like.

    python -m bench.fuzz_atheris [-runs=N] [-max_len=4096] [CORPUS_DIR ...]

The first input byte picks the target: the pipeline on bytes, on text or on an HTML page, the
JSONL reader, or the rule-pack loader.
Any exception or failed check is a finding (atheris writes the input to crash-*).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from bench.fuzz_targets import fuzz_clean, fuzz_jsonl, fuzz_rule_file
    from cleaner.pipeline import Cleaner

CLEANER = Cleaner.from_paths(["rules"])
RUNS = {"n": 0}


def one_input(data: bytes) -> None:
    RUNS["n"] += 1
    if not data:
        return
    target, body = data[0] % 5, data[1:]
    if target == 0:
        fuzz_clean(CLEANER, body)
    elif target in (1, 2):
        fdp = atheris.FuzzedDataProvider(body)
        url = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40)) or None
        fuzz_clean(CLEANER, fdp.ConsumeUnicode(len(body)), url=url, html=target == 2)
    elif target == 3:
        fuzz_jsonl(CLEANER, body, max_bytes=512)
    else:
        fuzz_rule_file(body)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    try:
        atheris.Fuzz()
    finally:
        print(f"atheris: {RUNS['n']:,} inputs run", file=sys.stderr)


if __name__ == "__main__":
    main()
