"""Heavy libraries imported on first use: most ``lms`` commands and many requests never need them."""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stand in for a module (``np = LazyModule("numpy")``) and import it when a name is first read.

    The import goes through ``importlib`` (which locks per module), so threads that read at once
    all get the finished module; each name read is then kept on the stand-in.
    """

    def __init__(self, name: str) -> None:
        """Remember which module to import; import nothing yet."""
        self.__module_name = name

    def __getattr__(self, attr: str) -> Any:
        """Import the module (once) and return its ``attr``."""
        value = getattr(importlib.import_module(self.__module_name), attr)
        setattr(self, attr, value)
        return value

    def __repr__(self) -> str:
        """Say which module this stands for."""
        return f"<lazy module {self.__module_name!r}>"
