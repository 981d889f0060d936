"""Charts drawn with matplotlib's object API (Agg), returned as bytes and cached by content.

No pyplot anywhere: every chart builds its own ``Figure``; user text is never parsed as math.
Pages and views name a chart's functions through ``deferred`` so that matplotlib and numpy are
imported when a chart is first drawn or described, not when the app (or the ``lms`` command) starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# Every module that draws: ``lms serve`` imports them before it answers (see ``preload``).
DRAWING_MODULES = ("lms.charts.vsm", "lms.charts.takt", "lms.charts.pareto", "lms.charts.kpi_trend",
                   "lms.charts.landscape", "lms.charts.review_trend", "lms.charts.a3", "lms.charts.flow")


def deferred(module: str, name: str) -> Callable[..., Any]:
    """Return a function that imports ``module`` when first called and calls its ``name``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        """Call the chart function, importing its module the first time."""
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"Call {module}.{name} (imported on first use)."
    return call


def drawings(module: str, name: str) -> dict[str, Callable[..., Any]]:
    """Return, by format, the chart's drawing as PNG (``name``) and as SVG (``name_svg``), imported on
    first use: the pages show the SVG, the PNG is there to download."""
    return {"png": deferred(module, name), "svg": deferred(module, f"{name}_svg")}


def preload() -> None:
    """Import every drawing module now, so a server's first chart does not wait for matplotlib."""
    for module in DRAWING_MODULES:
        importlib.import_module(module)
