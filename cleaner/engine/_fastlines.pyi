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
def logits(
    known: list[_Row], min_body: int, weights: tuple[float, ...], bound: float | None = None
) -> Any: ...
def known_rows(
    lines: list[str],
    memo: dict[str, _Row],
    codes: dict[str, int],
    weights: tuple[float, ...],
    records: list[Any] | None = None,
    lang: int = 0,
) -> list[_Row | None]: ...
def packed_lines(lines: list[str], memo: dict[str, int], table: dict[str, int]) -> list[int]: ...
def cjk_count(text: str | list[str]) -> int: ...
def drop(
    text: list[str],
    entries: list[list[Any]],
    rows_of: Callable[[list[str], str, list[Any]], list[_Row]],
    names: tuple[str, ...],
    weights: tuple[float, ...],
    min_lines: int,
    min_body: int,
    bound: float,
    threshold: float,
) -> list[int] | None: ...
def line_words(
    lines: list[str], memo: dict[str, list[Any]], table: dict[str, int], n_langs: int
) -> list[list[Any]]: ...
