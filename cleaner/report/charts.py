"""The report's charts: matplotlib figures rendered to inline SVG (no script, nothing fetched).

matplotlib over plotly or vega: a static SVG opens at once and weighs kilobytes, where plotly
inlines its whole script in each page (measurements: ``bench/results/report.txt``). The SVG is
made deterministic (fixed ids, no date), so the same aggregates give the same page bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cleaner.errors import CleanerError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INSTALL = "pip install 'cleaner[report]'"


def need_libraries() -> None:
    """The report's libraries, checked before a run touches any article."""
    missing = []
    for name in ("jinja2", "matplotlib"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise CleanerError(
            f"the report needs {' and '.join(missing)}: install the report extra ({INSTALL})"
        )


def _figure(width: float = 6.0, height: float = 2.4) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def _svg(fig: Figure) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "cleaner-report", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    start = text.find("<svg")  # the XML declaration and doctype do not belong inside HTML
    text = text[start:] if start >= 0 else text
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


def bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    xlabel: str = "",
    ylabel: str = "documents",
    lines: Sequence[tuple[float, str]] = (),
    rotate: bool = False,
) -> str:
    """A bar chart (several series side by side), with optional vertical threshold lines at
    positions on the label axis."""
    fig, ax = _figure()
    n = max(1, len(series))
    width = 0.8 / n
    colours = ("#4c78a8", "#f58518", "#54a24b")
    for i, (name, values) in enumerate(series):
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(labels))]
        ax.bar(xs, values, width=width, label=name, color=colours[i % 3])
    ax.set_xticks(
        range(len(labels)), labels, rotation=60 if rotate else 0, ha="right" if rotate else "center"
    )
    for x, name in lines:
        ax.axvline(x, color="#d62728", linestyle="--", linewidth=1)
        ax.annotate(name, (x, 1), xycoords=("data", "axes fraction"), fontsize=7, color="#d62728")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    if n > 1:
        ax.legend(fontsize=7, frameon=False)
    return _svg(fig)
