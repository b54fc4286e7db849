"""Word counts and the too-short filter on the real CJK texts of ../shared/corpora.

The corpora hold no Chinese article; their CJK gold texts are two Japanese and two Korean AEB
articles. Each is scored whole, and each of its paragraphs of at least 100 characters is scored
as if it were a short article of its own (the issue's rejects were 300-1,000-character
articles). "before" counts words at spaces, as main did; "after" is cleaner.words.count_words
with the generic filters-min-words thresholds (10, or 20 for zh and ja).

    python -m bench.cjk_counts
"""

from __future__ import annotations

import re

from bench.corpora import iter_aeb, iter_wcxb
from cleaner.pipeline import Cleaner
from cleaner.words import count_words

_CJK_OR_HANGUL = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def main() -> int:
    cleaner = Cleaner.from_paths([])
    detect = cleaner.detector.detect
    golds = [(p.id[:12], p.gold_text) for p in iter_aeb()]
    golds += [(p.id, p.gold_text) for p in iter_wcxb()]
    rows = [(i, t) for i, t in golds if len(_CJK_OR_HANGUL.findall(t)) > 0.3 * max(1, len(t))]
    before = after = n_par = 0
    print(f"{'text':<22}{'lang':>6}{'chars':>7}{'at spaces':>11}{'count_words':>13}")
    for doc_id, text in rows:
        lang = detect(text)[0] or ""
        print(f"{doc_id:<22}{lang:>6}{len(text):>7}{len(text.split()):>11}{count_words(text):>13}")
        for par in (p for p in text.split("\n") if len(p) >= 100):
            n_par += 1
            least = 20 if lang.split("-")[0] in ("zh", "ja") else 10
            before += len(par.split()) < 10
            after += count_words(par) < least
    print(f"\nparagraphs of >= 100 characters scored as articles: {n_par}")
    print(f"rejected as too short: before {before}, after {after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
