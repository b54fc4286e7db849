from typing import Any

def ascii_lines(lines: list[str], codes: dict[str, int], dated: bytes) -> list[tuple[Any, ...]]: ...
def ascii_rows(
    lines: list[str], codes: dict[str, int], dated: bytes, weights: tuple[float, ...]
) -> list[tuple[float, float, bool, bool, str, float, float]]: ...
def logits(
    known: list[tuple[float, float, bool, bool, str, float, float]],
    min_body: int,
    weights: tuple[float, ...],
) -> list[float] | None: ...
