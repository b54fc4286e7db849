"""The default language detector against langdetect on a labelled multilingual set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.steps.language import DEFAULT_DETECTOR, DETECTORS, make_detector, sample
from tests.conftest import SEEDS

LABELLED = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "langid.jsonl").read_text("utf-8").splitlines()
]


def accuracy(name: str, kind: str | None = None) -> float:
    detector = make_detector(name)
    rows = [r for r in LABELLED if kind is None or r["kind"] == kind]
    return sum(detector.detect(r["text"])[0] == r["lang"] for r in rows) / len(rows)


def test_labelled_set_covers_eight_languages() -> None:
    assert {r["lang"] for r in LABELLED} == {"en", "pt", "ru", "de", "it", "id", "ja", "ko"}
    assert {r["kind"] for r in LABELLED} == {"short", "long"}


@pytest.mark.parametrize("kind", [None, "short", "long"])
def test_default_is_at_least_as_accurate_as_langdetect(kind: str | None) -> None:
    assert accuracy(DEFAULT_DETECTOR, kind) >= accuracy("langdetect", kind)


def test_default_gives_langdetects_answers_and_scores() -> None:
    default, reference = make_detector(DEFAULT_DETECTOR), make_detector("langdetect")
    texts = [r["text"] for r in LABELLED] + [p.read_text("utf-8") for p in SEEDS.glob("*.txt")]
    texts += ["", "12345 !!!", "a"]  # no features: both say "unknown"
    assert [default.detect(t) for t in texts] == [reference.detect(t) for t in texts]


def test_every_detector_is_deterministic() -> None:
    for name in DETECTORS:
        detector = make_detector(name)
        text = LABELLED[0]["text"]
        assert len({detector.detect(text) for _ in range(5)}) == 1


def test_sample_is_bounded_and_cut_at_a_space() -> None:
    text = "word " * 1000
    cut = sample(text, 1500)
    assert len(cut) <= 1500
    assert cut.endswith("word")


def test_langdetect_rs_one_call_path_matches_the_package_bit_for_bit() -> None:
    from cleaner.steps.language import LangdetectRsDetector

    detector = LangdetectRsDetector()
    assert detector._one_call, "the probes disagreed: the installed langdetect-rs changed"
    texts = [r["text"] for r in LABELLED] + [p.read_text("utf-8") for p in SEEDS.glob("*.txt")]
    texts += ["", "12345 !!!", "a", "http://example.com/x mail@example.com", "日本語"]
    for text in texts:
        assert detector._direct_probabilities(text) == detector._public(text), text[:60]


def test_langdetect_rs_falls_back_to_the_package_when_the_probes_disagree() -> None:
    from cleaner.steps.language import LangdetectRsDetector

    class Changed(LangdetectRsDetector):
        def _direct_probabilities(self, text: str) -> list[float] | None:
            return [0.0]  # a core that no longer answers as the package does

    changed, reference = Changed(), make_detector("langdetect")
    assert not changed._one_call
    text = LABELLED[0]["text"]
    assert changed.detect(text) == reference.detect(text)
