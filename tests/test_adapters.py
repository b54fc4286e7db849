"""The adapters, with the real packages: Hugging Face datasets' batched map and a datatrove
pipeline give, row for row, the records and rejects that ``cleaner run`` writes for the same rows
in a JSONL file (one cleaning path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from cleaner.errors import CleanerError
from cleaner.pipeline import Cleaner
from cleaner.run import run
from tests.conftest import RULES, SEEDS

datasets = pytest.importorskip("datasets")


def _rows() -> list[dict[str, Any]]:
    """The seed articles, with a URL a site pack matches, plus rows a run rejects."""
    rows: list[dict[str, Any]] = []
    for i, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        url = "https://asia.nikkei.com/a" if i == 2 else None
        rows.append({"id": path.stem, "text": path.read_text("utf-8"), "url": url, "n": i})
    rows.append({"id": "short", "text": "Too short.", "url": None, "n": 9})
    rows.append({"id": "no-text", "text": None, "url": None, "n": 7})
    rows.append({"id": None, "text": "", "url": None, "n": 8})
    return rows


def _cli_run(cleaner: Cleaner, jsonl: str, out: Path) -> tuple[list[Any], list[Any]]:
    run(cleaner, [jsonl], str(out))
    articles = (out / "articles.jsonl").read_bytes().splitlines()
    rejects = (out / "rejects.jsonl").read_bytes().splitlines()
    return [json.loads(line) for line in articles], [json.loads(line) for line in rejects]


def test_clean_dataset_equals_cleaner_run(
    cleaner: Cleaner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaner.adapters.hf import clean_dataset, to_record

    monkeypatch.chdir(tmp_path)
    ds = datasets.Dataset.from_list(_rows())
    ds.to_json("dataset.jsonl")  # the same rows as a file, as datasets writes them
    want_records, want_rejects = _cli_run(cleaner, "dataset.jsonl", tmp_path / "out")

    clean, rejects = clean_dataset(ds, cleaner, batch_size=3)

    assert len(clean) + len(rejects) == len(ds)
    assert [to_record(row) for row in clean] == want_records
    assert [json.loads(row["reject"]) for row in rejects] == want_rejects
    assert [row["reject_reasons"] for row in rejects] == [
        [r["code"] for r in want["reasons"]] for want in want_rejects
    ]
    assert {r["id"] for r in want_rejects} == {"short", "no-text", "dataset:8"}
    # meta keeps an integer beyond 64 bits exact, as the JSONL output does.
    assert json.loads(rejects[0]["reject"])["record"]["meta"] == {"n": 9}


def test_batched_map_keeps_rows_and_input_columns(cleaner: Cleaner) -> None:
    from cleaner.adapters.hf import cleaner_fn

    # The first batch holds only rejects, so no column's type can be guessed from it.
    rows = [_rows()[-3], *_rows()[:3]]
    ds = datasets.Dataset.from_list(rows).rename_column("n", "extra")
    fn = cleaner_fn(cleaner)
    mapped = ds.map(fn, batched=True, with_indices=True, batch_size=1, features=fn.features(ds))

    assert len(mapped) == len(ds)
    assert mapped["rejected"] == [True, False, False, False]
    assert mapped["reject_reasons"][0] == ["too_short"]
    assert mapped["extra"] == ds["extra"]  # the input's other columns stay
    assert mapped["source"] == [f"dataset.jsonl:{i}" for i in range(1, 5)]
    assert mapped["text"][0] is None
    assert all(mapped["text"][1:])
    clean = mapped.filter(lambda row: not row["rejected"])
    assert clean["id"] == [r["id"] for r in rows[1:]]


def test_map_without_indices_says_how(cleaner: Cleaner) -> None:
    from cleaner.adapters.hf import cleaner_fn

    ds = datasets.Dataset.from_list(_rows()[:1])
    with pytest.raises(CleanerError, match="with_indices=True"):
        ds.map(cleaner_fn(cleaner), batched=True)


def test_num_proc_workers_rebuild_the_cleaner_and_agree(cleaner: Cleaner) -> None:
    from cleaner.adapters.hf import clean_dataset

    ds = datasets.Dataset.from_list(_rows())
    one, rejects_one = clean_dataset(ds, cleaner, batch_size=2)
    two, rejects_two = clean_dataset(ds, rules=[RULES], batch_size=2, num_proc=2)
    assert one.to_list() == two.to_list()
    assert rejects_one.to_list() == rejects_two.to_list()


def test_a_cleaner_built_in_memory_cannot_travel(cleaner: Cleaner) -> None:
    import pickle

    from cleaner.adapters.hf import cleaner_fn

    in_memory = Cleaner(cleaner.rules, cleaner.config)
    with pytest.raises(CleanerError, match="rules="):
        pickle.dumps(cleaner_fn(in_memory))
    again = pickle.loads(pickle.dumps(cleaner_fn(cleaner)))
    assert again.cleaner.rules_digest == cleaner.rules_digest


# -- datatrove -------------------------------------------------------------------------------


def test_datatrove_pipeline_cleans_and_excludes(
    cleaner: Cleaner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("datatrove")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.adapters.datatrove import CleanDocuments

    monkeypatch.chdir(tmp_path)
    rows = [r for r in _rows() if isinstance(r["text"], str) and r["id"]]
    (tmp_path / "in").mkdir()
    for name, part in (("a.jsonl", rows[:3]), ("b.jsonl", rows[3:])):
        (tmp_path / "in" / name).write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in part))
    want: dict[str, Any] = {}
    want_rejects: dict[str, Any] = {}
    for name in ("a.jsonl", "b.jsonl"):
        records, rejects = _cli_run(cleaner, f"in/{name}", tmp_path / f"out-{name}")
        want.update({r["id"]: r for r in records})
        want_rejects.update({r["id"]: r for r in rejects})
    assert want
    assert want_rejects

    pipeline = [
        JsonlReader(str(tmp_path / "in"), add_file_path=False),
        CleanDocuments(
            rules=[RULES], exclusion_writer=JsonlWriter(str(tmp_path / "dropped"), compression=None)
        ),
        JsonlWriter(str(tmp_path / "kept"), compression=None),
    ]
    # Two worker processes: the step travels pickled, without its compiled rules.
    LocalPipelineExecutor(pipeline, tasks=2, workers=2, logging_dir=str(tmp_path / "logs")).run()

    kept = _docs(tmp_path / "kept")
    assert sorted(kept) == sorted(want)
    for doc_id, doc in kept.items():
        record = {**doc["metadata"]["cleaner"], "text": doc["text"]}
        assert record["source"] == doc_id  # a document is named by its id
        assert {**record, "source": None} == {**want[doc_id], "source": None}
    dropped = _docs(tmp_path / "dropped")
    assert sorted(dropped) == sorted(want_rejects)
    for doc_id, doc in dropped.items():
        reject = doc["metadata"]["cleaner_reject"]
        assert doc["metadata"]["filter_reason"] == reject["reasons"][0]["code"]
        assert reject["reasons"] == want_rejects[doc_id]["reasons"]
        assert doc["text"] == next(r["text"] for r in rows if r["id"] == doc_id)  # kept as read
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text("utf-8"))
    step = next(s for s in stats if s["name"].endswith(CleanDocuments.name))
    assert step["stats"]["dropped"] == len(want_rejects)
    assert step["stats"]["dropped_too_short"] == 1
    assert step["stats"]["forwarded"] == len(want)


def _docs(folder: Path) -> dict[str, Any]:
    lines = [line for f in sorted(folder.glob("*.jsonl")) for line in f.read_bytes().splitlines()]
    docs = [json.loads(line) for line in lines]
    return {d["id"]: d for d in docs}


def test_datatrove_step_fails_on_a_bad_pack_before_the_pipeline(tmp_path: Path) -> None:
    pytest.importorskip("datatrove")
    from cleaner.adapters.datatrove import CleanDocuments

    (tmp_path / "bad.yaml").write_text("pack: bad\nscope: nowhere\nrules: []\n", "utf-8")
    with pytest.raises(CleanerError, match=r"bad\.yaml"):
        CleanDocuments(rules=[tmp_path / "bad.yaml"])
