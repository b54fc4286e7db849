"""Bounds that keep one hostile input from taking a run's memory or time."""

from __future__ import annotations

# 16 MiB: far above any real article (a long feature is ~100 KB of text), and cleaning takes
# about 20 times an article's size in memory, so a worker stays well under 1 GB.
DEFAULT_MAX_ARTICLE_BYTES = 16 * 1024 * 1024
# The most either limit may be set to (1 GiB): an article is held whole, and cleaning takes
# many times its size in memory; far past it, a read size no longer fits the platform's.
MAX_READ_BYTES = 1 << 30
# HTML pages carry markup around the text; see html.max_page_bytes in config.py.
DEFAULT_MAX_PAGE_BYTES = 50_000_000


def too_large_message(size: int, limit: int, unit: str = "bytes") -> str:
    return (
        f"the article is {size:,} {unit}, over the limit of {limit:,} bytes "
        "(limits.max_article_bytes in config.yaml)"
    )


def page_too_large_message(size: str, limit: int, unit: str = "bytes") -> str:
    return (
        f"the page is {size} {unit}, over html.max_page_bytes ({limit:,}); raise it in "
        "config.yaml to clean such pages"
    )


def page_line_too_large_message(size: int, limit: int) -> str:
    return (
        f"the line is {size:,} bytes, over the {limit:,} a line holding a page may take "
        "(html.max_page_bytes in config.yaml, and a quarter more for JSON's escapes)"
    )


# How deep a JSONL line may nest (the line's object is level 1; its pass-through fields land in
# `meta` one level down in the record). The same bound on every path, for every output: past it,
# orjson refuses to write a record (254 levels), pickling to a worker process and Parquet's JSON
# column fail at various depths, so a deeper line is a `bad_jsonl` reject when it is read.
# Real pass-through data (JSON-LD, crawler metadata) nests a dozen levels at most.
MAX_JSON_DEPTH = 100


def json_depth_over(obj: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``obj`` nests more than ``limit`` containers deep (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False
