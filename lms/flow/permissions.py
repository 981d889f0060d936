"""Who may do what with a stream's event log: the stream's own rules.

Everyone reads the measured flow. Importing events, mapping activities, the flow settings and
adopting the measured figures change the stream: its process owner, a manager or an admin.
"""

from __future__ import annotations

from lms.streams.permissions import EDIT_STREAM, may_edit, require_edit

__all__ = ["EDIT_STREAM", "may_edit", "require_edit"]
