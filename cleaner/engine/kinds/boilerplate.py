"""The boilerplate kind: drops the lines the line model (``cleaner.engine.linemodel``) scores as
chrome, for the sites nobody wrote a pack for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleaner.engine.kinds.base import ChromeKind, KindError, KindOptions
from cleaner.engine.linefast import compiled
from cleaner.engine.linemodel import load_model
from cleaner.engine.linescore import Scorer, drop_chrome, page_scores
from cleaner.engine.options import BOOL, INT, STR, option
from cleaner.engine.regex import LineMatches
from cleaner.words import CJK_CHARS, mostly_cjk

_MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_CJK = re.compile(f"[{CJK_CHARS}]")
# Every byte but ASCII letters and digits (bytes over 127 included: UTF-8 of other characters).
_NOT_ALNUM = bytes(b for b in range(256) if not (b < 128 and chr(b).isalnum()))


@dataclass(frozen=True, kw_only=True)
class BoilerplateOptions(KindOptions):
    model: str = option(
        STR,
        "The trained model: `cleaner/data/<model>.json`, written by `bench/train_boilerplate.py`.",
        default="boilerplate",
    )
    threshold: int | None = option(
        INT,
        "Drop a line whose chrome score (0-100) is at least N; unset: the model's operating "
        "point. Higher is more conservative.",
        minimum=1,
    )
    min_lines: int = option(
        INT,
        "Leave texts of fewer non-blank lines alone: a short text has no page around it to "
        "tell chrome from content.",
        default=8,
        minimum=1,
    )
    cjk_pages: bool = option(
        BOOL,
        "Score pages written mostly in Chinese or Japanese too. Off: the shipped model learnt "
        "from a handful of such pages and takes their headlines for chrome; the `zh` pack "
        "removes their known chrome lines.",
        default=False,
    )
    min_body_lines: int = option(
        INT,
        "Leave texts with fewer than N lines of prose (12 words or more, with stop words) "
        "alone: product pages, listings and forum threads are made of short lines that the "
        "model would take for menus.",
        default=3,
        minimum=0,
    )


def _cjk_count(lines: list[str]) -> int:
    return sum(len(_CJK.findall(line)) for line in lines if not line.isascii())


class Boilerplate(ChromeKind):
    name = "boilerplate"
    only_drops = True
    summary = (
        "Drop the lines a trained model scores as page chrome (menus, link lists, ad labels, "
        "footers) from their length, stop words, punctuation, case, link words, position "
        "against the body and their neighbours: for sites without a pack."
    )
    Options = BoilerplateOptions
    options: BoilerplateOptions

    def __init__(self, options: KindOptions) -> None:
        super().__init__(options)
        if not _MODEL_NAME.fullmatch(self.options.model):
            raise KindError(
                f"model '{self.options.model}' must be a file name in cleaner/data without "
                f"'.json' ({_MODEL_NAME.pattern})",
                "model",
            )
        try:
            self.model = load_model(self.options.model)
        except FileNotFoundError:
            raise KindError(
                f"no model file {self.options.model}.json in cleaner/data", "model"
            ) from None
        self.scorer = Scorer(self.model)
        chosen = self.options.threshold
        if chosen is not None and chosen > 100:
            raise KindError(f"threshold is a score from 1 to 100, got {chosen}", "threshold")
        self.threshold = chosen / 100 if chosen is not None else float(self.model["threshold"])
        self._fixpoint: list[str] = []
        fast = compiled()
        self._cjk_count = fast.cjk_count if fast is not None else _cjk_count

    def scores(self, lines: list[str]) -> list[float | None]:
        """Each line's chrome score (0..1), None for blank lines and texts too short to score."""
        if self._skipped(lines):
            return [None] * len(lines)
        return page_scores(lines, self.scorer, self.options.min_lines, self.options.min_body_lines)

    def apply(self, lines: list[str], matches: LineMatches | None = None) -> list[str] | None:
        # The engine calls again each round; when the lines are the fixpoint this rule last
        # returned (no other rule changed them), scoring them again would find nothing. Any
        # fixpoint is one whatever document it came from, so sharing this between threads is safe.
        nonblank = list(filter(None, lines))
        if nonblank == self._fixpoint or self._skipped(nonblank):
            return None
        opts = self.options
        kept = drop_chrome(lines, self.scorer, self.threshold, opts.min_lines, opts.min_body_lines)
        self._fixpoint = nonblank if kept is lines else list(filter(None, kept))
        return None if kept is lines else kept

    def _skipped(self, lines: list[str]) -> bool:
        if self.options.cjk_pages:
            return False
        # mostly_cjk counts letters one by one on a page with any CJK character; most such
        # pages have more ASCII letters and digits than twice their CJK characters.
        cjk = self._cjk_count(lines)  # the lines' join's, without joining them
        if not cjk:
            return False
        text = "".join(lines)
        if 2 * cjk < len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_ALNUM)):
            return False
        return mostly_cjk(text)
