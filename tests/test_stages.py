"""Corpus stages: exact dedup's scan, merge, save/load and apply as units, then ``--dedup exact``
end to end (command line and Python API), across worker counts, layouts and kills."""

from __future__ import annotations

import json
import random
import signal
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.batch import Tally
from cleaner.cli import main
from cleaner.config import Config
from cleaner.errors import CleanerError, RuleErrors
from cleaner.pipeline import Cleaner
from cleaner.run import RunOptions, run
from cleaner.stages import Drop, stage_for
from cleaner.stages.dedup import ExactDedup, ExactState, digest, normalise
from tests.conftest import RULES
from tests.scale_helpers import every_point, output_files
from tests.test_resume import cleaner_cmd, killed_at_rename, run_cleaner

STAGE = ExactDedup()
BASE = [
    "The council approved the new budget on Tuesday after a long debate about schools.",
    "Rain is expected across the north of the country for the rest of the week, forecasters say.",
    "The central bank held interest rates steady and said inflation was slowing down again.",
    "A new bridge over the river opened to traffic after four years of construction work.",
]


def article(i: int, rng: random.Random) -> dict[str, Any]:
    """Article ``i``: one of a few texts (so many repeat), its copies differing in case,
    punctuation and spacing; every fifth one unique."""
    if i % 5 == 0:
        text = f"Story number {i} is about something else entirely. " + BASE[i % 4]
    else:
        text = BASE[rng.randrange(4)]
        text = rng.choice([text, text.upper(), text.replace(",", ""), text.replace(" ", "  ")])
    return {"id": f"a{i}", "text": "\n".join([text] * 3), "n": i}


def dup_corpus(path: Path, n: int = 60, seed: int = 7) -> Path:
    rng = random.Random(seed)
    lines = [json.dumps(article(i, rng)) for i in range(n)]
    lines.insert(9, "{broken")  # a reject among them
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# -- units -------------------------------------------------------------------------------------


def test_normalise_folds_case_drops_punctuation_and_collapses_whitespace() -> None:
    assert normalise("  Hello,\n  WORLD!  It's  “here” — now. ") == "hello world its here now"
    assert digest("Straße, ok") == digest("STRASSE ok")  # casefold, not lower
    assert digest("one two") != digest("onetwo")  # whitespace collapses, it does not vanish
    assert len(digest("x")) == 16


def reference_normalise(text: str) -> str:
    """The definition, slowly: casefold, delete category P, collapse whitespace."""
    kept = "".join(c for c in text.casefold() if unicodedata.category(c)[0] != "P")
    return " ".join(kept.split())


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=()), max_size=80))
def test_the_fast_normalisation_equals_the_definition(text: str) -> None:
    assert normalise(text) == reference_normalise(text)


TEXTS = st.lists(st.sampled_from(["a", "A.", "b", "b  ", "c", "d!", "e", "f"]), max_size=30)


def scan(texts: list[str]) -> ExactState:
    return STAGE.scan({"text": t} for t in texts)


@settings(max_examples=60, deadline=None)
@given(TEXTS, TEXTS, TEXTS, st.randoms())
def test_merge_is_associative_and_its_result_independent_of_order(
    a: list[str], b: list[str], c: list[str], rnd: random.Random
) -> None:
    whole = scan(a + b + c).to_bytes()
    assert scan(a).merge(scan(b)).merge(scan(c)).to_bytes() == whole
    assert scan(a).merge(scan(b).merge(scan(c))).to_bytes() == whole
    parts = [scan(p) for p in (a, b, c)]
    rnd.shuffle(parts)
    merged = STAGE.empty()
    for part in parts:
        merged.merge(part)
    assert merged.to_bytes() == whole
    everything = a + b + c
    for t in everything:
        assert merged.count(digest(t)) == sum(digest(x) == digest(t) for x in everything)


@settings(max_examples=40, deadline=None)
@given(TEXTS)
def test_state_survives_save_and_load(texts: list[str]) -> None:
    state = scan(texts)
    if state.repeated:
        state.kept[next(iter(state.repeated))] = "kept-\udc80-id"  # a lone surrogate too
    again = STAGE.load(state.to_bytes())
    assert again == state
    assert again.to_bytes() == state.to_bytes()


def test_a_damaged_state_is_refused() -> None:
    data = scan(["a", "a", "b"]).to_bytes()
    with pytest.raises(CleanerError, match="damaged"):
        STAGE.load(data + b"x")
    with pytest.raises(CleanerError, match="not a saved"):
        STAGE.load(b"junk")


def record(rid: str, text: str, **meta: Any) -> dict[str, Any]:
    return {"id": rid, "source": f"in:{rid}", "text": text, "meta": meta}


def test_apply_keeps_the_first_and_drops_its_copies_in_input_order() -> None:
    records = [
        record("x", "Same text."),
        record("u", "Unique."),
        record("y", "SAME text"),
        record("z", "same, text", keep="me"),
    ]
    state = STAGE.seal(STAGE.scan(records))
    assert not state.single  # pass 2 needs the repeated digests only
    verdicts = [STAGE.apply(r, state) for r in records]
    assert verdicts[0] == {**records[0], "meta": {"duplicates": 2}}
    assert verdicts[1] is records[1]  # unchanged: the same object, so the same bytes
    assert verdicts[2] == Drop(
        {"id": "y", "source": "in:y", "duplicate_of": "x", "record": records[2]}
    )
    assert isinstance(verdicts[3], Drop)
    assert verdicts[3].line["duplicate_of"] == "x"
    assert verdicts[3].line["record"]["meta"] == {"keep": "me"}


def test_tally_drop_keeps_the_summary_reconciled() -> None:
    tally = Tally(read=3, written=2, rejected=1, chars_out=30)
    tally.langs.update({"en": 2})
    tally.fields.update({"title": 1})
    dropped = {"n_chars": 10, "lang": "en", "extractor": None, "title": "T"}
    dropped |= {"author": None, "date_published": None, "date_updated": None}
    tally.drop(dropped)
    summary = tally.summary(dedup=True)
    assert summary["records_written"] == 1
    assert summary["duplicates_written"] == 1
    assert summary["reconciled"]
    assert summary["languages"] == {"en": 1}
    assert summary["fields"] == {}  # no zero counts left behind
    assert summary["chars_out"] == 20
    assert "duplicates_written" not in Tally(read=1, written=1).summary()


def test_the_config_key_is_validated_and_off_by_default() -> None:
    assert Config.defaults().corpus["dedup"] == "none"
    assert Config.from_mapping({"corpus": {"dedup": "exact"}}, "c.yaml").corpus["dedup"] == "exact"
    with pytest.raises(RuleErrors, match=r"valid: none, exact, near"):
        Config.from_mapping({"corpus": {"dedup": "fuzzy"}}, "c.yaml")
    assert stage_for("none") is None
    with pytest.raises(CleanerError, match="valid: none, exact, near"):
        stage_for("fuzzy")


# -- end to end --------------------------------------------------------------------------------


def run_cli(*args: str) -> int:
    return main(["run", *args, "--rules", str(RULES)])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dup_corpus(tmp_path_factory.mktemp("dedup") / "in.jsonl")


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "out"
    assert run_cli(str(corpus), "-o", str(out), "--dedup", "exact") == 0
    return out


def test_dedup_exact_end_to_end(corpus: Path, reference: Path, tmp_path: Path) -> None:
    kept = read_jsonl(reference / "articles.jsonl")
    dups = read_jsonl(reference / "duplicates.jsonl")
    rejects = read_jsonl(reference / "rejects.jsonl")
    summary = json.loads((reference / "summary.json").read_text("utf-8"))
    assert summary["articles_read"] == 61
    assert summary["reconciled"]
    assert summary["records_written"] == len(kept)
    assert summary["rejects_written"] == len(rejects) == 1
    assert summary["duplicates_written"] == len(dups) > 0
    assert len(kept) + len(rejects) + len(dups) == 61
    # One document per normalised text; the first in input order is the one kept.
    by_text: dict[str, list[str]] = {}
    for line in corpus.read_text("utf-8").splitlines():
        if not line.startswith("{broken"):
            obj = json.loads(line)
            by_text.setdefault(normalise(obj["text"]), []).append(obj["id"])
    assert sorted(r["id"] for r in kept) == sorted(ids[0] for ids in by_text.values())
    for r in kept:
        cluster = by_text[normalise(r["text"])]
        assert r["meta"].get("duplicates", 0) == len(cluster) - 1
    for d in dups:
        assert d["duplicate_of"] == by_text[normalise(d["record"]["text"])][0]
        assert d["id"] == d["record"]["id"] != d["duplicate_of"]
    # Without --dedup: every record, none carries a count, and no duplicates file.
    plain = tmp_path / "plain"
    assert run_cli(str(corpus), "-o", str(plain)) == 0
    assert not (plain / "duplicates.jsonl").exists()
    records = read_jsonl(plain / "articles.jsonl")
    assert len(records) == 60
    assert all("duplicates" not in r["meta"] for r in records)
    assert "duplicates_written" not in json.loads((plain / "summary.json").read_text("utf-8"))


def test_python_api_gives_the_cli_bytes(corpus: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "api"
    stats = run(Cleaner.from_paths([RULES]), [str(corpus)], str(out), RunOptions(dedup="exact"))
    assert stats.tally.duplicates == len(read_jsonl(out / "duplicates.jsonl"))
    assert output_files(out) == output_files(reference)


def test_config_key_turns_dedup_on_and_the_flag_turns_it_off(
    corpus: Path, reference: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "config.yaml").write_text("corpus:\n  dedup: exact\n", "utf-8")
    from_config = tmp_path / "cfg"
    assert main(["run", str(corpus), "-o", str(from_config), "--rules", str(rules)]) == 0
    assert (from_config / "duplicates.jsonl").read_bytes()
    off = tmp_path / "off"
    assert main(["run", str(corpus), "-o", str(off), "--rules", str(rules), "--dedup", "none"]) == 0
    assert not (off / "duplicates.jsonl").exists()


@pytest.mark.parametrize(
    "layout", [[], ["--shard-size", "17"], ["--shard-size", "17", "--compression", "zstd"]]
)
def test_two_workers_write_the_bytes_of_one(
    corpus: Path, tmp_path: Path, layout: list[str]
) -> None:
    one, two = tmp_path / "j1", tmp_path / "j2"
    assert run_cli(str(corpus), "-o", str(one), "--dedup", "exact", "-j", "1", *layout) == 0
    assert run_cli(str(corpus), "-o", str(two), "--dedup", "exact", "-j", "2", *layout) == 0
    assert output_files(one) == output_files(two)
    if layout:
        suffix = ".jsonl.zst" if "zstd" in layout else ".jsonl"
        names = sorted(output_files(one))
        assert f"duplicates-00000{suffix}" in names
        assert f"duplicates-00003{suffix}" in names  # 61 articles, 17 a shard: 4 shards
        summary = json.loads((one / "summary.json").read_text("utf-8"))
        assert summary["shards"][0]["duplicates"] == f"duplicates-00000{suffix}"


def test_dedup_refuses_what_it_cannot_do(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(str(corpus), "-o", "-", "--dedup", "exact") == 2
    assert "--dedup needs an output folder" in capsys.readouterr().err
    assert run_cli("-", "-o", str(tmp_path / "o"), "--dedup", "exact") == 2
    assert "standard input cannot be read twice" in capsys.readouterr().err
    assert run_cli(str(corpus), "-o", str(tmp_path / "o"), "--dedup", "fuzzy") == 2


def test_resume_refuses_a_changed_dedup(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--shard-size", "17"]
    killed = killed_at_rename(3, cleaner_cmd(corpus, out, *args, "--dedup", "exact"))
    assert killed == -signal.SIGKILL
    proc = run_cleaner(cleaner_cmd(corpus, out, *args, "--resume"))
    assert proc.returncode == 2
    assert "stages changed" in proc.stderr


@pytest.mark.parametrize("layout", [["--shard-size", "25"], []])
def test_sigkill_before_every_rename_in_both_passes_then_resume(
    tmp_path: Path, layout: list[str]
) -> None:
    # Every rename is a point: pass 1's shards, their states and markers, the state that ends
    # pass 1, pass 2's shards and markers, the joins, summary.json.
    src = dup_corpus(tmp_path / "in.jsonl", 50)
    args = [*layout, "--dedup", "exact"]
    checkpoint = 25 if not layout else None  # the single layout's checkpoints, cut small
    reference = tmp_path / "reference"
    assert run_cleaner(cleaner_cmd(src, reference, *args)).returncode == 0
    expected = output_files(reference)

    def kill_then_resume(n: int) -> bool:
        """False when the run has fewer than n renames (every point has been tried)."""
        out = tmp_path / f"out{n}"
        code = killed_at_rename(n, cleaner_cmd(src, out, *args), checkpoint)
        if code == 0:
            return False
        assert code == -signal.SIGKILL
        resumed = run_cleaner(cleaner_cmd(src, out, *args, "--resume"), checkpoint)
        assert resumed.returncode == 0, resumed.stderr
        assert output_files(out) == expected, f"killed before rename {n}"
        return True

    assert every_point(kill_then_resume) >= 15
