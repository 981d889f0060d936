"""Who may move data in and out: whole-organization export and import, and table imports."""

from __future__ import annotations

from lms.permissions import roles

EXPORT = roles("admin", "manager", denial="Only a manager or an admin may export the whole organization.")
IMPORT = roles("admin", denial="Only an admin may import a whole organization.")
# Which stream or KPI a table import writes to is in the upload; the service checks that one.
IMPORT_TABLE = roles("admin", "manager", "owner",
                     denial="Only a process owner, a manager or an admin may import steps or measurements.")
