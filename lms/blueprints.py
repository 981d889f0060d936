"""A feature's blueprint, whose pages are imported when an app mounts it rather than with the package.

``lms create-user`` needs ``lms.admin.services``; importing it runs ``lms/admin/__init__.py``. When that
file imported the feature's views, every command that used a service also loaded the feature's pages,
its forms, Flask-WTF and WTForms. The views now come with ``register``, which Flask calls when the
app factory mounts the blueprint (``create_app(web=True)``), before any route is looked up.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Blueprint
from flask.sansio.app import App


class FeatureBlueprint(Blueprint):
    """A blueprint that imports its view modules (which add its routes) when first registered."""

    def __init__(self, name: str, import_name: str, *, views: tuple[str, ...], **options: Any) -> None:
        """Name the modules, relative to the feature's package, that declare the blueprint's routes."""
        super().__init__(name, import_name, **options)
        self.view_modules = views

    def register(self, app: App, options: dict) -> None:
        """Import the views (once per process: their routes stay on the blueprint), then mount them."""
        for module in self.view_modules:
            importlib.import_module(f"{self.import_name}.{module}")
        super().register(app, options)
