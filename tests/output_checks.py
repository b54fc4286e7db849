"""An output folder checked against its own files, not only against its summary.

``assert_accounted`` counts the lines of every file a run wrote and checks them against
``summary.json``: records written = lines of the articles files, rejects = lines of the rejects
files, duplicates = lines of the duplicates files, and read = written + rejected + duplicates.
It also checks that the folder holds that run's files and no other run's: the sharded layout's
files are exactly the summary's shard list; the single layout's are one of each kind.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.scale_helpers import decompress

# The names a run writes (spelled out here, not imported: the check must not share a bug).
OWNED = re.compile(
    r"(?:articles|rejects|duplicates)(?:-[0-9]{5})?(?:\.jsonl(?:\.gz|\.zst)?|\.parquet)"
)


def owned_files(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if OWNED.fullmatch(p.name))


def _kind(name: str) -> str:
    return name.split("-")[0].split(".")[0]


def count_lines(path: Path) -> int:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    return len(decompress(path).splitlines())


def assert_accounted(out: Path, rejects: Path | None = None) -> dict[str, Any]:
    """The summary of a finished run in ``out``, after checking it against the files."""
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text("utf-8"))
    owned = owned_files(out)
    if "shards" in summary:
        listed = sorted(name for shard in summary["shards"] for name in shard.values())
        assert owned == listed, "the folder holds files of another run"
    else:
        kinds = [_kind(name) for name in owned]
        assert len(kinds) == len(set(kinds)), f"two files of a kind (another run's?): {owned}"
    counts = {"articles": 0, "rejects": 0, "duplicates": 0}
    for name in owned:
        counts[_kind(name)] += count_lines(out / name)
    if rejects is not None:
        assert not any(n.startswith("rejects") for n in owned)
        counts["rejects"] = count_lines(rejects)
    assert summary["records_written"] == counts["articles"], (summary, counts)
    assert summary["rejects_written"] == counts["rejects"], (summary, counts)
    assert summary.get("duplicates_written", 0) == counts["duplicates"], (summary, counts)
    assert summary["articles_read"] == sum(counts.values()), (summary, counts)
    return summary
