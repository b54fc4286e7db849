"""Parity with datatrove: with the same thresholds, cleaner's quality filters keep and drop the
same documents as datatrove's GopherQualityFilter, GopherRepetitionFilter, C4QualityFilter and
FineWebQualityFilter on at least 97% of a fixed subset of the corpora's gold texts (every 10th
of ctf, aeb and wcxb in their sorted order, of those up to 4,000 characters: datatrove takes
seconds on a long one), plus the presets' example inputs, so that each filter drops some
documents. ``python -m bench.quality`` runs every gold text.

datatrove (and spaCy, its English word tokenizer) come with the datatrove extra, which the dev
extra installs; without them the test skips, except in CI, where it must run."""

from __future__ import annotations

import os

import pytest

from tests.conftest import corpora_missing

if not os.environ.get("CI"):
    pytest.importorskip("datatrove", reason="pip install -e '.[datatrove]' to compare with it")
    pytest.importorskip("spacy", reason="pip install -e '.[datatrove]' (datatrove's tokenizer)")

AGREEMENT = 0.97
EVERY = 10
LONGEST = 4000


def test_keep_and_drop_decisions_agree_with_datatrove() -> None:
    missing = corpora_missing("ctf") or corpora_missing("aeb") or corpora_missing("wcxb-dev")
    if missing is not None:
        pytest.skip(missing)
    from bench.quality import PAIRS, compare, gold_texts, ours

    texts = [(i, t) for i, t in gold_texts(every=EVERY) if len(t) <= LONGEST]
    assert len(texts) > 50
    # The examples in English: a Chinese one counts characters, which datatrove does not.
    filters = ours().filters
    texts += [(f"{f.id}:{e.line}", e.input) for f in filters for e in f.examples if not e.lang]
    result = compare(texts)
    shares = {name: result.agree[name] / result.docs for name in PAIRS}
    assert all(share >= AGREEMENT for share in shares.values()), (shares, result.disagreements)
    # Not a vacuous agreement: each filter drops some of these texts on both sides.
    for name in PAIRS:
        assert 0 < result.kept_theirs[name] < result.docs, name
        assert 0 < result.kept_ours[name] < result.docs, name
