"""Language identification on a bounded sample of the clean text."""

from __future__ import annotations

from typing import Protocol

DEFAULT_SAMPLE_CHARS = 1500


class Detector(Protocol):
    name: str

    def detect(self, text: str) -> tuple[str | None, float | None]: ...


def sample(text: str, limit: int = DEFAULT_SAMPLE_CHARS) -> str:
    """The first ``limit`` characters, cut at a space so no word is split."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


class LangdetectDetector:
    """langdetect, seeded so the same text always gets the same answer."""

    name = "langdetect"

    def __init__(self, sample_chars: int = DEFAULT_SAMPLE_CHARS) -> None:
        from langdetect import DetectorFactory
        from langdetect.detector_factory import init_factory

        DetectorFactory.seed = 0
        init_factory()
        from langdetect import detector_factory

        self._factory = detector_factory._factory
        self.sample_chars = sample_chars

    def detect(self, text: str) -> tuple[str | None, float | None]:
        from langdetect.lang_detect_exception import LangDetectException

        detector = self._factory.create()
        detector.append(sample(text, self.sample_chars))
        try:
            best = detector.get_probabilities()
        except LangDetectException:
            return None, None
        if not best:
            return None, None
        return str(best[0].lang), round(float(best[0].prob), 4)


DETECTORS = {"langdetect": LangdetectDetector}


def make_detector(name: str = "langdetect", sample_chars: int = DEFAULT_SAMPLE_CHARS) -> Detector:
    return DETECTORS[name](sample_chars)
