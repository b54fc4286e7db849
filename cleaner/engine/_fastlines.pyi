from collections.abc import Callable
from typing import Any

_Row = tuple[float, float, bool, bool, str, float, float]

def line_fields(
    lines: list[str],
    folded: list[str] | None,
    codes: dict[str, int],
    dated_of: Callable[[str], bool] | None,
) -> list[tuple[Any, ...]]: ...
def line_rows(
    lines: list[str],
    folded: list[str] | None,
    codes: dict[str, int],
    dated_of: Callable[[str], bool] | None,
    weights: tuple[float, ...],
) -> list[_Row]: ...
def logits(known: list[_Row], min_body: int, weights: tuple[float, ...]) -> list[float] | None: ...
def packed_counts(folded: list[str], table: dict[str, int]) -> list[int]: ...
def cjk_count(text: str) -> int: ...
