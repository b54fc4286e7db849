"""The compiled side of the boilerplate model (``cleaner/engine/_fastlines.c``, built at install
when a C compiler is there): ASCII lines measured and a page scored in C with the same floats as
the numpy path (``linescore``), which stays the fallback. ``CLEANER_PURE=1`` forces the fallback."""

from __future__ import annotations

import os
from functools import cache
from types import ModuleType

from cleaner.engine.linemodel import BLOCK_FEATURES, CONTEXT_FEATURES

# The weights ``_fastlines.logits`` reads, in its order: the first pass's place and block
# features (bias first), then the second pass's.
FIRST_PASS = (
    "relative_position",
    "log_distance_to_body",
    "log_short_run",
    "neighbour_log_words",
    "before_body",
    "just_above_body",
    "after_body",
    "repeated_in_page",
    "first_line",
    *BLOCK_FEATURES,
)
# The second pass's weights are the context model's, in its order.
SECOND_PASS = CONTEXT_FEATURES


def compiled() -> ModuleType | None:
    """The C module, or None where it was not built or ``CLEANER_PURE`` is set (not 0)."""
    if os.environ.get("CLEANER_PURE", "0") not in ("", "0"):
        return None
    try:
        from cleaner.engine import _fastlines
    except ImportError:
        return None
    return _fastlines


def pass_weights(
    bias1: float, first: dict[str, float], bias2: float, second: dict[str, float]
) -> tuple[float, ...]:
    return (
        bias1,
        *(first[name] for name in FIRST_PASS),
        bias2,
        *(second[name] for name in SECOND_PASS),
    )


@cache
def codes(stops: frozenset[str], chrome: frozenset[str]) -> dict[str, int]:
    """A stripped, casefolded token's code: 1 a stop word, 2 a chrome word, 3 both."""
    out = dict.fromkeys(stops, 1)
    for word in chrome:
        out[word] = out.get(word, 0) | 2
    return out
