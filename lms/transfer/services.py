"""Whole-organization export and import, as the web page, the API and the CLI use them."""

from __future__ import annotations

import json
from typing import Any

from lms import tenancy
from lms.models import Organization
from lms.transfer.export_queries import export_document
from lms.transfer.import_files import ImportResult
from lms.transfer.import_services import import_document

__all__ = ["ImportResult", "export_document", "export_json", "import_document", "import_for_actor"]


def export_json(organization: Organization) -> str:
    """Return the organization's export as indented JSON text."""
    return json.dumps(export_document(organization), indent=2, ensure_ascii=False, sort_keys=False)


def export_for_actor() -> dict[str, Any]:
    """Export the acting user's organization; admins and managers only."""
    user = tenancy.require("admin", "manager")
    return export_document(user.organization)


def import_for_actor(doc: Any) -> ImportResult:
    """Import into the acting admin's organization, which must be empty."""
    user = tenancy.require("admin")
    return import_document(user.organization, doc)
