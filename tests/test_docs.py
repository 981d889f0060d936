"""The documentation ships with the project and says what the code does."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_api_reference_lists_every_operation_with_who_may_use_it(app):
    from scripts.api_reference import reference

    assert (ROOT / "docs" / "api.md").read_text() == reference(), "run python scripts/api_reference.py"


def test_the_readme_and_docs_link_only_inside_the_repository():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        assert "../shared" not in text, f"{page.name} points outside the repository"
        for target in re.findall(r"\]\((?!https?:|#)([^)#]+)", text):
            assert (page.parent / target).exists(), f"{page.name} links to a missing {target}"
