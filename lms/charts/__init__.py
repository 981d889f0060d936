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


# The formats a chart is drawn in, by the renderer of lms.charts.base that writes each.
RENDERERS = {"png": "to_png", "svg": "to_svg"}


def drawings(module: str, figure: str) -> dict[str, Callable[[Any], bytes]]:
    """Return, by format, a function drawing a spec as the figure ``figure`` of ``module`` builds it,
    imported on first use: the pages show the SVG, the PNG is there to download."""
    build = deferred(module, figure)

    def drawing(render: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
        return lambda spec: render(build(spec))

    return {fmt: drawing(deferred("lms.charts.base", name)) for fmt, name in RENDERERS.items()}


def preload() -> None:
    """Import every drawing module now, so a server's first chart does not wait for matplotlib."""
    for module in DRAWING_MODULES:
        importlib.import_module(module)
