"""Language identification on a bounded sample of the clean text.

The default, ``langdetect-rs``, is a Rust port of langdetect that reproduces its random walk
bit for bit (same answers, same probabilities), only faster; ``langdetect`` is the original,
kept as the reference. Both are seeded, so the same text always gets the same answer
whichever process or worker reads it. Neither downloads anything: the profiles ship in the wheels.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

DEFAULT_SAMPLE_CHARS = 1500
DEFAULT_DETECTOR = "langdetect-rs"


class Detector(Protocol):
    name: str

    def detect(self, text: str) -> tuple[str | None, float | None]: ...


def sample(text: str, limit: int = DEFAULT_SAMPLE_CHARS) -> str:
    """The first ``limit`` characters, cut at a space so no word is split."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


class _SeededLangdetect:
    """A langdetect-style package (same API), seeded so one text always gets one answer."""

    name: str
    module: str

    def __init__(self, sample_chars: int = DEFAULT_SAMPLE_CHARS) -> None:
        package = importlib.import_module(self.module)
        factory = importlib.import_module(self.module + ".detector_factory")
        package.DetectorFactory.seed = 0
        factory.init_factory()
        self._factory: Any = factory._factory
        self._error: type[Exception] = package.LangDetectException
        self.sample_chars = sample_chars

    def detect(self, text: str) -> tuple[str | None, float | None]:
        detector = self._factory.create()
        detector.append(sample(text, self.sample_chars))
        try:
            best = detector.get_probabilities()
        except self._error:
            return None, None
        if not best:
            return None, None
        return str(best[0].lang), round(float(best[0].prob), 4)


class LangdetectDetector(_SeededLangdetect):
    """langdetect itself (pure Python: the slow reference)."""

    name = "langdetect"
    module = "langdetect"


class LangdetectRsDetector(_SeededLangdetect):
    """langdetect-rs: langdetect's answers, bit for bit, from a Rust core."""

    name = "langdetect-rs"
    module = "langdetect_rs"

    # The package's detector asks its core twice: once without trials, only to learn whether
    # the text has features, then again to run them, extracting the text's n-grams each time
    # (a large share of the cost). The core's answer to the second call says "features" by itself.
    # That core is private, so the one-call path is used only when it gives the public path's
    # probabilities, bit for bit, on the probes below; a changed package falls back by itself.
    _PROBES = (
        "The committee will publish its findings on Tuesday, officials said.",
        "Правительство опубликует доклад во вторник, сообщили в министерстве.",
        "La commissione pubblicherà i risultati martedì, hanno detto i funzionari.",
        "12345 67890 !!!",
        "",
    )

    def __init__(self, sample_chars: int = DEFAULT_SAMPLE_CHARS) -> None:
        super().__init__(sample_chars)
        seed = importlib.import_module(self.module + "._seed")
        self._seed_state: Any = seed.seed_state
        self._one_call = False
        try:
            self._one_call = all(
                self._public(t) == self._direct_probabilities(t) for t in self._PROBES
            )
        except Exception:  # any surprise from a private API means: do not use it
            self._one_call = False

    def _public(self, text: str) -> list[float] | None:
        detector = self._factory.create()
        detector.append(text)
        try:
            detector.get_probabilities()
        except self._error:
            return None
        return list(detector.langprob)

    def _direct(self, text: str) -> Any | None:
        """A detector holding the text's probabilities from one core call; None: no features."""
        detector = self._factory.create()
        detector.append(text)
        detector.cleaning_text()
        state = self._seed_state(detector.seed)
        langprob, error = detector._core.detect_block(
            detector.text, detector.alpha, detector.n_trial, None, state
        )
        if error is not None:
            if error == "features" or isinstance(error, self._error):
                return None
            raise error
        detector.langprob = langprob  # get_probabilities() ranks them as the package does
        return detector

    def _direct_probabilities(self, text: str) -> list[float] | None:
        detector = self._direct(text)
        return None if detector is None else list(detector.langprob)

    def detect(self, text: str) -> tuple[str | None, float | None]:
        if not self._one_call:
            return super().detect(text)
        detector = self._direct(sample(text, self.sample_chars))
        best = None if detector is None else detector.get_probabilities()
        if not best:
            return None, None
        return str(best[0].lang), round(float(best[0].prob), 4)


DETECTORS: dict[str, type[_SeededLangdetect]] = {
    d.name: d for d in (LangdetectRsDetector, LangdetectDetector)
}


def make_detector(
    name: str = DEFAULT_DETECTOR, sample_chars: int = DEFAULT_SAMPLE_CHARS
) -> Detector:
    return DETECTORS[name](sample_chars)
