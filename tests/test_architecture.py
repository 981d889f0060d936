"""The structure the code promises: features and the core never import the API package."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lms"


def _imports(path: Path) -> set[str]:
    """Return every module name a file imports, at module level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


# The app factory (lms/__init__.py) wires every blueprint, the API's included; nothing else may.
OUTSIDE_API = sorted(path for path in PACKAGE.rglob("*.py")
                     if "api" not in path.relative_to(PACKAGE).parts and path != PACKAGE / "__init__.py")


@pytest.mark.parametrize("path", OUTSIDE_API, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_only_the_api_imports_the_api(path: Path) -> None:
    upward = {name for name in _imports(path) if name == "lms.api" or name.startswith("lms.api.")}
    assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)}: move what it needs below lms.api"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from lms.api.meta import anything\n")
    assert _imports(module) == {"lms.api.meta"}


def _functions_named(*names: str) -> list[str]:
    """Return ``module:function`` for every function of lms with one of these names."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
                found.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    return found


def test_the_working_day_is_defined_once() -> None:
    # One convention, one definition: lean/metrics.py once had its own working_day_s, and the flow
    # pages a _working_duration of their own beside the shared `duration` template global.
    assert _functions_named("working_day", "working_day_s", "_working_duration") == [
        "lean/durations.py:working_day"]


# --- test data: one way in -------------------------------------------------------------------------
# Test data goes through the Factory (tests/factory.py), that is through the services. Only a test that
# must create a state the services forbid writes rows itself, inside that test, with a comment saying why.

TESTS = PACKAGE.parent / "tests"
ROW_WRITES = {"add", "add_all", "merge", "bulk_save_objects", "bulk_insert_mappings"}


def _row_writes(source: str) -> tuple[list[str], list[str]]:
    """Return the helpers and fixtures that write ORM rows, and the tests that do so with no reason first."""
    tree = ast.parse(source)
    comments = {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT}
    helpers, silent = [], []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        writes = [node.lineno for node in ast.walk(func) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Attribute) and node.func.attr in ROW_WRITES
                  and "session" in ast.unparse(node.func.value)]
        if not writes:
            continue
        if not func.name.startswith("test_"):
            helpers.append(f"{func.name} (line {writes[0]})")
        elif not any(func.lineno <= line <= min(writes) for line in comments):  # the reason comes first
            silent.append(f"{func.name} (line {writes[0]})")
    return helpers, silent


TEST_FILES = sorted(TESTS.rglob("*.py"))


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda path: str(path.relative_to(TESTS)))
def test_no_test_helper_writes_rows_around_the_services(path: Path) -> None:
    helpers, silent = _row_writes(path.read_text(encoding="utf-8"))
    assert not helpers, f"{path.name}: {helpers} write rows; build the data with the Factory (make.*)"
    assert not silent, f"{path.name}: {silent} write rows with no comment saying why the services cannot"


def test_the_check_sees_a_helper_and_a_silent_test_writing_rows() -> None:
    source = ("def world(app):\n    db.session.add(Customer(name='x'))\n\n"
              "def test_legacy(app):\n    db.session.add_all([Step()])\n\n"
              "def test_attack(app):\n    db.session.add(Customer())  # another organization's row\n")
    assert _row_writes(source) == (["world (line 2)"], ["test_legacy (line 5)"])


# The module names of a feature package (docs/architecture.md, "Module names: one vocabulary").
KINDS = ("views", "forms", "schemas", "permissions", "services", "queries", "chart_data", "files")
NOT_FEATURES = {"api", "charts", "lean", "models", "static"}
# The one door every request passes: named for what it is, documented beside the vocabulary.
NAMED_EXCEPTIONS = {"auth/boundary.py"}
FEATURES = sorted(path for path in PACKAGE.iterdir()
                  if path.is_dir() and (path / "__init__.py").exists() and path.name not in NOT_FEATURES)


def _follows_vocabulary(name: str) -> bool:
    """Whether a module name is a kind of the vocabulary, or ``<topic>_<kind>``."""
    if name == "__init__" or name in KINDS:
        return True
    return any(name.endswith("_" + kind) and len(name) > len(kind) + 1 for kind in KINDS)


@pytest.mark.parametrize("feature", FEATURES, ids=lambda p: p.name)
def test_feature_modules_are_named_in_the_vocabulary(feature: Path) -> None:
    outside = sorted(f"{feature.name}/{path.name}" for path in feature.glob("*.py")
                     if not _follows_vocabulary(path.stem)
                     and f"{feature.name}/{path.name}" not in NAMED_EXCEPTIONS)
    assert not outside, f"named outside the vocabulary of docs/architecture.md: {outside}"


@pytest.mark.parametrize(("name", "follows"), [
    ("views", True), ("step_views", True), ("drift_queries", True), ("log_files", True), ("__init__", True),
    ("figures", False), ("assessments", False), ("agenda", False), ("_queries", False), ("queriesx", False),
])
def test_the_vocabulary_check_tells_names_apart(name: str, follows: bool) -> None:
    assert _follows_vocabulary(name) is follows


def test_queries_modules_do_not_commit() -> None:
    """A reads module never ends a transaction: writing is what services are for."""
    committing = sorted(str(path.relative_to(PACKAGE)) for feature in FEATURES
                        for path in feature.glob("*queries.py")
                        if "session.commit(" in path.read_text(encoding="utf-8"))
    assert not committing, f"these read modules commit: {committing}"
